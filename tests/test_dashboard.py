"""The dashboard: figures from the database, the live activity box, the request-server box."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lists.models import FollowedList
from syncing.models import Outcome, OutcomeKind, RunState, SyncRun
from tests.factories import connect, manual_list, title

pytestmark = pytest.mark.django_db


def finished_run(**fields) -> SyncRun:
    fields.setdefault("trigger", "schedule")
    fields.setdefault("state", RunState.SUCCEEDED)
    fields.setdefault("finished_at", timezone.now())
    return SyncRun.objects.create(**fields)


def test_an_empty_install_says_what_to_do_next(admin_client):
    page = admin_client.get("/").content.decode()
    assert "Get started" in page
    assert "Connect your request server" in page and 'href="/settings/"' in page
    assert "Add a list" in page and 'href="/lists/add/"' in page
    assert "No sync has run yet." in page


def test_the_dashboard_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/"


def test_figures_come_from_the_database(admin_client):
    connect("http://server.invalid:5055")
    followed = manual_list("tt0111161")
    FollowedList.objects.filter(pk=followed.pk).update(
        last_error="IMDb answered 503", last_error_at=timezone.now()
    )
    movie = title(278, server_status="requested")
    title(279, server_status="available")
    run = finished_run(counts={"requested": 1, "failed": 2})
    Outcome.objects.create(run=run, title=movie, label="x", kind=OutcomeKind.REQUESTED)
    old = Outcome.objects.create(run=run, label="old", kind=OutcomeKind.REQUESTED)
    Outcome.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))

    page = admin_client.get("/").content.decode()

    assert "Get started" not in page
    assert '<span class="value">1</span><span class="label">requested this week' in page
    assert '<span class="value">2</span></a><span class="label">titles known' in page
    assert "IMDb answered 503" in page  # the list with an error
    assert f'href="/runs/{run.pk}/"' in page and "Succeeded" in page
    assert 'href="/titles/?status=available"' in page


def test_dashboard_queries_do_not_grow_with_history(admin_client, django_assert_num_queries):
    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/").status_code == 200
        return len(captured)

    connect("http://server.invalid:5055")
    manual_list("tt0111161")
    finished_run()
    few = queries()
    for n in range(20):
        run = finished_run(counts={"requested": n})
        Outcome.objects.create(run=run, label=str(n), kind=OutcomeKind.REQUESTED)
        manual_list(f"tt01111{n:02d}")
    assert queries() == few


def test_a_running_sync_is_polled_until_it_ends(admin_client):
    run = SyncRun.objects.create(trigger="manual", total=40, done=10)
    page = admin_client.get("/").content.decode()
    assert 'id="activity"' in page and 'hx-trigger="every 1s"' in page
    assert "10 of 40 titles" in page and 'style="width: 25%"' in page

    SyncRun.objects.filter(pk=run.pk).update(
        state=RunState.SUCCEEDED, done=40, finished_at=timezone.now()
    )
    partial = admin_client.get("/", headers={"HX-Request": "true", "HX-Target": "activity"})
    body = partial.content.decode()
    assert "<html" not in body and 'id="activity"' in body
    assert "every 1s" not in body  # polling stops with the run
    assert partial["HX-Refresh"] == "true"  # and the page reloads to show the new figures
    assert 'style="width: 100%"' in body and "Succeeded" in body


def test_sync_now_queues_a_job_and_the_box_waits_for_it(admin_client):
    from django_q.models import OrmQ

    response = admin_client.post("/sync/", headers={"HX-Request": "true", "HX-Target": "activity"})
    body = response.content.decode()
    assert OrmQ.objects.count() == 1
    assert "A sync is queued" in body and 'hx-trigger="every 1s"' in body
    assert "?since=" in body  # keeps polling until the queued run shows up


def test_the_box_stops_waiting_once_the_asked_for_run_has_started(admin_client):
    import time

    asked = time.time() - 1
    finished_run()
    partial = admin_client.get(
        f"/?since={asked}", headers={"HX-Request": "true", "HX-Target": "activity"}
    ).content.decode()
    assert "A sync is queued" not in partial and "every 1s" not in partial


def test_the_server_box_reports_a_live_check(admin_client, sandbox_factory):
    server = sandbox_factory(fork="jellyseerr")
    connect(server.url)
    body = admin_client.get("/server/").content.decode()
    assert "Reachable" in body and "Jellyseerr" in body

    connect(server.url, api_key="wrong")
    body = admin_client.get("/server/").content.decode()
    assert "Not usable" in body and "refused the API key" in body
