from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lists.models import MediaFilter
from lists.services import add_list
from providers import ListInputError


class Command(BaseCommand):
    help = "Follow a list: a URL or id from a source site, or `manual --items-file FILE`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url_or_id", help="The list's URL or id, or 'manual'.")
        parser.add_argument("--name", default="", help="A name to show for it.")
        parser.add_argument("--user", type=int, help="Request as this server user id.")
        parser.add_argument(
            "--media",
            choices=list(MediaFilter.values),
            default=MediaFilter.ALL,
            help="Which titles to take from it.",
        )
        parser.add_argument("--4k", dest="is_4k", action="store_true", help="Request in 4K.")
        parser.add_argument(
            "--seasons",
            choices=["all", "first", "latest"],
            default="all",
            help="Which seasons of a show to request.",
        )
        parser.add_argument(
            "--items-file", type=Path, help="Manual lists: a file with one title per line."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        manual_items = ""
        if options["items_file"]:
            try:
                manual_items = options["items_file"].read_text()
            except OSError as exc:
                raise CommandError(f"Cannot read {options['items_file']}: {exc}") from exc
        try:
            followed, warnings = add_list(
                options["url_or_id"],
                name=options["name"],
                media_types=options["media"],
                request_user_id=options["user"],
                is_4k=options["is_4k"],
                seasons_policy=options["seasons"],
                manual_items=manual_items,
            )
        except ListInputError as exc:
            raise CommandError(str(exc)) from exc
        for warning in warnings:
            self.stderr.write(self.style.WARNING(f"Left out {warning}"))
        self.stdout.write(self.style.SUCCESS(f"Following list #{followed.pk}: {followed}"))
