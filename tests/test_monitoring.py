"""Observability: one log line per event with its run, warnings kept in the database for the
log page, and /metrics in Prometheus' text format."""

from __future__ import annotations

import logging

import pytest
from django.utils import timezone

from listsync.logs import LineFormatter, RunFilter, run_context
from listsync.models import LogEvent
from syncing.engine import sync
from tests.factories import connect, manual_list

pytestmark = pytest.mark.django_db


def formatted(message: str, **extra) -> str:
    record = logging.LogRecord("syncing.engine", logging.WARNING, __file__, 1, message, (), None)
    record.__dict__.update(extra)
    RunFilter().filter(record)
    return LineFormatter().format(record)


def test_a_log_line_carries_its_run_and_its_facts():
    with run_context(42):
        line = formatted("list 3: IMDb said 503", event="fetch_failed", context={"source": "imdb"})
    assert line.split(" ", 1)[1] == (
        "level=warning logger=syncing.engine run=42 event=fetch_failed "
        'msg="list 3: IMDb said 503" source=imdb'
    )
    assert "run=" not in formatted("outside a run")


def failing_feed_sync(settings, sandbox_factory):
    settings.LISTSYNC_STEVENLU_URL = "http://127.0.0.1:9/movies.json"  # nothing listens there
    connect(sandbox_factory().url)
    manual_list("tt0133093")
    from lists.services import add_list

    add_list("stevenlu")
    return sync("manual")


def test_a_failed_fetch_is_stored_with_its_run_and_source(settings, sandbox_factory):
    run = failing_feed_sync(settings, sandbox_factory)
    event = LogEvent.objects.get(event="fetch_failed")
    assert event.run_id == run.pk and event.level == "WARNING"
    assert event.context["source"] == "stevenlu"
    assert "127.0.0.1:9" in event.message


def test_the_log_page_shows_warnings_and_filters(admin_client, settings, sandbox_factory):
    run = failing_feed_sync(settings, sandbox_factory)
    LogEvent.objects.create(level="ERROR", logger="syncing.engine", message="boom happened")
    page = admin_client.get("/logs/").content.decode()
    assert "127.0.0.1:9" in page and "boom happened" in page
    assert f'href="/runs/{run.pk}/"' in page
    errors_only = admin_client.get("/logs/?level=ERROR").content.decode()
    assert "boom happened" in errors_only and "127.0.0.1:9" not in errors_only


def test_metrics_in_prometheus_format(client, settings, sandbox_factory):
    settings.LISTSYNC_METRICS_TOKEN = "scrape-me-123"
    failing_feed_sync(settings, sandbox_factory)
    response = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-123"})
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'listsync_runs_total{state="succeeded"} 1' in text
    assert 'listsync_outcomes_total{kind="requested"} 1' in text
    assert 'listsync_fetch_errors_total{source="stevenlu"} 1' in text
    assert 'listsync_lists_with_errors{source="stevenlu"} 1' in text
    assert "listsync_sync_duration_seconds_count 1" in text
    assert 'listsync_sync_duration_seconds_bucket{le="+Inf"} 1' in text
    assert "# TYPE listsync_runs_total counter" in text
    assert "listsync_worker_up 0" in text and "listsync_sync_running 0" in text


def test_metrics_need_the_token_or_a_login(client, admin_client, settings):
    settings.LISTSYNC_METRICS_TOKEN = "scrape-me-123"
    assert client.get("/metrics")["Location"].startswith("/login/")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert admin_client.get("/metrics").status_code == 200
    settings.LISTSYNC_METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401


def test_the_log_keeps_the_newest_events(monkeypatch):
    from listsync import logs

    monkeypatch.setattr(logs, "KEPT_EVENTS", 5)
    LogEvent.objects.bulk_create(
        LogEvent(level="WARNING", logger="x", message=str(n), created_at=timezone.now())
        for n in range(12)
    )
    logs.prune()
    assert sorted(int(m) for m in LogEvent.objects.values_list("message", flat=True)) == list(
        range(7, 12)
    )
