"""Pages for syncing: "sync now", the history of runs, one run, and the settings."""

from __future__ import annotations

import time

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lists.models import FollowedList
from listsync.types import HtmxHttpRequest
from listsync.views import local_next
from syncing.engine import request_cancel
from syncing.forms import ServerSettingsForm, SyncSettingsForm
from syncing.jobs import enqueue_sync
from syncing.models import (
    OutcomeKind,
    RunState,
    ServerConnection,
    SyncRun,
    SyncSettings,
)
from syncing.overview import activity
from syncing.schedule import next_sync_at, worker_status
from syncing.server import check_server, check_stored_server


def back_to(request: HttpRequest, fallback: str) -> HttpResponse:
    """Redirect to the local page named by `next`, else to the URL named `fallback`."""
    return redirect(local_next(request, reverse(fallback)))


@require_POST
def sync_now(request: HtmxHttpRequest) -> HttpResponse:
    list_id = request.POST.get("list_id") or None
    followed = get_object_or_404(FollowedList, pk=list_id) if list_id else None
    asked_at = time.time()
    enqueue_sync(followed.pk if followed else None)
    what = f"“{followed}”" if followed else "every list"
    if request.htmx:
        return render(request, "syncing/_activity.html", {"activity": activity(asked_at)})
    messages.success(
        request, f"A sync of {what} is queued; it starts as soon as the worker is free."
    )
    return back_to(request, "dashboard")


@require_GET
def runs(request: HtmxHttpRequest) -> HttpResponse:
    history = SyncRun.objects.select_related("followed_list")
    state = request.GET.get("state", "")
    if state in RunState.values:
        history = history.filter(state=state)
    page = Paginator(history, 25).get_page(request.GET.get("page"))
    context = {"page_obj": page, "states": RunState.choices, "state": state}
    return render(request, "syncing/runs.html", context)


@require_GET
def run(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    sync_run = get_object_or_404(SyncRun.objects.select_related("followed_list"), pk=pk)
    if request.htmx and request.htmx.target == "run-progress":
        return render(request, "syncing/_progress.html", {"run": sync_run})
    outcomes = sync_run.outcomes.select_related("title", "list_item__followed_list")
    kind = request.GET.get("kind", "")
    if kind in OutcomeKind.values:
        outcomes = outcomes.filter(kind=kind)
    context = {
        "run": sync_run,
        "page_obj": Paginator(outcomes, 100).get_page(request.GET.get("page")),
        "kinds": OutcomeKind.choices,
        "kind": kind,
        "server_url": ServerConnection.get().url.rstrip("/"),
    }
    return render(request, "syncing/run.html", context)


@require_POST
def cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    sync_run = get_object_or_404(SyncRun, pk=pk)
    if request_cancel(sync_run.pk):
        messages.info(request, f"Sync #{sync_run.pk} stops after the calls in flight.")
    else:
        messages.warning(request, f"Sync #{sync_run.pk} is not running any more.")
    if request.htmx:
        sync_run.refresh_from_db()
        return render(request, "syncing/_progress.html", {"run": sync_run})
    return back_to(request, "syncing:runs")


@require_http_methods(["GET", "POST"])
def settings_page(request: HtmxHttpRequest) -> HttpResponse:
    server = ServerConnection.get()
    stored = SyncSettings.get()
    server_form = ServerSettingsForm(request.POST or None, instance=server, prefix="server")
    sync_form = SyncSettingsForm(request.POST or None, instance=stored, prefix="sync")
    if request.method == "POST" and server_form.is_valid() and sync_form.is_valid():
        server_form.save()
        sync_form.save()
        messages.success(request, "Settings saved. They count from now on.")
        return redirect("syncing:settings")
    context = {
        "server_form": server_form,
        "sync_form": sync_form,
        "next_sync": next_sync_at(),
        "worker": worker_status(),
    }
    return render(request, "syncing/settings.html", context)


@require_POST
def test_connection(request: HtmxHttpRequest) -> HttpResponse:
    """Check the URL and key typed in the form (the stored key when the field is empty)."""
    stored = ServerConnection.get()
    url = request.POST.get("server-url", "").strip() or stored.url
    api_key = request.POST.get("server-api_key", "").strip() or stored.api_key
    result = check_server(url, api_key)
    if request.htmx:
        return render(request, "syncing/_connection_result.html", {"result": result})
    if result.ok:
        messages.success(request, f"Connected: {result.fork} {result.version}.")
    else:
        messages.error(request, result.problem)
    return redirect("syncing:settings")


@require_GET
def server_status(request: HtmxHttpRequest) -> HttpResponse:
    """The dashboard's request-server box, loaded after the page so it never waits on it."""
    fresh = request.GET.get("fresh") == "1"
    context = {"result": check_stored_server(fresh=fresh), "server": ServerConnection.get()}
    return render(request, "syncing/_server_status.html", context)
