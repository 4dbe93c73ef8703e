"""History and one run's page: runs with their figures, every outcome with its error, cancel."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lists.services import refresh_list
from providers import FetchContext
from syncing.models import Outcome, OutcomeKind, RunState, SyncRun
from tests.factories import manual_list, title

pytestmark = pytest.mark.django_db


def run_with_outcomes(n: int, **fields) -> SyncRun:
    fields.setdefault("state", RunState.SUCCEEDED)
    fields.setdefault("finished_at", timezone.now())
    run = SyncRun.objects.create(trigger="manual", total=n, done=n, **fields)
    followed = manual_list(*[f"tmdb:movie:{1000 + i}" for i in range(n)])
    refresh_list(followed, FetchContext())
    items = list(followed.items.order_by("position"))
    for i, item in enumerate(items):
        Outcome.objects.create(
            run=run,
            title=title(1000 + i + 100 * run.pk),
            list_item=item,
            label=f"Film {i}",
            kind=OutcomeKind.FAILED if i == 0 else OutcomeKind.REQUESTED,
            matched_by="tmdb",
            message="HTTP 500 from the server" if i == 0 else "",
        )
    return run


def count_queries(client, url: str) -> int:
    client.get(url)  # once first: rows made on first use (the server connection) settle
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_history_lists_runs_with_trigger_duration_and_counts(admin_client):
    run = SyncRun.objects.create(
        trigger="schedule",
        state=RunState.FAILED,
        counts={"requested": 3, "not_found": 1},
        error="The request server is unreachable",
    )
    SyncRun.objects.filter(pk=run.pk).update(
        finished_at=run.started_at + timezone.timedelta(seconds=75)
    )
    page = admin_client.get("/runs/").content.decode()
    assert f'href="/runs/{run.pk}/"' in page and "Schedule" in page
    assert "1 min 15 s" in page
    assert "Requested: 3" in page and "Not found: 1" in page
    assert "The request server is unreachable" in page


def test_history_filters_by_state_and_keeps_its_query_count(admin_client):
    SyncRun.objects.create(trigger="manual", state=RunState.CANCELLED)
    few = count_queries(admin_client, "/runs/")
    for _ in range(15):
        SyncRun.objects.create(trigger="cli", state=RunState.SUCCEEDED, finished_at=timezone.now())
    assert count_queries(admin_client, "/runs/") == few
    page = admin_client.get("/runs/?state=cancelled").content.decode()
    assert page.count('class="badge warn">Cancelled') == 1
    assert "Succeeded</span>" not in page


def test_a_runs_page_lists_every_outcome_and_its_error(admin_client):
    run = run_with_outcomes(3)
    page = admin_client.get(f"/runs/{run.pk}/").content.decode()
    for label in ("Film 0", "Film 1", "Film 2"):
        assert label in page
    assert "HTTP 500 from the server" in page and "TMDB id" in page
    failed_only = admin_client.get(f"/runs/{run.pk}/?kind=failed").content.decode()
    assert "Film 0" in failed_only and "Film 1" not in failed_only


def test_a_runs_page_keeps_its_query_count(admin_client):
    small, large = run_with_outcomes(2), run_with_outcomes(25)
    assert count_queries(admin_client, f"/runs/{small.pk}/") == count_queries(
        admin_client, f"/runs/{large.pk}/"
    )


def test_the_progress_partial_polls_only_while_running(admin_client):
    run = SyncRun.objects.create(trigger="manual", total=10, done=4)
    headers = {"HX-Request": "true", "HX-Target": "run-progress"}
    partial = admin_client.get(f"/runs/{run.pk}/", headers=headers).content.decode()
    assert "<html" not in partial and 'hx-trigger="every 1s"' in partial
    assert "4 of 10 titles" in partial and 'aria-valuenow="40"' in partial
    SyncRun.objects.filter(pk=run.pk).update(state=RunState.SUCCEEDED, done=10)
    partial = admin_client.get(f"/runs/{run.pk}/", headers=headers).content.decode()
    assert "every 1s" not in partial and 'aria-valuenow="100"' in partial


def test_cancel_asks_the_running_sync_to_stop(admin_client):
    run = SyncRun.objects.create(trigger="manual")
    partial = admin_client.post(
        f"/runs/{run.pk}/cancel/", headers={"HX-Request": "true"}
    ).content.decode()
    run.refresh_from_db()
    assert run.cancel_requested and "stopping…" in partial

    done = SyncRun.objects.create(trigger="manual", state=RunState.SUCCEEDED)
    admin_client.post(f"/runs/{done.pk}/cancel/")
    done.refresh_from_db()
    assert not done.cancel_requested


def test_cancel_needs_a_post_and_a_login(client, admin_client):
    run = SyncRun.objects.create(trigger="manual")
    assert admin_client.get(f"/runs/{run.pk}/cancel/").status_code == 405
    assert client.post(f"/runs/{run.pk}/cancel/")["Location"].startswith("/login/")
    run.refresh_from_db()
    assert not run.cancel_requested
