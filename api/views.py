"""The JSON API. Each view checks its input (api.inputs), calls the same functions the web pages
call, and answers with the shapes of api.outputs; errors are {"error": "…"}."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

import providers
from api import inputs, outputs
from api.auth import ApiError, endpoint, error_response
from api.openapi import openapi_document
from lists import titles as title_queries
from lists.models import FollowedList
from lists.services import add_list, check_manual_items, preview_list
from lists.views import PREVIEW_ITEMS, source_label
from listsync.monitoring import database_answers
from providers import FetchError, ListInputError
from syncing.engine import request_cancel
from syncing.forms import KeepsSecrets, ServerConnectionForm, SyncSettingsForm
from syncing.jobs import enqueue_sync
from syncing.models import ServerConnection, SyncRun, SyncSettings
from syncing.overview import activity
from syncing.schedule import next_sync_at, worker_status

M = TypeVar("M", bound=Model)


def find(rows: QuerySet[M], pk: int, what: str) -> M:
    found = rows.filter(pk=pk).first()
    if found is None:
        raise ApiError(404, f"There is no {what} #{pk}.")
    return found


@endpoint("GET", public=True)
def health(request: HttpRequest) -> JsonResponse:
    """Whether the API can answer (its database answers), and whether the worker that runs
    queued syncs is up. Unlike /health/ (for container checks), a stopped worker is not an
    error here: every call but a sync's still works."""
    if not database_answers():
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    worker = "ok" if worker_status().alive else "not running"
    return JsonResponse({"status": "ok", "database": "ok", "worker": worker})


@endpoint("GET", public=True)
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_document(), json_dumps_params={"ensure_ascii": False})


# --- lists -----------------------------------------------------------------------------------


@endpoint("GET", "POST")
def lists(request: HttpRequest) -> JsonResponse:
    inputs.clean_query(request.GET)
    if request.method == "GET":
        rows = [outputs.list_json(followed) for followed in FollowedList.objects.all()]
        return JsonResponse({"count": len(rows), "results": rows})
    data = inputs.clean_body(inputs.read_json(request), inputs.NEW_LIST, required=["url"])
    followed, warnings = follow(data)
    return JsonResponse({"list": outputs.list_json(followed), "warnings": warnings}, status=201)


def follow(data: dict[str, Any]) -> tuple[FollowedList, list[str]]:
    """Follow the list `data` names (lists.services.add_list, as the add page does)."""
    text = data.pop("url")
    try:
        ref = providers.parse_list(text)
    except ListInputError as exc:
        raise ApiError(400, str(exc)) from None
    if ref.source != "manual" and "manual_items" in data:
        raise ApiError(400, "manual_items is for manual lists only (url: manual).")
    if ref.source == "manual" and not data.get("name"):
        data["name"] = "Manual list"
    try:
        return add_list(text, **data)
    except ListInputError as exc:
        followed_already = FollowedList.objects.filter(source=ref.source, key=ref.key)
        status = 409 if ref.source != "manual" and followed_already.exists() else 400
        raise ApiError(status, str(exc)) from None


@endpoint("GET", "PATCH", "DELETE")
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inputs.clean_query(request.GET)
    followed = find(FollowedList.objects.all(), pk, "followed list")
    if request.method == "DELETE":
        followed.delete()
        return HttpResponse(status=204)
    if request.method == "GET":
        return JsonResponse(outputs.list_json(followed))
    fields = [*inputs.LIST_OPTIONS, *([inputs.MANUAL_ITEMS] if followed.source == "manual" else [])]
    changes = inputs.clean_body(inputs.read_json(request), fields)
    warnings = []
    if "manual_items" in changes:
        try:
            warnings = check_manual_items(changes["manual_items"])
        except ListInputError as exc:
            raise ApiError(400, str(exc)) from None
    for name, value in changes.items():
        setattr(followed, name, value)
    followed.save(update_fields=list(changes))
    return JsonResponse({"list": outputs.list_json(followed), "warnings": warnings})


@endpoint("POST")
def validate_list(request: HttpRequest) -> JsonResponse:
    """Whether the text names a list ListSync can follow: its source and id, or why not."""
    inputs.clean_query(request.GET)
    text = inputs.clean_body(inputs.read_json(request), [inputs.LIST_TEXT], required=["url"])["url"]
    try:
        ref = providers.parse_list(text)
    except ListInputError as exc:
        return JsonResponse({"valid": False, "message": str(exc)})
    followed = FollowedList.objects.filter(source=ref.source, key=ref.key).exclude(source="manual")
    return JsonResponse(
        {
            "valid": True,
            "source": ref.source,
            "source_label": source_label(ref.source),
            "key": ref.key,
            "url": ref.url,
            "followed_list_id": followed.values_list("pk", flat=True).first(),
        }
    )


@endpoint("POST")
def preview(request: HttpRequest) -> JsonResponse:
    """Read a list without following it, as the add page's preview does."""
    inputs.clean_query(request.GET)
    text = inputs.clean_body(inputs.read_json(request), [inputs.LIST_TEXT], required=["url"])["url"]
    try:
        ref = providers.parse_list(text)
        result = preview_list(text, SyncSettings.get().source_keys())
    except ListInputError as exc:
        raise ApiError(400, str(exc)) from None
    except FetchError as exc:
        raise ApiError(422, str(exc)) from None
    return JsonResponse(
        {
            "source": ref.source,
            "source_label": source_label(ref.source),
            "url": ref.url,
            "name": result.name,
            "route": result.route,
            "complete": result.complete,
            "count": len(result.items),
            "warnings": result.warnings,
            "items": [outputs.item_json(item) for item in result.items[:PREVIEW_ITEMS]],
        }
    )


# --- syncing ---------------------------------------------------------------------------------


@endpoint("GET", "POST")
def sync(request: HttpRequest) -> JsonResponse:
    inputs.clean_query(request.GET)
    if request.method == "POST":
        body = inputs.read_json(request, optional=True)
        list_id = inputs.clean_body(body, [inputs.SYNC_LIST]).get("list_id")
        if list_id is not None:
            find(FollowedList.objects.all(), list_id, "followed list")
        task_id = enqueue_sync(list_id)
        return JsonResponse({"queued": True, "task_id": task_id, "list_id": list_id}, status=202)
    now = activity()
    latest = outputs.run_json(now.latest) if now.latest else None
    running = latest if latest and latest["state"] == "running" else None
    return JsonResponse(
        {
            "running": running,
            "latest": latest,
            "waiting": now.waiting,
            "worker": outputs.worker_json(now.worker),
            "next_sync_at": outputs.when(next_sync_at()),
        }
    )


@endpoint("GET")
def runs(request: HttpRequest) -> JsonResponse:
    query = inputs.clean_query(request.GET, inputs.RUN_QUERY)
    history = SyncRun.objects.select_related("followed_list").order_by("-started_at", "-id")
    if "state" in query:
        history = history.filter(state=query["state"])
    found = outputs.page(history, query["page"], query["page_size"], outputs.runs_json)
    return JsonResponse(found)


@endpoint("GET")
def run_detail(request: HttpRequest, pk: int) -> JsonResponse:
    query = inputs.clean_query(request.GET, inputs.OUTCOME_QUERY)
    run = find(SyncRun.objects.select_related("followed_list"), pk, "sync")
    outcomes = run.outcomes.select_related("list_item").order_by("id")
    if "kind" in query:
        outcomes = outcomes.filter(kind=query["kind"])
    found = outputs.page(outcomes, query["page"], query["page_size"], outputs.outcomes_json)
    return JsonResponse({"run": outputs.run_json(run), "outcomes": found})


@endpoint("POST")
def cancel_run(request: HttpRequest, pk: int) -> JsonResponse:
    inputs.clean_query(request.GET)
    run = find(SyncRun.objects.all(), pk, "sync")
    if not request_cancel(run.pk):
        raise ApiError(409, f"Sync #{run.pk} is not running any more.")
    return JsonResponse({"id": run.pk, "cancel_requested": True}, status=202)


# --- titles, analytics, settings -------------------------------------------------------------


FILTER_NAMES = {field.name for field in inputs.TITLE_FILTERS}


@endpoint("GET")
def titles(request: HttpRequest) -> JsonResponse:
    """The titles page's rows: the same filters and sorts, a page at a time."""
    query = inputs.clean_query(request.GET, inputs.TITLE_QUERY)
    filters = {name: value for name, value in query.items() if value and name in FILTER_NAMES}
    found = title_queries.matching_titles(filters, query["sort"])
    names, server_url = title_queries.list_names(), title_queries.server_url()

    def rows(selected: list[Any]) -> list[dict[str, Any]]:
        return [
            outputs.title_json(row) for row in title_queries.title_rows(selected, names, server_url)
        ]

    return JsonResponse(outputs.page(found, query["page"], query["page_size"], rows))


@endpoint("GET")
def analytics(request: HttpRequest) -> JsonResponse:
    query = inputs.clean_query(request.GET, inputs.ANALYTICS_QUERY)
    return JsonResponse(outputs.analytics_json(query["days"]))


@endpoint("GET", "PATCH")
def settings(request: HttpRequest) -> JsonResponse:
    inputs.clean_query(request.GET)
    if request.method == "PATCH":
        change_settings(inputs.read_json(request))
    answer = outputs.settings_json(ServerConnection.get(), SyncSettings.get(), next_sync_at())
    return JsonResponse(answer)


def change_settings(body: dict[str, Any]) -> None:
    """Save the sections given, through the settings page's forms (their URL and interval
    rules, secrets kept unless given), both or neither."""
    sections = {
        "server": (ServerConnectionForm, ServerConnection.get(), inputs.SERVER_SETTINGS),
        "sync": (SyncSettingsForm, SyncSettings.get(), inputs.SYNC_SETTINGS),
    }
    unknown = sorted(set(body) - set(sections))
    if unknown:
        raise ApiError(400, f"Unknown section {', '.join(unknown)[:200]}; known: server, sync.")
    forms = []
    for name, section in body.items():
        form_class, instance, fields = sections[name]
        if not isinstance(section, dict):
            raise ApiError(400, f"{name} must be an object of settings.")
        changes = inputs.clean_body(section, fields)
        if not changes:
            continue  # saving would forget what the server said, for nothing
        form = form_class(form_data(form_class, instance, changes), instance=instance)
        if not form.is_valid():
            problems = "; ".join(
                f"{field}: {' '.join(map(str, errors))}" for field, errors in form.errors.items()
            )
            raise ApiError(400, f"{name}: {problems}")
        forms.append(form)
    with transaction.atomic():
        for form in forms:
            form.save()


def form_data(
    form_class: type[KeepsSecrets], instance: Model, changes: dict[str, Any]
) -> dict[str, Any]:
    """The form's data for these changes: the stored values, changed. A secret is sent only when
    changed; an empty one ticks the form's "forget" box."""
    data: dict[str, Any] = {}
    for name in form_class._meta.fields or ():
        if name in form_class.secret_fields:
            if changes.get(name) == "":
                data[f"forget_{name}"] = "on"
            elif name in changes:
                data[name] = changes[name]
            continue
        value = changes[name] if name in changes else getattr(instance, name)
        if isinstance(value, bool):
            data[name] = "on" if value else ""
        else:
            data[name] = "" if value is None else value
    return data


@csrf_exempt
@login_not_required
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under /api/: a JSON 404, with a hint when only the slash is missing."""
    if not request.path.endswith("/") and answered_by_api(f"{request.path}/"):
        return error_response(404, f"No such API path; API paths end with a slash: {request.path}/")
    return error_response(404, f"No such API path: {request.path[:200]}. See /api/docs/.")


def answered_by_api(path: str) -> bool:
    try:
        return resolve(path).func is not not_found
    except Resolver404:
        return False
