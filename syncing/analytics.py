"""The analytics page: what the syncs did over a period, as charts drawn on the server and the
same figures as tables.

Every figure comes from a few aggregate queries (the history may hold a million outcomes):
outcomes over time sum the per-run counts (`SyncRun.counts`, one row per run), success per list
counts outcomes in SQL. Dry runs are left out: they request nothing.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, IntegerField, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from lists.models import FollowedList
from listsync.templatetags.ui import duration
from listsync.types import HtmxHttpRequest
from syncing import charts
from syncing.models import OutcomeKind, SyncRun

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
DURATION_RUNS = 50  # how many of the latest finished runs the durations chart shows


@dataclass(frozen=True)
class OutcomeGroup:
    label: str
    tone: str
    kinds: tuple[str, ...]
    success: bool | None  # on the server (True), not (False), or neither: skipped on purpose


REQUESTED = OutcomeGroup("Requested", "ok", (OutcomeKind.REQUESTED,), success=True)
# The series of the outcome charts, in stacking order.
OUTCOME_GROUPS = (
    REQUESTED,
    OutcomeGroup(
        "Already requested or available",
        "info",
        (
            OutcomeKind.ALREADY_REQUESTED,
            OutcomeKind.ALREADY_AVAILABLE,
            OutcomeKind.PARTIALLY_AVAILABLE,
        ),
        success=True,
    ),
    OutcomeGroup("Skipped", "muted", (OutcomeKind.SKIPPED,), success=None),
    OutcomeGroup("Not found", "warn", (OutcomeKind.NOT_FOUND,), success=False),
    OutcomeGroup("Failed", "bad", (OutcomeKind.FAILED,), success=False),
)
GOOD_KINDS = tuple(kind for group in OUTCOME_GROUPS if group.success for kind in group.kinds)
COUNTED_KINDS = tuple(kind for group in OUTCOME_GROUPS for kind in group.kinds)


def success_rate(good: int, bad: int) -> int | None:
    """Percent of the decided titles that ended on the server; None when none was decided."""
    return round(100 * good / (good + bad)) if good + bad else None


def period_days(value: str | None) -> int:
    return int(value) if value and value.isdigit() and int(value) in PERIODS else DEFAULT_PERIOD


def first_day(days: int) -> date:
    """The first day of a period of `days` days that ends today (local time)."""
    return timezone.localdate() - timedelta(days=days - 1)


def period_start(days: int) -> datetime:
    return timezone.make_aware(datetime.combine(first_day(days), time.min))


# --- outcomes per day --------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    day: date
    runs: int
    groups: tuple[int, ...]  # one count per OUTCOME_GROUPS entry


def daily_outcomes(days: int) -> list[Day]:
    """Runs and outcomes of each day of the period (by the day a run started), days without a
    run included. One query over the runs."""
    sums = {
        kind: Coalesce(Sum(Cast(KT(f"counts__{kind}"), IntegerField())), 0)
        for kind in COUNTED_KINDS
    }
    rows = (
        SyncRun.objects.filter(started_at__gte=period_start(days), dry_run=False)
        .annotate(day=TruncDate("started_at"))
        .values("day")
        .annotate(runs=Count("id"), **{f"n_{kind}": total for kind, total in sums.items()})
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    result = []
    for offset in range(days):
        day = first_day(days) + timedelta(days=offset)
        row = by_day.get(day, {})
        groups = tuple(sum(row.get(f"n_{kind}", 0) for kind in g.kinds) for g in OUTCOME_GROUPS)
        result.append(Day(day=day, runs=row.get("runs", 0), groups=groups))
    return result


# --- success per list ----------------------------------------------------------------------


@dataclass(frozen=True)
class ListSuccess:
    followed_list: FollowedList
    good: int
    not_found: int
    failed: int
    skipped: int

    @property
    def rate(self) -> int | None:
        return success_rate(self.good, self.not_found + self.failed)


def list_success(days: int) -> list[ListSuccess]:
    """For each list with outcomes in the period: how its entries ended. Sums the per-list
    counts each run keeps (SyncRun.list_counts), so it reads runs, not outcomes."""
    totals: defaultdict[int, Counter[str]] = defaultdict(Counter)
    runs = SyncRun.objects.filter(started_at__gte=period_start(days), dry_run=False)
    for per_list in runs.values_list("list_counts", flat=True):
        for list_id, kinds in per_list.items():
            totals[int(list_id)].update(
                {kind: n for kind, n in kinds.items() if kind in COUNTED_KINDS}
            )
    lists = FollowedList.objects.in_bulk([pk for pk, kinds in totals.items() if kinds])
    return [
        ListSuccess(
            lists[pk],
            good=sum(totals[pk][kind] for kind in GOOD_KINDS),
            not_found=totals[pk][OutcomeKind.NOT_FOUND],
            failed=totals[pk][OutcomeKind.FAILED],
            skipped=totals[pk][OutcomeKind.SKIPPED],
        )
        for pk in sorted(lists)
    ]


# --- sync durations --------------------------------------------------------------------------


@dataclass(frozen=True)
class RunDuration:
    run_id: int
    started_at: datetime
    seconds: float
    titles: int
    state: str


def run_durations(days: int, limit: int = DURATION_RUNS) -> list[RunDuration]:
    """The latest finished runs of the period, oldest first. One query."""
    rows = (
        SyncRun.objects.filter(
            started_at__gte=period_start(days), finished_at__isnull=False, dry_run=False
        )
        .annotate(took=F("finished_at") - F("started_at"))
        .order_by("-started_at")
        .values_list("pk", "started_at", "took", "done", "state")[:limit]
    )
    return [
        RunDuration(pk, started, took.total_seconds(), done, state)
        for pk, started, took, done, state in reversed(rows)
    ]


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value at or above `share` of the values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


# --- fetch routes -------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteCount:
    source: str
    route: str
    lists: int

    @property
    def label(self) -> str:
        return f"{self.source}: {self.route or 'not fetched yet'}"


def fetch_routes() -> list[RouteCount]:
    """How each source's lists were read the last time (API, HTML, browser…). One query."""
    rows = (
        FollowedList.objects.values_list("source", "last_fetch_route")
        .annotate(lists=Count("id"))
        .order_by("source", "last_fetch_route")
    )
    return [RouteCount(source, route, lists) for source, route, lists in rows]


def failing_lists() -> list[FollowedList]:
    return list(FollowedList.objects.exclude(last_error="").order_by("-last_error_at", "id"))


# --- the page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    requests: int
    runs: int
    success_rate: int | None
    median_seconds: float | None
    p95_seconds: float | None


def headline(daily: list[Day], durations: list[RunDuration]) -> Headline:
    totals = {g: sum(day.groups[i] for day in daily) for i, g in enumerate(OUTCOME_GROUPS)}
    seconds = [run.seconds for run in durations]
    return Headline(
        requests=totals[REQUESTED],
        runs=sum(day.runs for day in daily),
        success_rate=success_rate(
            sum(n for g, n in totals.items() if g.success is True),
            sum(n for g, n in totals.items() if g.success is False),
        ),
        median_seconds=statistics.median(seconds) if seconds else None,
        p95_seconds=percentile(seconds, 0.95),
    )


def short_date(day: date) -> str:
    return f"{day:%b} {day.day}"


OUTCOME_SERIES = tuple(charts.Series(group.label, group.tone) for group in OUTCOME_GROUPS)
SUCCESS_SERIES = (
    charts.Series("Requested or already there", "ok"),
    charts.Series("Not found", "warn"),
    charts.Series("Failed", "bad"),
)


def draw(
    daily: list[Day],
    lists: list[ListSuccess],
    durations: list[RunDuration],
    routes: list[RouteCount],
) -> dict[str, SafeString]:
    """The page's charts, each the picture of one table on the page."""
    return {
        "daily": charts.bar_chart(
            [short_date(day.day) for day in daily],
            OUTCOME_SERIES,
            [day.groups for day in daily],
            label="Outcomes per day",
            width=1100,  # the one chart across the whole page
        ),
        "lists": charts.hbar_chart(
            [str(row.followed_list) for row in lists],
            SUCCESS_SERIES,
            [(row.good, row.not_found, row.failed) for row in lists],
            label="Success per list",
            shares=True,
        ),
        "durations": charts.bar_chart(
            [f"#{run.run_id}" for run in durations],
            [charts.Series("Duration", "accent")],
            [(run.seconds,) for run in durations],
            label="Sync durations",
            fmt=duration,
        ),
        "routes": charts.hbar_chart(
            [route.label for route in routes],
            [charts.Series("Lists", "info")],
            [(route.lists,) for route in routes],
            label="Fetch routes used",
        ),
    }


def analytics(days: int) -> dict[str, object]:
    """Everything the page shows for a period of `days` days."""
    daily = daily_outcomes(days)
    lists = list_success(days)
    durations = run_durations(days)
    routes = fetch_routes()
    return {
        "headline": headline(daily, durations),
        "daily": daily,
        "since": first_day(days),
        "groups": OUTCOME_GROUPS,
        "legends": {"daily": OUTCOME_SERIES, "lists": SUCCESS_SERIES},
        "lists": lists,
        "durations": durations,
        "routes": routes,
        "failing_lists": failing_lists(),
        "charts": draw(daily, lists, durations, routes),
    }


@require_GET
def page(request: HtmxHttpRequest) -> HttpResponse:
    days = period_days(request.GET.get("days"))
    context: dict[str, object] = {"days": days, "periods": PERIODS}
    has_runs = SyncRun.objects.filter(dry_run=False).exists()
    if has_runs:
        context.update(analytics(days))
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    context.update(has_runs=has_runs, partial=partial)
    template = "syncing/_charts.html" if partial else "syncing/analytics.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # the same URL answers a page or a part
    return response
