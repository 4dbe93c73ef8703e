from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from listsync import monitoring
from listsync.types import HtmxHttpRequest
from syncing import overview, schedule

NAVIGATION = [
    ("Dashboard", "dashboard"),
    ("Lists", "lists:index"),
    ("Titles", "lists:titles"),
    ("History", "syncing:runs"),
    ("Analytics", "syncing:analytics"),
    ("Logs", "logs"),
    ("Settings", "syncing:settings"),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    """The main menu, with the current section marked (context processor)."""
    items = []
    for label, name in NAVIGATION:
        url = reverse(name)
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}


def local_next(request: HttpRequest, fallback: str) -> str:
    """The page of this site named by `next` (in the form or the query), else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@login_not_required
@require_GET
def health(request: HtmxHttpRequest) -> JsonResponse:
    """Open to all (container health checks): whether the database answers and the job worker
    runs; 503 names what is wrong. `?check=database` leaves the worker out."""
    checks = {"database": "ok" if monitoring.database_answers() else "unreachable"}
    if request.GET.get("check") != "database":
        checks["worker"] = "ok" if schedule.worker_status().alive else "not running"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


@require_GET
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    since = since_param(request.GET.get("since"))
    if request.htmx and request.htmx.target == "activity":
        activity = overview.activity(since)
        response = render(request, "syncing/_activity.html", {"activity": activity})
        if not activity.polling:
            # The run being watched has ended: reload once, so every figure shows its result.
            response["HX-Refresh"] = "true"
        return response
    context = {**overview.dashboard(), "activity": overview.activity(since)}
    return render(request, "dashboard.html", context)


def since_param(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
