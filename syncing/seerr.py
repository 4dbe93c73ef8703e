"""Client for the request servers' shared API (Overseerr, Jellyseerr, Seerr), /api/v1.

Spec: tests/data/spec/overseerr-api.yml and seerr-api.yml. Every call goes through
listsync.http (timeout, retries, backoff); a semaphore bounds the calls in flight because each
one makes the server call TMDB, which throttles it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import quote

from django.conf import settings

from listsync import http

PERMISSION_ADMIN = 2
PERMISSION_REQUEST = 32
PERMISSION_REQUEST_4K = 1024

REQUEST_DECLINED = 3
ACTIVE_REQUEST_STATUSES = frozenset({1, 2, 5})  # pending, approved, completed


class MediaState(Enum):
    """`mediaInfo.status`, in the same words for every fork."""

    UNKNOWN = "unknown"  # known title, nothing requested: must be requested, not skipped
    PENDING = "pending"
    PROCESSING = "processing"
    PARTIALLY_AVAILABLE = "partially_available"
    AVAILABLE = "available"
    DELETED = "deleted"
    BLOCKLISTED = "blocklisted"


COMMON_STATES = {
    1: MediaState.UNKNOWN,
    2: MediaState.PENDING,
    3: MediaState.PROCESSING,
    4: MediaState.PARTIALLY_AVAILABLE,
    5: MediaState.AVAILABLE,
}
# Past 5 the forks disagree: Overseerr has 6 = DELETED; Jellyseerr and Seerr put BLOCKLISTED at 6
# and moved DELETED to 7 (Seerr's spec still says 6 = DELETED; its code says otherwise).
FORK_STATES = {
    "overseerr": {6: MediaState.DELETED},
    "jellyseerr": {6: MediaState.BLOCKLISTED, 7: MediaState.DELETED},
    "seerr": {6: MediaState.BLOCKLISTED, 7: MediaState.DELETED},
}


def media_state(number: Any, fork: str) -> MediaState | None:
    if not isinstance(number, int):
        return None
    return COMMON_STATES.get(number) or FORK_STATES.get(fork, {}).get(number)


def fork_of(version: str) -> str:
    major = version.lstrip("v").split(".", 1)[0]
    return {"1": "overseerr", "2": "jellyseerr", "3": "seerr"}.get(major, "overseerr")


class ServerProblem(Exception):
    """The server cannot be used at all (unreachable, wrong key, no permission).
    The message names the problem and what to do."""


@dataclass(frozen=True)
class ServerInfo:
    fork: str
    version: str
    user_id: int
    username: str


@dataclass
class Media:
    """A movie or show as the server describes it, from a search result or the details call."""

    media_type: str
    tmdb_id: int
    title: str
    year: int | None
    imdb_id: str = ""
    tvdb_id: int | None = None
    info: dict[str, Any] | None = None  # mediaInfo; None when the server never saw the title
    seasons: list[int] | None = None  # season numbers > 0; only known from details
    from_details: bool = False

    def state(self, fork: str, is_4k: bool) -> MediaState | None:
        if self.info is None:
            return None
        return media_state(self.info.get("status4k" if is_4k else "status"), fork)

    def requests(self, is_4k: bool) -> list[dict[str, Any]]:
        if self.info is None:
            return []
        found = self.info.get("requests") or []
        return [r for r in found if isinstance(r, dict) and bool(r.get("is4k")) == is_4k]


class RequestAnswer(Enum):
    CREATED = "created"  # 201
    NOTHING_NEW = "nothing_new"  # 202: nothing left to request (NOT a new request)
    EXISTS = "exists"  # 409
    BLOCKLISTED = "blocklisted"  # 403 naming the blocklist
    REFUSED = "refused"  # other 403: permission or quota


@dataclass
class RequestResult:
    answer: RequestAnswer
    message: str = ""
    body: dict[str, Any] = field(default_factory=dict)


def year_of(date: Any) -> int | None:
    if isinstance(date, str) and len(date) >= 4 and date[:4].isdigit():
        return int(date[:4])
    return None


def media_from_result(result: dict[str, Any], details_of: str | None = None) -> Media | None:
    """A Media from a search result, or from a details body of `details_of` (movie or tv);
    None for people and malformed entries."""
    media_type = details_of or result.get("mediaType")
    from_details = details_of is not None
    tmdb_id = result.get("id")
    if media_type not in ("movie", "tv") or not isinstance(tmdb_id, int):
        return None
    external = result.get("externalIds") or {}
    info = result.get("mediaInfo") if isinstance(result.get("mediaInfo"), dict) else None
    seasons = None
    if from_details and media_type == "tv":
        seasons = sorted(
            s["seasonNumber"]
            for s in result.get("seasons") or []
            if isinstance(s.get("seasonNumber"), int) and s["seasonNumber"] > 0
        )
    tvdb_id = external.get("tvdbId") or (info or {}).get("tvdbId")
    return Media(
        media_type=media_type,
        tmdb_id=tmdb_id,
        title=result.get("title") or result.get("name") or "",
        year=year_of(result.get("releaseDate") or result.get("firstAirDate")),
        imdb_id=external.get("imdbId") or result.get("imdbId") or "",
        tvdb_id=tvdb_id if isinstance(tvdb_id, int) else None,
        info=info,
        seasons=seasons,
        from_details=from_details,
    )


def is_unable_to_retrieve(response: Any) -> bool:
    return response.status_code == 500 and "Unable to retrieve" in message_of(response)


def message_of(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        # Most answers say `message`; the servers' auth check says `error`.
        for key in ("message", "error"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return str(body)[:200]


class SeerrClient:
    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        fork: str = "overseerr",
        concurrency: int | None = None,
        timeout: float | None = None,
        retries: int | None = None,
    ) -> None:
        """`timeout` and `retries` default to the LISTSYNC_HTTP_* settings (a page that
        waits on the server uses less of both)."""
        self.base = url.rstrip("/") + "/api/v1"
        self.fork = fork
        limit = concurrency or settings.LISTSYNC_CONCURRENCY
        self.slots = threading.BoundedSemaphore(limit)
        self.session = http.new_session(pool_size=limit + 2)
        self.session.headers.update({"X-Api-Key": api_key, "Accept": "application/json"})
        self.calls = 0
        self.timeout, self.retries = timeout, retries

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> SeerrClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, *, user_id: int | None = None, **kwargs: Any) -> Any:
        headers = {"X-API-User": str(user_id)} if user_id else None
        with self.slots:
            self.calls += 1
            return http.call(
                self.session,
                method,
                self.base + path,
                headers=headers,
                timeout=self.timeout,
                retries=self.retries,
                **kwargs,
            )

    def _json(self, response: Any, what: str) -> Any:
        return http.json_of(response, f"The request server ({what})")

    # --- the server itself -------------------------------------------------------------

    def check(self, user_id: int | None = None) -> ServerInfo:
        """Which fork and version, and whether the key works and may request.

        Raises ServerProblem naming exactly what is wrong."""
        try:
            response = self._call("GET", "/status")
        except http.HttpError as exc:
            raise ServerProblem(f"The request server is unreachable: {exc}") from exc
        try:
            status = response.json()
        except ValueError:
            status = None
        if response.status_code != 200 or not isinstance(status, dict) or "version" not in status:
            raise ServerProblem(
                f"{self.base}/status answered HTTP {response.status_code} without a version: "
                "this is not an Overseerr, Jellyseerr or Seerr server. Use the address you "
                "open it at in a browser, e.g. http://host:5055."
            )
        version = str(status["version"])
        self.fork = fork_of(version)
        me = self._call("GET", "/auth/me", user_id=user_id)
        if me.status_code in (401, 403):
            raise ServerProblem(
                "The request server refused the API key (HTTP "
                f"{me.status_code}): copy it again from Settings > General on the server."
            )
        user = self._json(me, "auth/me")
        if user_id and user.get("id") != user_id:
            raise ServerProblem(
                f"The server has no user {user_id}: pick one of its users to request as."
            )
        permissions = user.get("permissions") or 0
        if not permissions & (PERMISSION_ADMIN | PERMISSION_REQUEST):
            name = user.get("displayName") or user.get("username") or user.get("email") or "?"
            raise ServerProblem(
                f"The server user {user.get('id')} ({name}) may not make requests: give it the "
                "Request permission on the server, or request as another user."
            )
        return ServerInfo(
            fork=self.fork,
            version=version,
            user_id=int(user.get("id") or 0),
            username=str(user.get("displayName") or user.get("username") or ""),
        )

    def users(self) -> list[dict[str, Any]]:
        """Every user, for 'request as user' (GET /user, paged)."""
        found: list[dict[str, Any]] = []
        while True:
            response = self._call("GET", "/user", params={"take": 100, "skip": len(found)})
            page = self._json(response, "user list").get("results") or []
            found.extend(page)
            if len(page) < 100:
                return found

    # --- finding titles ----------------------------------------------------------------

    def search(self, query: str) -> list[Media]:
        """Page one of a search. The query is percent-encoded strictly (space as %20, ':' as
        %3A): the servers answer 400 to '+' or a raw reserved character."""
        response = self._call("GET", "/search?query=" + quote(query, safe="") + "&page=1")
        if response.status_code != 200:
            raise http.HttpError(
                f"search for {query!r} failed: HTTP {response.status_code} {message_of(response)}",
                status=response.status_code,
            )
        results = self._json(response, "search").get("results")
        if not isinstance(results, list):
            raise http.HttpError("the search answer has no results list: is this a request server?")
        return [m for m in (media_from_result(r) for r in results if isinstance(r, dict)) if m]

    def details(self, media_type: str, tmdb_id: int) -> Media | None:
        """Full details with mediaInfo (status, requests, seasons); None if TMDB has no such id.

        The servers turn every TMDB failure into 500 "Unable to retrieve movie." (or
        "series."), an unknown id included: that answer is final, not worth retrying."""
        response = self._call("GET", f"/{media_type}/{tmdb_id}", final=is_unable_to_retrieve)
        if response.status_code == 404 or is_unable_to_retrieve(response):
            return None
        if response.status_code != 200:
            raise http.HttpError(
                f"details of {media_type} {tmdb_id} failed: HTTP {response.status_code} "
                f"{message_of(response)}",
                status=response.status_code,
            )
        body = self._json(response, f"{media_type} details")
        media = media_from_result(body, media_type) if isinstance(body, dict) else None
        if media is None:
            raise http.HttpError(f"the details of {media_type} {tmdb_id} have no id")
        return media

    # --- requesting --------------------------------------------------------------------

    def request(
        self,
        media: Media,
        *,
        seasons: list[int] | str | None = None,
        is_4k: bool = False,
        user_id: int | None = None,
    ) -> RequestResult:
        # is4k always: without it the servers' duplicate check may not match (see sandbox).
        body: dict[str, Any] = {
            "mediaType": media.media_type,
            "mediaId": media.tmdb_id,
            "is4k": is_4k,
        }
        if media.media_type == "tv":
            body["seasons"] = seasons if seasons is not None else "all"
            if media.tvdb_id:
                body["tvdbId"] = media.tvdb_id
        response = self._call("POST", "/request", json=body, user_id=user_id)
        status = response.status_code
        if status == 201:
            return RequestResult(RequestAnswer.CREATED, body=self._json(response, "request"))
        message = message_of(response)
        if status == 202:
            return RequestResult(RequestAnswer.NOTHING_NEW, message)
        if status == 409:
            return RequestResult(RequestAnswer.EXISTS, message)
        if status == 403:
            lowered = message.lower()
            if "blocklist" in lowered or "blacklist" in lowered:
                return RequestResult(RequestAnswer.BLOCKLISTED, message)
            return RequestResult(RequestAnswer.REFUSED, message)
        raise http.HttpError(
            f"the request was not accepted: HTTP {status} {message}", status=status
        )
