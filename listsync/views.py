from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

NAVIGATION = [
    ("Dashboard", "dashboard"),
    ("Lists", "lists:index"),
    ("Titles", "lists:titles"),
    ("History", "syncing:runs"),
    ("Analytics", "syncing:analytics"),
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


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Open to all (container health checks): says only whether the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard.html", {})
