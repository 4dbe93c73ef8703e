import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lists.services import preview_list
from providers import FetchError, ListInputError
from syncing.models import SyncSettings

ITEM_FIELDS = ("title", "year", "media_type", "imdb_id", "tmdb_id", "tvdb_id", "source_id")


class Command(BaseCommand):
    help = "Fetch one list and print its items (to check a list before adding it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url_or_id")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = preview_list(options["url_or_id"], SyncSettings.get().source_keys())
        except (ListInputError, FetchError) as exc:
            raise CommandError(str(exc)) from exc
        items = [{name: asdict(item)[name] for name in ITEM_FIELDS} for item in result.items]
        if options["json"]:
            self.stdout.write(
                json.dumps({"name": result.name, "route": result.route, "items": items})
            )
            return
        complete = "" if result.complete else " (only part of the list could be read)"
        self.stdout.write(f"{result.name}: {len(items)} items via {result.route}{complete}")
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        for number, item in enumerate(result.items, start=1):
            ids = " ".join(
                str(v)
                for v in (item.imdb_id, item.tmdb_id and f"tmdb:{item.tmdb_id}", item.tvdb_id)
                if v
            )
            kind = item.media_type or "?"
            self.stdout.write(f"{number:>5}  {item.label}  [{kind}]  {ids}")
