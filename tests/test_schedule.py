"""The periodic sync: one django-q2 schedule that follows the interval setting, and what the
worker does with its job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ, Schedule
from django_q.scheduler import scheduler
from django_q.signing import SignedPackage

from lists.models import FollowedList
from syncing.jobs import run_sync_job
from syncing.models import SyncRun, SyncSettings
from syncing.schedule import SCHEDULE_NAME, ensure_schedule, next_sync_at, worker_status
from tests.factories import connect, manual_list

pytestmark = pytest.mark.django_db


def test_there_is_one_schedule_at_the_stored_interval():
    ensure_schedule()
    ensure_schedule()
    schedule = Schedule.objects.get(name=SCHEDULE_NAME)
    assert Schedule.objects.count() == 1
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        Schedule.MINUTES,
        360,
        -1,
    )
    assert next_sync_at() == schedule.next_run


def test_a_new_interval_counts_from_now():
    stored = SyncSettings.get()
    stored.interval_minutes = 30
    stored.save()  # as the settings page and the admin do
    schedule = Schedule.objects.get(name=SCHEDULE_NAME)
    assert schedule.minutes == 30
    assert schedule.next_run <= timezone.now() + timedelta(minutes=30)


def test_django_q_turns_the_due_schedule_into_a_sync_job():
    ensure_schedule()
    Schedule.objects.filter(name=SCHEDULE_NAME).update(
        next_run=timezone.now() - timedelta(seconds=1)
    )
    scheduler(broker=get_broker())
    task = SignedPackage.loads(OrmQ.objects.get().payload)
    assert task["func"] == "syncing.jobs.run_sync_job"
    assert task["kwargs"] == {"trigger": "schedule"}
    assert Schedule.objects.get(name=SCHEDULE_NAME).next_run > timezone.now()


def test_the_job_syncs_and_skips_when_a_sync_is_running(sandbox_factory):
    connect(sandbox_factory().url)
    manual_list("tt0133093")
    run_id = run_sync_job(trigger="schedule")
    run = SyncRun.objects.get(pk=run_id)
    assert (run.trigger, run.state, run.counts) == ("schedule", "succeeded", {"requested": 1})

    SyncRun.objects.create(trigger="manual")  # running, heartbeat fresh
    assert run_sync_job() is None
    assert SyncRun.objects.count() == 2


def test_a_job_for_a_deleted_list_does_nothing():
    list_id = manual_list("tt0133093").pk
    FollowedList.objects.filter(pk=list_id).delete()
    assert run_sync_job("manual", list_id) is None
    assert not SyncRun.objects.exists()


def test_no_worker_is_shown_as_not_running():
    status = worker_status()
    assert not status.alive and status.clusters == 0
