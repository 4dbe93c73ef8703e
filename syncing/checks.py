"""Configuration mistakes reported by `manage.py check` (and at every start) with a hint."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

from syncing.models import is_http_url

# Where each list source is fetched from.
SOURCE_URL_SETTINGS = (
    "LISTSYNC_STEVENLU_URL",
    "LISTSYNC_IMDB_BASE_URL",
    "LISTSYNC_IMDB_GRAPHQL_URL",
    "LISTSYNC_TRAKT_BASE_URL",
    "LISTSYNC_TRAKT_API_URL",
    "LISTSYNC_LETTERBOXD_BASE_URL",
    "LISTSYNC_MDBLIST_BASE_URL",
    "LISTSYNC_MDBLIST_API_URL",
)


@register()
def check_listsync_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    server_url = settings.LISTSYNC_SERVER_URL
    if server_url and not is_http_url(server_url):
        problems.append(
            Error(
                f"LISTSYNC_SERVER_URL is not an http(s) URL: {server_url!r}",
                hint="Use the address you open the request server at, e.g. http://host:5055",
                id="listsync.E001",
            )
        )
    if server_url and urlsplit(server_url).path.rstrip("/").endswith("/api/v1"):
        problems.append(
            Warning(
                "LISTSYNC_SERVER_URL ends in /api/v1; ListSync adds that itself.",
                hint="Drop /api/v1 from the URL.",
                id="listsync.W001",
            )
        )
    if settings.LISTSYNC_SERVER_URL and not settings.LISTSYNC_SERVER_API_KEY:
        problems.append(
            Warning(
                "LISTSYNC_SERVER_URL is set but LISTSYNC_SERVER_API_KEY is not.",
                hint="Copy the API key from the request server's Settings > General page.",
                id="listsync.W002",
            )
        )
    if settings.LISTSYNC_CONCURRENCY > 16:
        problems.append(
            Warning(
                f"LISTSYNC_CONCURRENCY={settings.LISTSYNC_CONCURRENCY} calls in flight.",
                hint="The request server calls TMDB for each call and TMDB throttles it; "
                "4 to 8 is plenty.",
                id="listsync.W003",
            )
        )
    if settings.LISTSYNC_REFRESH_HOURS < 0:
        problems.append(
            Error(
                "LISTSYNC_REFRESH_HOURS is negative.",
                hint="Use 0 to ask the server about every title on every sync, or a number "
                "of hours (default 24).",
                id="listsync.E002",
            )
        )
    for name in (*SOURCE_URL_SETTINGS, "LISTSYNC_DISCORD_BASE_URL"):
        value = getattr(settings, name)
        if not is_http_url(value):
            problems.append(
                Error(
                    f"{name} is not an http(s) URL: {value!r}",
                    hint="Unset it to use the real site, or point it at a mirror.",
                    id="listsync.E003",
                )
            )
    shared = settings.DATABASE_URL or settings.REDIS_URL
    if shared and not (os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE")):
        problems.append(
            Warning(
                "DATABASE_URL or REDIS_URL is set but SECRET_KEY is not: each machine makes "
                "its own key, so logins and queued jobs do not carry from one to another.",
                hint="Give every machine the same SECRET_KEY (or SECRET_KEY_FILE).",
                id="listsync.W004",
            )
        )
    return problems
