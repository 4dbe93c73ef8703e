"""Jobs run by the django-q2 worker. They take ids and look everything up again."""

from __future__ import annotations

import logging

from django_q.tasks import async_task

from lists.models import FollowedList
from syncing.engine import SyncAlreadyRunning, sync
from syncing.models import Trigger

log = logging.getLogger(__name__)


def run_sync_job(trigger: str = Trigger.SCHEDULE, list_id: int | None = None) -> int | None:
    """Sync (all lists, or one); returns the run id, or None when there was nothing to do."""
    if list_id is not None and not FollowedList.objects.filter(pk=list_id).exists():
        return None  # deleted since it was queued
    try:
        return sync(trigger, list_id=list_id).pk
    except SyncAlreadyRunning as exc:
        log.info("skipped: %s", exc)
        return None


def enqueue_sync(list_id: int | None = None, trigger: str = Trigger.MANUAL) -> str:
    return str(async_task(run_sync_job, trigger, list_id, group="sync"))
