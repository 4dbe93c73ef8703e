"""What the pages show of the request server: a live check, and its users for the "request as"
choices. Both are cached for a short while, so pages do not wait on the server each time."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from listsync import http
from syncing.models import ServerConnection
from syncing.seerr import SeerrClient, ServerProblem

log = logging.getLogger(__name__)

CHECK_CACHE_KEY = "listsync:server-check"
USERS_CACHE_KEY = "listsync:server-users"
CACHE_SECONDS = 120
# A page waiting on the server: a short timeout and no retries (the sync itself is patient).
PAGE_TIMEOUT = 8.0


@dataclass(frozen=True)
class ServerCheck:
    ok: bool
    fork: str = ""
    version: str = ""
    username: str = ""
    problem: str = ""


def check_server(url: str, api_key: str, user_id: int | None = None) -> ServerCheck:
    """Ask the server at `url` who it is and whether `api_key` may request; never raises."""
    if not url:
        return ServerCheck(ok=False, problem="No request server is set: enter its URL.")
    if not api_key:
        return ServerCheck(ok=False, problem="No API key is set: copy it from the server.")
    try:
        with SeerrClient(url, api_key, concurrency=1, timeout=PAGE_TIMEOUT, retries=0) as client:
            info = client.check(user_id)
    except ServerProblem as exc:
        return ServerCheck(ok=False, problem=str(exc))
    except http.HttpError as exc:
        return ServerCheck(ok=False, problem=f"The request server did not answer well: {exc}")
    return ServerCheck(ok=True, fork=info.fork, version=info.version, username=info.username)


def check_stored_server(*, fresh: bool = False) -> ServerCheck:
    """The stored connection's check, from the cache unless `fresh`; a good answer is also
    written back to the connection (fork, version, when)."""
    if not fresh:
        cached = cache.get(CHECK_CACHE_KEY)
        if isinstance(cached, ServerCheck):
            return cached
    connection = ServerConnection.get()
    result = check_server(connection.url, connection.api_key, connection.default_user_id)
    if result.ok:
        ServerConnection.objects.filter(pk=connection.pk).update(
            fork=result.fork, version=result.version, checked_at=timezone.now()
        )
    cache.set(CHECK_CACHE_KEY, result, CACHE_SECONDS)
    return result


def forget_server_answers() -> None:
    """After the connection changes, nothing cached about the old one may be shown."""
    cache.delete_many([CHECK_CACHE_KEY, USERS_CACHE_KEY])


def server_users() -> list[tuple[int, str]]:
    """(id, name) of the server's users; empty when the server cannot be asked."""
    cached = cache.get(USERS_CACHE_KEY)
    if isinstance(cached, list):
        return cached
    connection = ServerConnection.get()
    if not (connection.url and connection.api_key):
        return []
    try:
        with SeerrClient(
            connection.url, connection.api_key, concurrency=1, timeout=PAGE_TIMEOUT, retries=0
        ) as client:
            users = [(int(u["id"]), user_label(u)) for u in client.users() if "id" in u]
    except (ServerProblem, http.HttpError, ValueError, KeyError, AttributeError) as exc:
        log.warning("could not read the server's users: %s", exc)
        users = []  # remembered too, so pages do not each wait on a server that is down
    cache.set(USERS_CACHE_KEY, users, CACHE_SECONDS)
    return users


def user_label(user: dict[str, Any]) -> str:
    name = user.get("displayName") or user.get("username") or user.get("email") or "?"
    return f"{name} (#{user['id']})"


def user_choices(
    empty_label: str, stored: int | None, users: list[tuple[int, str]]
) -> list[tuple[str, str]]:
    """Choices for a "request as" field: the empty choice, the server's `users`, and the stored
    user even when the server does not list it (or cannot be asked), so saving keeps it."""
    choices = [("", empty_label)] + [(str(pk), label) for pk, label in users]
    if stored and str(stored) not in {value for value, _ in choices}:
        choices.append((str(stored), f"User #{stored}"))
    return choices
