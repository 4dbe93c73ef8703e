"""What the dashboard shows, in a fixed, small number of queries whatever the history's size."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from lists.models import FollowedList, Title
from syncing.models import Outcome, OutcomeKind, RunState, ServerConnection, SyncRun
from syncing.schedule import next_sync_at, worker_status

# After "Sync now", how long the live box waits for the queued run to show up.
QUEUE_PATIENCE_SECONDS = 60


@dataclass
class Activity:
    latest: SyncRun | None
    waiting: bool  # a sync is queued and has not started yet
    since: float | None
    worker: Any

    @property
    def polling(self) -> bool:
        running = self.latest is not None and self.latest.state == RunState.RUNNING
        return running or self.waiting


def activity(since: float | None = None) -> Activity:
    """The latest run, and whether a sync asked for at `since` (epoch seconds) is still to come."""
    latest = SyncRun.objects.select_related("followed_list").first()
    worker = worker_status()
    expecting = (
        since is not None
        and time.time() - since < QUEUE_PATIENCE_SECONDS
        and (latest is None or latest.started_at.timestamp() < since)
    )
    return Activity(
        latest=latest, waiting=bool(worker.queued or expecting), since=since, worker=worker
    )


def dashboard() -> dict[str, object]:
    week_ago = timezone.now() - timedelta(days=7)
    last_finished = SyncRun.objects.exclude(state=RunState.RUNNING).first()
    statuses = dict(Title.objects.order_by().values_list("server_status").annotate(n=Count("id")))
    return {
        "server": ServerConnection.get(),
        "next_sync": next_sync_at(),
        "last_finished": last_finished,
        "requested_this_week": Outcome.objects.filter(
            kind=OutcomeKind.REQUESTED, created_at__gte=week_ago
        ).count(),
        "recent_runs": SyncRun.objects.select_related("followed_list")[:6],
        "lists_with_errors": FollowedList.objects.exclude(last_error="").order_by("-last_error_at")[
            :10
        ],
        "list_count": FollowedList.objects.count(),
        "title_count": sum(statuses.values()),
        "statuses": statuses,
    }
