"""Watching ListSync run: /metrics for Prometheus and the log page of warnings and errors."""

from __future__ import annotations

import hmac
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lists.models import FollowedList, Title
from listsync.models import LogEvent
from syncing.models import RunState, SyncRun
from syncing.schedule import worker_status

# Upper bounds of the sync-duration histogram, in seconds.
DURATION_BUCKETS = (10, 30, 60, 120, 300, 600, 1800, 3600)
LEVELS = ("WARNING", "ERROR", "CRITICAL")
FINISHED_STATES = [state for state in RunState.values if state != RunState.RUNNING]


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def label_value(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Exposition:
    """Prometheus' text format, written family by family."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(
        self, name: str, kind: str, help_text: str, samples: Iterable[tuple[dict, float]]
    ) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        for labels, value in samples:
            self.sample(name, labels, value)

    def sample(self, name: str, labels: dict, value: float) -> None:
        inner = ",".join(f'{key}="{label_value(v)}"' for key, v in labels.items())
        self.lines.append(f"{name}{{{inner}}} {value:g}" if inner else f"{name} {value:g}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def metrics_text() -> str:
    out = Exposition()
    runs = SyncRun.objects.exclude(state=RunState.RUNNING).filter(dry_run=False)
    by_state = dict(runs.order_by().values_list("state").annotate(n=Count("id")))
    out.family(
        "listsync_runs_total",
        "counter",
        "Finished syncs (dry runs left out), by how they ended.",
        (
            ({"state": state}, by_state.get(state, 0))
            for state in RunState.values
            if state != "running"
        ),
    )
    outcomes: Counter[str] = Counter()
    durations: list[float] = []
    for counts, started, finished in runs.values_list("counts", "started_at", "finished_at"):
        outcomes.update(counts)
        if finished:
            durations.append((finished - started).total_seconds())
    out.family(
        "listsync_outcomes_total",
        "counter",
        "Outcomes of finished syncs, by kind.",
        (({"kind": kind}, n) for kind, n in sorted(outcomes.items())),
    )
    out.lines += [
        "# HELP listsync_sync_duration_seconds How long finished syncs took.",
        "# TYPE listsync_sync_duration_seconds histogram",
    ]
    for bound in DURATION_BUCKETS:
        out.sample(
            "listsync_sync_duration_seconds_bucket",
            {"le": bound},
            sum(1 for d in durations if d <= bound),
        )
    out.sample("listsync_sync_duration_seconds_bucket", {"le": "+Inf"}, len(durations))
    out.sample("listsync_sync_duration_seconds_sum", {}, round(sum(durations), 3))
    out.sample("listsync_sync_duration_seconds_count", {}, len(durations))
    failures = (
        LogEvent.objects.filter(event="fetch_failed")
        .order_by()
        .values_list("context__source")
        .annotate(n=Count("id"))
    )
    out.family(
        "listsync_fetch_errors_total",
        "counter",
        "List fetches that failed, by source (as far back as the log keeps).",
        (({"source": source}, n) for source, n in failures if source),
    )
    in_error = (
        FollowedList.objects.exclude(last_error="")
        .order_by()
        .values_list("source")
        .annotate(n=Count("id"))
    )
    out.family(
        "listsync_lists_with_errors",
        "gauge",
        "Lists whose last fetch failed or was partial, by source.",
        (({"source": source}, n) for source, n in in_error),
    )
    statuses = Title.objects.order_by().values_list("server_status").annotate(n=Count("id"))
    out.family(
        "listsync_titles",
        "gauge",
        "Titles, by what the request server last said of them.",
        (({"status": status}, n) for status, n in statuses),
    )
    running = SyncRun.objects.filter(state=RunState.RUNNING).exists()
    out.family("listsync_sync_running", "gauge", "1 while a sync runs.", [({}, int(running))])
    worker = worker_status()
    out.family("listsync_worker_up", "gauge", "Job worker clusters alive.", [({}, worker.clusters)])
    out.family("listsync_jobs_queued", "gauge", "Jobs waiting for a worker.", [({}, worker.queued)])
    return out.text()


def bearer_matches(request: HttpRequest, expected: str) -> bool:
    given = request.headers.get("Authorization", "")
    return bool(expected) and hmac.compare_digest(given, f"Bearer {expected}")


@login_not_required  # it checks for itself, to let Prometheus in with a token
def metrics(request: HttpRequest) -> HttpResponse:
    """For Prometheus: with `Authorization: Bearer $LISTSYNC_METRICS_TOKEN`, or logged in."""
    allowed = request.user.is_authenticated or bearer_matches(
        request, settings.LISTSYNC_METRICS_TOKEN
    )
    if not allowed:
        if "Authorization" in request.headers:
            return HttpResponse("Wrong metrics token.\n", status=401, content_type="text/plain")
        return redirect_to_login(request.get_full_path())
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return HttpResponse(metrics_text(), content_type="text/plain; version=0.0.4; charset=utf-8")


@require_GET
def log_page(request: HttpRequest) -> HttpResponse:
    events = LogEvent.objects.all()
    level = request.GET.get("level", "")
    if level in LEVELS:
        events = events.filter(level=level)
    run = request.GET.get("run", "")
    if run.isdigit():
        events = events.filter(run_id=int(run))
    context = {
        "page_obj": Paginator(events, 50).get_page(request.GET.get("page")),
        "levels": [(name, name.capitalize()) for name in LEVELS],
        "level": level,
        "run": run,
    }
    return render(request, "logs.html", context)
