import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lists.models import FollowedList
from syncing.engine import SyncAlreadyRunning, sync
from syncing.models import OutcomeKind, RunState, SyncRun, Trigger


class Command(BaseCommand):
    help = "Sync the enabled lists (or one list) to the request server now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", type=int, dest="list_id", help="Sync only this list id.")
        parser.add_argument("--dry-run", action="store_true", help="Decide, but request nothing.")
        parser.add_argument(
            "--rerequest-removed",
            action="store_true",
            help="Request again titles that were declined or deleted on the server.",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        list_id = options["list_id"]
        if list_id is not None and not FollowedList.objects.filter(pk=list_id).exists():
            raise CommandError(f"There is no list #{list_id}; `manage.py lists` shows them.")
        show_bar = not options["json"] and self.stdout.isatty()
        try:
            run = sync(
                Trigger.CLI,
                list_id=list_id,
                dry_run=options["dry_run"],
                rerequest_removed=options["rerequest_removed"],
                on_progress=self.draw_bar if show_bar else None,
            )
        except SyncAlreadyRunning as exc:
            raise CommandError(str(exc)) from exc
        if show_bar:
            self.stdout.write("")
        if options["json"]:
            self.stdout.write(
                json.dumps({"run_id": run.pk, "state": run.state, "counts": run.counts})
            )
        else:
            self.print_summary(run)
        if run.state != RunState.SUCCEEDED:
            sys.exit(1)

    def draw_bar(self, run: SyncRun) -> None:
        width = 30
        filled = int(width * run.done / run.total) if run.total else 0
        bar = "#" * filled + "." * (width - filled)
        self.stdout.write(f"\r[{bar}] {run.done}/{run.total} titles", ending="")
        self.stdout.flush()

    def print_summary(self, run: SyncRun) -> None:
        seconds = f"{run.duration:.1f} s" if run.duration is not None else "?"
        dry = " (dry run)" if run.dry_run else ""
        self.stdout.write(f"Sync #{run.pk}{dry}: {run.get_state_display()} in {seconds}")
        if run.error:
            self.stdout.write(self.style.ERROR(run.error))
        for kind in OutcomeKind:
            if run.counts.get(kind):
                self.stdout.write(f"  {kind.label:<26} {run.counts[kind]:>6}")
        failed_lists = FollowedList.objects.filter(last_error_at__gte=run.started_at)
        for followed in failed_lists:
            self.stdout.write(
                self.style.WARNING(f"  list #{followed.pk} {followed}: {followed.last_error}")
            )
        problems = run.outcomes.filter(kind__in=[OutcomeKind.FAILED, OutcomeKind.NOT_FOUND])
        for outcome in problems[:10]:
            self.stdout.write(f"  {outcome.get_kind_display()}: {outcome.label}: {outcome.message}")
