"""The periodic sync and the worker that runs it (django-q2).

One named django-q2 Schedule runs the sync; its interval follows the stored setting. The
worker's liveness comes from the cluster statistics django-q2 writes every half second into the
cache (a folder in the data directory, or Redis)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.status import Stat

from syncing.models import SyncSettings, Trigger

log = logging.getLogger(__name__)

SCHEDULE_NAME = "ListSync: sync every list"
SYNC_JOB = "syncing.jobs.run_sync_job"
# django-q2 keeps a schedule's keyword arguments as Python source text.
SYNC_JOB_KWARGS = f"trigger={Trigger.SCHEDULE.value!r}"


def ensure_schedule() -> Schedule:
    """Create the periodic sync, or bring its interval in line with the setting. A changed
    interval counts from now, so a shorter one takes effect at once."""
    minutes = SyncSettings.get().interval_minutes
    schedule, created = Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": SYNC_JOB,
            "kwargs": SYNC_JOB_KWARGS,
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
            "next_run": timezone.now() + timedelta(minutes=minutes),
        },
    )
    outdated = (schedule.minutes, schedule.func, schedule.kwargs) != (
        minutes,
        SYNC_JOB,
        SYNC_JOB_KWARGS,
    )
    if not created and outdated:
        schedule.func = SYNC_JOB
        schedule.kwargs = SYNC_JOB_KWARGS
        schedule.schedule_type = Schedule.MINUTES
        schedule.minutes = minutes
        schedule.repeats = -1
        schedule.next_run = timezone.now() + timedelta(minutes=minutes)
        schedule.save()
        log.info("the sync now runs every %s minutes", minutes)
    return schedule


def next_sync_at() -> datetime | None:
    return Schedule.objects.filter(name=SCHEDULE_NAME).values_list("next_run", flat=True).first()


@dataclass(frozen=True)
class WorkerStatus:
    alive: bool
    clusters: int
    queued: int
    hosts: tuple[str, ...] = ()


def worker_status() -> WorkerStatus:
    """Whether a django-q2 cluster is running (any machine), and how many jobs wait for it."""
    broker = get_broker()
    try:
        # A cluster that stopped leaves its last heartbeat for 3 s: it is not alive.
        stats = [stat for stat in Stat.get_all(broker=broker) if stat.status != Conf.STOPPED]
        queued = broker.queue_size() or 0
    except Exception as exc:  # the broker itself is down (Redis): the worker is not usable
        log.warning("cannot read the worker's status: %s", exc)
        return WorkerStatus(alive=False, clusters=0, queued=0)
    hosts = tuple(sorted({str(stat.host) for stat in stats}))
    return WorkerStatus(alive=bool(stats), clusters=len(stats), queued=queued, hosts=hosts)
