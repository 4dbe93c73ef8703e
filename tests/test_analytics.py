"""The analytics page: exact figures from runs and outcomes built here, the period filter, every
chart readable as a table, the htmx part, and a query count that does not grow with history."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from lists.models import FollowedList, ListItem
from syncing import analytics
from syncing.engine import counts_by_list
from syncing.models import Outcome, RunState, SyncRun, Trigger

pytestmark = pytest.mark.django_db

sequence = itertools.count(1)


def noon(days_ago: int) -> datetime:
    """Noon of a day, local time: far from midnight, so on the day whatever the clock says."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(12)))


def sync_run(
    days_ago: int = 0,
    seconds: float = 60,
    counts: dict[str, int] | None = None,
    **fields: object,
) -> SyncRun:
    started = noon(days_ago) + timedelta(minutes=next(sequence))
    fields.setdefault("state", RunState.SUCCEEDED)
    return SyncRun.objects.create(
        trigger=Trigger.SCHEDULE,
        started_at=started,
        finished_at=started + timedelta(seconds=seconds),
        counts=counts or {},
        **fields,
    )


def followed_list(name: str, source: str = "imdb", **fields: object) -> FollowedList:
    return FollowedList.objects.create(
        source=source, key=f"ls{next(sequence)}", name=name, **fields
    )


def outcomes(run: SyncRun, followed: FollowedList, **kinds: int) -> None:
    """`kinds` outcomes of each kind for new entries of `followed`, dated at the run's start."""
    for kind, n in kinds.items():
        for _ in range(n):
            identity = f"entry-{next(sequence)}"
            item = ListItem.objects.create(followed_list=followed, identity=identity)
            Outcome.objects.create(
                run=run, list_item=item, label=identity, kind=kind, created_at=run.started_at
            )
    run.list_counts = counts_by_list(run)  # as the engine does when a run ends
    run.save(update_fields=["list_counts"])


# --- the figures ------------------------------------------------------------------------


def test_outcomes_per_day_sum_the_runs_counts_by_group():
    sync_run(0, counts={"requested": 2, "already_available": 1, "not_found": 1})
    sync_run(0, counts={"requested": 1, "partially_available": 2, "failed": 3, "skipped": 4})
    sync_run(2, counts={"already_requested": 5})
    sync_run(0, counts={"would_request": 9, "not_found": 7}, dry_run=True)
    sync_run(8, counts={"requested": 100})  # before a 7-day period

    days = analytics.daily_outcomes(7)

    assert [day.day for day in days] == [noon(n).date() for n in range(6, -1, -1)]
    by_day = {day.day: (day.runs, day.groups) for day in days}
    # Groups: requested, already requested or available, skipped, not found, failed.
    assert by_day[noon(0).date()] == (2, (3, 3, 4, 1, 3))
    assert by_day[noon(2).date()] == (1, (0, 5, 0, 0, 0))
    assert by_day[noon(1).date()] == (0, (0, 0, 0, 0, 0))
    assert sum(day.groups[0] for day in analytics.daily_outcomes(30)) == 103


def test_success_per_list_counts_the_periods_outcomes_of_each_lists_entries():
    watchlist, classics, idle = followed_list("Watchlist"), followed_list("Classics"), None
    idle = followed_list("Never synced")
    recent, old = sync_run(1), sync_run(40)
    outcomes(recent, watchlist, requested=3, already_available=2, not_found=1, failed=1, skipped=2)
    outcomes(recent, classics, already_requested=1, not_found=3)
    outcomes(old, classics, requested=50)
    outcomes(sync_run(1, dry_run=True), watchlist, would_request=4, not_found=4)

    rows = analytics.list_success(30)

    assert [(r.followed_list, r.good, r.not_found, r.failed, r.skipped, r.rate) for r in rows] == [
        (watchlist, 5, 1, 1, 2, 71),
        (classics, 1, 3, 0, 0, 25),
    ]
    assert idle not in [r.followed_list for r in rows]
    assert [(r.followed_list, r.good) for r in analytics.list_success(90)][1] == (classics, 51)


def test_durations_are_the_latest_finished_runs_oldest_first():
    sync_run(3, seconds=30, done=10)
    sync_run(2, seconds=90, done=20)
    sync_run(1, seconds=600, done=40, state=RunState.FAILED)
    sync_run(0, seconds=1, dry_run=True)
    SyncRun.objects.create(trigger=Trigger.MANUAL)  # running: no duration yet

    runs = analytics.run_durations(30)
    assert [(r.seconds, r.titles, r.state) for r in runs] == [
        (30, 10, "succeeded"),
        (90, 20, "succeeded"),
        (600, 40, "failed"),
    ]
    assert [r.seconds for r in analytics.run_durations(30, limit=2)] == [90, 600]


def test_headline_figures():
    sync_run(1, seconds=30, counts={"requested": 4, "already_available": 4, "not_found": 2})
    sync_run(0, seconds=90, counts={"requested": 1, "failed": 1, "skipped": 5})
    sync_run(0, seconds=600)

    figures = analytics.headline(analytics.daily_outcomes(7), analytics.run_durations(7))

    assert figures.requests == 5
    assert figures.runs == 3
    assert figures.success_rate == 75  # 9 on the server of 12 decided; skipped count neither way
    assert (figures.median_seconds, figures.p95_seconds) == (90, 600)


def test_nothing_decided_has_no_success_rate():
    assert analytics.success_rate(0, 0) is None
    assert analytics.percentile([], 0.95) is None
    assert analytics.percentile([5.0], 0.95) == 5.0


def test_fetch_routes_count_lists_by_source_and_route():
    followed_list("a", last_fetch_route="graphql")
    followed_list("b", last_fetch_route="graphql")
    followed_list("c", last_fetch_route="browser")
    followed_list("d", source="trakt", last_fetch_route="api")
    followed_list("e", source="trakt")
    broken = followed_list("f", source="letterboxd", last_error="HTTP 403")

    routes = [(r.source, r.route, r.lists, r.label) for r in analytics.fetch_routes()]
    assert routes == [
        ("imdb", "browser", 1, "imdb: browser"),
        ("imdb", "graphql", 2, "imdb: graphql"),
        ("letterboxd", "", 1, "letterboxd: not fetched yet"),
        ("trakt", "", 1, "trakt: not fetched yet"),
        ("trakt", "api", 1, "trakt: api"),
    ]
    assert analytics.failing_lists() == [broken]


@pytest.mark.parametrize("value, days", [("7", 7), ("90", 90), (None, 30), ("12", 30), ("x", 30)])
def test_period_is_one_of_the_offered_ones(value, days):
    assert analytics.period_days(value) == days


# --- the page ------------------------------------------------------------------------------


def table_rows(html: str) -> list[list[str]]:
    """The cells of every table row, tags stripped: what a reader of the tables sees."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        ]
        for row in rows
    ]


def test_page_shows_the_figures_in_its_tables(admin_client):
    watchlist = followed_list("Watchlist", last_fetch_route="graphql", last_error="Only part read")
    run = sync_run(0, seconds=75, counts={"requested": 3, "not_found": 1}, done=4)
    outcomes(run, watchlist, requested=3, not_found=1)

    html = admin_client.get("/analytics/?days=7").content.decode()

    rows = table_rows(html)
    today = noon(0)
    assert [today.strftime("%a %-d %b"), "1", "3", "0", "0", "1", "0"] in rows
    assert ["Watchlist imdb", "3", "1", "0", "0", "75%"] in rows
    assert [
        f"#{run.pk}",
        f"{run.started_at:%-d %b %H:%M}",
        "1 min 15 s",
        "4",
        "Succeeded",
    ] in rows
    assert ["imdb", "graphql", "1"] in rows
    assert any(row[:2] == ["Watchlist imdb", "Only part read"] for row in rows)
    assert html.count('<details class="as-table">') == 4
    assert html.count('<svg class="chart"') == 4
    assert re.search(r'<span class="value">3</span><span class="label">requests made', html)
    assert re.search(r'<span class="value">75%</span><span class="label">success rate', html)
    assert 'aria-current="page">Last 7 days' in html


def test_list_names_are_escaped(admin_client):
    evil = followed_list("<script>alert(1)</script>")
    outcomes(sync_run(0, counts={"requested": 1}), evil, requested=1)

    html = admin_client.get("/analytics/").content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_period_filter_leaves_old_runs_out_of_the_page(admin_client):
    sync_run(20, counts={"requested": 7})

    week = admin_client.get("/analytics/?days=7").content.decode()
    month = admin_client.get("/analytics/?days=30").content.decode()

    assert re.search(r'<span class="value">0</span><span class="label">requests made', week)
    assert re.search(r'<span class="value">7</span><span class="label">requests made', month)


def test_htmx_request_gets_only_the_charts_and_the_period_links(admin_client):
    sync_run(0, counts={"requested": 2})

    response = admin_client.get("/analytics/?days=90", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "<html" not in html
    assert '<div id="charts"' in html
    assert 'id="period"' in html and 'hx-swap-oob="true"' in html
    assert 'aria-current="page">Last 90 days' in html
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(admin_client):
    sync_run(0)
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    html = admin_client.get("/analytics/", headers=headers).content.decode()
    assert "<html" in html and "hx-swap-oob" not in html


def test_no_runs_yet_says_how_to_start(admin_client):
    followed_list("Watchlist")
    sync_run(0, dry_run=True)  # a preview is not a sync

    html = admin_client.get("/analytics/").content.decode()

    assert "No syncs yet" in html
    assert 'href="/lists/add/"' in html
    assert 'action="/sync/"' in html
    assert "<svg" not in html and 'id="period"' not in html


def history(n: int) -> None:
    """n runs over the last weeks, each with outcomes for three lists."""
    lists = [followed_list(f"List {i}", last_fetch_route="graphql") for i in range(3)]
    for i in range(n):
        run = sync_run(i % 25, counts={"requested": 1, "not_found": 1})
        for followed in lists:
            outcomes(run, followed, requested=1, not_found=1)
    lists[0].last_error = "boom"
    lists[0].save()


@pytest.mark.parametrize("runs", [3, 30])
def test_query_count_does_not_grow_with_history(admin_client, django_assert_num_queries, runs):
    history(runs)
    admin_client.get("/analytics/")  # the session and user are loaded the same way each time
    # session, user, "any runs?", per day, per list (runs, then the lists), durations, routes,
    # lists with errors
    with django_assert_num_queries(9):
        response = admin_client.get("/analytics/?days=90")
    assert (
        f'<span class="value">{runs}</span><span class="label">syncs' in response.content.decode()
    )


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/analytics/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
