import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from syncing.sandbox import (
    FORK_VERSIONS,
    FORKS,
    SandboxServer,
    demo_catalogue,
    synthetic_catalogue,
)


class Command(BaseCommand):
    help = (
        "Run the sandbox request server (a fake Overseerr / Jellyseerr / Seerr) on the demo "
        "catalogue until Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=5055)
        parser.add_argument("--fork", choices=FORKS, default="overseerr")
        parser.add_argument("--api-key", default="sandbox-key")
        parser.add_argument(
            "--latency-ms", type=float, default=0.0, help="milliseconds added to every call"
        )
        parser.add_argument(
            "--error-rate", type=float, default=0.0, help="fraction of calls answered 500"
        )
        parser.add_argument(
            "--synthetic",
            type=int,
            default=0,
            metavar="N",
            help="add N generated movies and N generated shows",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        catalogue = demo_catalogue()
        if options["synthetic"]:
            catalogue.extend(synthetic_catalogue(options["synthetic"], options["synthetic"]))
        server = SandboxServer(
            catalogue,
            fork=options["fork"],
            api_key=options["api_key"],
            host=options["host"],
            port=options["port"],
            latency=options["latency_ms"] / 1000,
            error_rate=options["error_rate"],
        )
        with server:
            self.stdout.write(self.style.SUCCESS(f"Sandbox {server.fork} at {server.url}"))
            self.stdout.write(f"API key: {server.api_key}")
            self.stdout.write(f"Fork: {server.fork} (version {FORK_VERSIONS[server.fork]})")
            self.stdout.write(
                f"Catalogue: {len(catalogue.movies)} movies, {len(catalogue.shows)} shows. "
                "Ctrl-C to stop."
            )
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                self.stdout.write("Stopped.")
