"""MDBList lists: https://mdblist.com/lists/<user>/<slug>.

Two routes. With LISTSYNC_MDBLIST_API_KEY set, the API (https://mdblist.docs.apiary.io/):
`/lists/<user>/<slug>/items?apikey=…&limit=1000&offset=…`, paged while the answer carries
`X-Has-More: true`. Without a key, the public JSON at `mdblist.com/lists/<user>/<slug>/json`.
Both answer with the TMDB id as `id`. mdblist.com answers rapid or parallel calls with 404, so
calls to each of its hosts are serial and `PAUSE` seconds apart.

An empty list: MDBList lists can be empty (and a new list stays empty for up to a day while it is
filled), but an empty answer looks the same as a list the site failed to fill. So an empty
answer is accepted as "no items" but marked incomplete: the items seen before are kept and the
list shows a warning, instead of every item being marked removed. A changed format (an object
instead of an array, entries without ids) is a PageChanged error, never an empty list.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

from listsync import http
from providers.base import (
    FetchError,
    FetchResult,
    Item,
    ListInputError,
    ListRef,
    ListUnavailable,
    MediaType,
    PageChanged,
    RateLimited,
)
from providers.context import FetchContext

CANONICAL = "https://mdblist.com/lists/"
HOSTS = frozenset({"mdblist.com", "www.mdblist.com"})
PAUSE = 1.0  # seconds between two calls to one MDBList host (tests set it small)
API_LIMIT = 1000  # items per API page
MAX_PAGES = 200  # a guard against an API that never stops saying X-Has-More
NAME_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}", re.ASCII)
IMDB_ID = re.compile(r"tt\d{5,10}")
MEDIA_TYPES: dict[str, MediaType] = {"movie": "movie", "show": "tv"}
EMPTY_WARNING = (
    "MDBList answered that the list is empty (a new list can take a day to fill): the items "
    "seen before are kept until it shows items again"
)


class Mdblist:
    source = "mdblist"
    label = "MDBList"
    accepted_forms = (
        "https://mdblist.com/lists/<user>/<list> (also with /json at the end); "
        "with an MDBList API key in Settings, lists are read through MDBList's API"
    )

    def parse(self, text: str) -> ListRef | None:
        text = text.strip()
        first = text.lower().split("/", 1)[0]
        if "://" not in text and (first in HOSTS or first.endswith(".mdblist.com")):
            text = "https://" + text  # "mdblist.com/lists/..." pasted without the scheme
        try:
            parts = urlsplit(text)
            host = (parts.hostname or "").lower()
        except ValueError:
            return None
        if host not in HOSTS:
            if host.endswith(".mdblist.com"):
                raise ListInputError(
                    f"{host} is not a list page: paste the list's address on mdblist.com, "
                    f"{self.accepted_forms}."
                )
            return None
        if parts.scheme.lower() not in ("http", "https"):
            raise ListInputError(f"{text[:200]!r} is not a web address. Use {self.accepted_forms}.")
        segments = [s for s in parts.path.split("/") if s]
        if segments[3:] == ["json"]:
            segments = segments[:3]
        match segments:
            case ["lists", user, slug] if NAME_PART.fullmatch(user) and NAME_PART.fullmatch(slug):
                key = f"{user}/{slug}"
                return ListRef(source=self.source, key=key, url=CANONICAL + key)
            case ["lists", _]:
                problem = "That is a person's page of lists: open one list and paste its address."
            case _:
                problem = "It is not an MDBList list."
        raise ListInputError(f"{text[:200]!r}: {problem} Use {self.accepted_forms}.")

    def fetch(self, ref: ListRef, context: FetchContext) -> FetchResult:
        user, _, slug = ref.key.partition("/")
        if not (NAME_PART.fullmatch(user) and NAME_PART.fullmatch(slug)):
            raise FetchError(f"{ref.key!r} is not an MDBList list: follow the list again.")
        api_key = context.key("mdblist_api_key")
        path = f"/lists/{quote(user)}/{quote(slug)}"
        if api_key:
            entries, route = self.read_api(context, ref, path, api_key), "api"
        else:
            entries, route = self.read_json(context, ref, path), "json"
        name = slug.replace("-", " ").strip().capitalize() or slug
        if not entries:
            return FetchResult(name, [], route, complete=False, warnings=[EMPTY_WARNING])
        items, warnings = read_entries(entries)
        return FetchResult(name=name, items=items, route=route, warnings=warnings)

    def read_json(self, context: FetchContext, ref: ListRef, path: str) -> list[Any]:
        url = settings.LISTSYNC_MDBLIST_BASE_URL.rstrip("/") + path + "/json"
        body = answer(self.get(context, ref, url, {}), ref, "mdblist.com")
        if not isinstance(body, list):
            raise PageChanged(
                f"mdblist.com answered {type(body).__name__} where the list's JSON array was "
                "expected: the format changed."
            )
        return body

    def read_api(self, context: FetchContext, ref: ListRef, path: str, key: str) -> list[Any]:
        url = settings.LISTSYNC_MDBLIST_API_URL.rstrip("/") + path + "/items"
        entries: list[Any] = []
        for _ in range(MAX_PAGES):
            params = {"apikey": key, "limit": API_LIMIT, "offset": len(entries)}
            response = self.get(context, ref, url, params)
            page = api_entries(answer(response, ref, "MDBList's API"))
            entries.extend(page)
            if response.headers.get("X-Has-More", "").strip().lower() != "true":
                break
            if not page:
                raise PageChanged(
                    "MDBList's API said it has more items but gave none: the API changed."
                )
        else:
            raise PageChanged(f"MDBList's API was still paging after {MAX_PAGES} pages.")
        return entries

    def get(
        self, context: FetchContext, ref: ListRef, url: str, params: dict[str, Any]
    ) -> requests.Response:
        try:
            return context.get(url, pause=PAUSE, params=params)
        except http.HttpError as exc:
            if exc.status == 429:
                raise RateLimited(
                    "MDBList answered 429 Too Many Requests after every retry: ListSync tries "
                    "again on the next sync."
                ) from None
            raise FetchError(
                f"MDBList did not answer properly ({exc}): ListSync tries again on the next sync.",
                retryable=True,
            ) from None


def answer(response: requests.Response, ref: ListRef, what: str) -> Any:
    """The JSON body of a list answer, or the FetchError its status or error says."""
    status = response.status_code
    try:
        body = http.json_of(response, what)
    except http.HttpError as exc:
        if status == 200:
            raise PageChanged(str(exc)) from None
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    problem = error.strip().lower() if isinstance(error, str) else ""
    if "limit reached" in problem or (status == 429 and "limit" in problem):
        raise RateLimited(
            f"MDBList says {error!r}: the daily limit of the MDBList API key is used up. "
            "ListSync tries again on the next sync (MDBList supporters get a higher limit)."
        )
    if status == 404 or "not found" in problem:
        raise ListUnavailable(
            f"MDBList has no public list at {ref.url} (HTTP {status}): it is private, was "
            "deleted, or mdblist.com refused a rapid call; ListSync retries on the next sync.",
            retryable=True,
        )
    if status in (401, 403) or "key" in problem:
        said = f": {error[:200]!r}" if isinstance(error, str) else ""
        raise FetchError(
            f"MDBList refused the API key (HTTP {status}{said}). Check the MDBList API key "
            "in Settings (mdblist.com, Preferences, API key), or leave it empty "
            "to read public lists without one."
        )
    if status != 200:
        raise FetchError(f"{what} answered HTTP {status}: try again later.", retryable=True)
    if problem == "empty":
        return []  # the public JSON's way of saying "no items (yet)"
    if error is not None:
        raise FetchError(f"{what} answered an error: {str(error)[:200]!r}.")
    return body


def api_entries(body: Any) -> list[Any]:
    """The entries of one API page: `{movies: [...], shows: [...]}` or a bare array. Movies and
    shows come apart; they are put back in list order by rank."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and ("movies" in body or "shows" in body):
        movies, shows = body.get("movies", []), body.get("shows", [])
        if isinstance(movies, list) and isinstance(shows, list):
            entries = [*movies, *shows]
            ranks = [e.get("rank") if isinstance(e, dict) else None for e in entries]
            if all(isinstance(r, int) and not isinstance(r, bool) for r in ranks):
                entries.sort(key=lambda e: e["rank"])
            return entries
    raise PageChanged(
        "MDBList's API answered neither {movies, shows} nor an array of items: the API changed."
    )


def read_entries(entries: list[Any]) -> tuple[list[Item], list[str]]:
    """Items from `[{id (TMDB), rank, title, imdb_id, tvdbid|tvdb_id, mediatype, release_year}]`.
    A changed format is an error, never an empty list."""
    items: list[Item] = []
    skipped = 0
    for entry in entries:
        item = item_of(entry) if isinstance(entry, dict) else None
        if item is None:
            skipped += 1
        else:
            items.append(item)
    if not items:
        raise PageChanged(
            f"MDBList gave {len(entries)} entries but none with a media type and an id: the "
            "format changed."
        )
    warnings = [f"{skipped} entries without a media type or id were left out"] if skipped else []
    return items, warnings


def item_of(entry: dict[str, Any]) -> Item | None:
    media_type = MEDIA_TYPES.get(str(entry.get("mediatype", "")).lower())
    tmdb_id = positive_int(entry.get("id"))
    imdb = entry.get("imdb_id")
    imdb_id = imdb if isinstance(imdb, str) and IMDB_ID.fullmatch(imdb) else None
    tvdb_id = positive_int(entry.get("tvdbid", entry.get("tvdb_id")))
    if media_type is None or not (tmdb_id or imdb_id or tvdb_id):
        return None
    title = entry.get("title")
    return Item(
        title=title.strip() if isinstance(title, str) else "",
        year=positive_int(entry.get("release_year")),
        media_type=media_type,
        imdb_id=imdb_id,
        tmdb_id=tmdb_id,
        tvdb_id=tvdb_id,
        source_id=str(tmdb_id or imdb_id or tvdb_id),
    )


def positive_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None
