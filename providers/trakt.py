"""Trakt lists, watchlists and charts, read through the Trakt API v2 with a client id.

API reference: https://trakt.docs.apiary.io/ (list items, watchlist, movie and show charts).
Every answer is paged: `?page=&limit=` with the X-Pagination-* headers, at most 250 a page, so
every page is read (importers that did not silently lost everything past the first page).
Charts have no end (trending goes on for thousands), so a chart is cut at `CHART_CAP` entries.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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

CANONICAL = "https://trakt.tv/"
HOSTS = frozenset({"trakt.tv", "www.trakt.tv", "app.trakt.tv"})
PAGE_LIMIT = 250  # the API's maximum; a larger limit is clamped
CHART_CAP = 100  # entries read from a chart (trending, popular, ...), which has no end
MAX_PAGES = 400  # 100,000 entries: a guard against a server that never says "last page"
PAGE_WORKERS = 4  # pages after the first, fetched at once (Trakt allows 1,000 GETs / 5 min)

CHARTS = ("trending", "popular", "anticipated", "boxoffice")
PERIOD_CHARTS = ("watched", "played", "collected")
PERIODS = ("daily", "weekly", "monthly", "yearly", "all")
DEFAULT_PERIOD = "weekly"  # what trakt.tv shows for /movies/watched without a period
CHART_NAMES = {
    "trending": "Trending",
    "popular": "Popular",
    "anticipated": "Most anticipated",
    "boxoffice": "Box office",
    "watched": "Most watched",
    "played": "Most played",
    "collected": "Most collected",
}
# A Trakt slug (user or list): letters, digits, '-', '_', '.'; not '.' or '..'.
SLUG = re.compile(r"[a-z0-9_][a-z0-9_.-]{0,199}", re.ASCII)
LIST_ID = re.compile(r"[1-9][0-9]{0,15}")
IMDB_ID = re.compile(r"tt\d{5,10}")

CLIENT_ID_HELP = (
    "Trakt needs a client id, which takes two minutes to get: sign in at trakt.tv, create an "
    "API app at https://trakt.tv/oauth/applications/new (any name; redirect URI "
    "urn:ietf:wg:oauth:2.0:oob; no permissions needed), then copy its Client ID (not the "
    "secret) into Settings, Trakt client id (or the LISTSYNC_TRAKT_CLIENT_ID variable)."
)


@dataclass(frozen=True)
class Target:
    """What one ListRef key means at the API."""

    items_path: str  # e.g. /users/sean/lists/star-wars/items
    summary_path: str | None  # the list's own record (its name), None for watchlists and charts
    name: str
    chart_kind: str | None = None  # "movie" or "show" for a chart, None for lists
    cap: int | None = None


class Trakt:
    source = "trakt"
    label = "Trakt"
    accepted_forms = (
        "https://trakt.tv/users/<user>/lists/<list>, https://trakt.tv/lists/<id>, "
        "https://trakt.tv/lists/official/<list>, https://trakt.tv/users/<user>/watchlist, "
        "or a chart: https://trakt.tv/movies/<trending|popular|anticipated|boxoffice> or "
        "https://trakt.tv/movies/<watched|played|collected>/<daily|weekly|monthly|yearly|all> "
        "(without a period: weekly), the same under /shows/ (no boxoffice); "
        f"charts are read to their top {CHART_CAP}; app.trakt.tv links work too"
    )

    # -- parse ---------------------------------------------------------------------------

    def parse(self, text: str) -> ListRef | None:
        text = text.strip()
        first = text.lower().split("/", 1)[0]
        if "://" not in text and (first in HOSTS or first.endswith(".trakt.tv")):
            text = "https://" + text  # "trakt.tv/users/..." pasted without the scheme
        try:
            parts = urlsplit(text)
            host = (parts.hostname or "").lower()
        except ValueError:
            return None  # not a URL at all (e.g. a broken IPv6 literal): not this source's
        if host not in HOSTS:
            if host == "trakt.tv" or host.endswith(".trakt.tv"):
                raise ListInputError(
                    f"{host} is not a page address: paste the list's address on trakt.tv. "
                    f"Accepted: {self.accepted_forms}."
                )
            return None
        if parts.scheme.lower() not in ("http", "https"):
            raise ListInputError(f"{text[:200]!r} is not a web address. {self.forms_hint()}")
        segments = [s for s in parts.path.split("/") if s]
        key = self.key_of([s.lower() for s in segments], text)
        return ListRef(source=self.source, key=key, url=CANONICAL + key)

    def forms_hint(self) -> str:
        return f"Accepted Trakt addresses: {self.accepted_forms}."

    def key_of(self, seg: list[str], text: str) -> str:
        """The ListRef key for the path segments (lower-cased), or ListInputError."""
        bad = f"{text[:200]!r} is not a Trakt list, watchlist or chart."
        match seg:
            case ["users", user, "lists", slug]:
                user, slug = self.slug(user, "user name", text), self.slug(slug, "list", text)
                return f"users/{user}/lists/{slug}"
            case ["users", user, "watchlist"]:
                return f"users/{self.slug(user, 'user name', text)}/watchlist"
            case ["users", _, "lists"]:
                raise ListInputError(
                    f"{bad} That is a person's page of lists: open one list and paste its address."
                )
            case ["lists", "official", slug]:
                return f"lists/official/{self.slug(slug, 'list', text)}"
            case ["lists", list_id]:
                if not LIST_ID.fullmatch(list_id):
                    raise ListInputError(
                        f"{bad} A list by number is https://trakt.tv/lists/<number>. "
                        f"{self.forms_hint()}"
                    )
                return f"lists/{list_id}"
            case ["movies" | "shows" as kind, chart, *rest]:
                return self.chart_key(kind, chart, rest, text)
        raise ListInputError(f"{bad} {self.forms_hint()}")

    def slug(self, value: str, what: str, text: str) -> str:
        if not SLUG.fullmatch(value):
            raise ListInputError(
                f"{text[:200]!r}: {value[:100]!r} is not a Trakt {what}. {self.forms_hint()}"
            )
        return value

    def chart_key(self, kind: str, chart: str, rest: list[str], text: str) -> str:
        if chart == "boxoffice" and kind == "shows":
            raise ListInputError(
                f"{text[:200]!r}: Trakt has a box office chart for movies only "
                "(https://trakt.tv/movies/boxoffice)."
            )
        if chart in CHARTS and not rest:
            return f"{kind}/{chart}"
        if chart in PERIOD_CHARTS and len(rest) <= 1:
            period = rest[0] if rest else DEFAULT_PERIOD
            if period in PERIODS:
                return f"{kind}/{chart}/{period}"
            raise ListInputError(
                f"{text[:200]!r}: {period[:50]!r} is not a period of Trakt's {chart} chart: use "
                f"{', '.join(PERIODS)} (without a period: {DEFAULT_PERIOD})."
            )
        names = ", ".join(CHARTS + PERIOD_CHARTS)
        raise ListInputError(
            f"{text[:200]!r} is not a Trakt chart, list or watchlist. The {kind} charts are: "
            f"{names} (watched, played and collected take a period: {', '.join(PERIODS)}). "
            f"{self.forms_hint()}"
        )

    # -- fetch ---------------------------------------------------------------------------

    def fetch(self, ref: ListRef, context: FetchContext) -> FetchResult:
        client_id = context.key("trakt_client_id")
        if not client_id:
            raise FetchError(CLIENT_ID_HELP)
        target = target_of(ref.key)
        api = Api(context, client_id, ref)
        entries, complete, warnings, name = api.read(target)
        items, item_warnings = read_entries(entries, target.chart_kind)
        return FetchResult(
            name=name or target.name,
            items=items,
            route="api",
            complete=complete,
            warnings=warnings + item_warnings,
        )


def target_of(key: str) -> Target:
    """The API paths for a ListRef key made by Trakt.parse."""
    seg = key.split("/")
    match seg:
        case ["users", user, "lists", slug]:
            path = f"/users/{user}/lists/{slug}"
            return Target(f"{path}/items", path, name=slug_name(slug))
        case ["users", user, "watchlist"]:
            return Target(f"/users/{user}/watchlist", None, name=f"{user}'s Trakt watchlist")
        case ["lists", "official", slug]:
            return Target(f"/lists/{slug}/items", f"/lists/{slug}", name=slug_name(slug))
        case ["lists", list_id]:
            name = f"Trakt list {list_id}"
            return Target(f"/lists/{list_id}/items", f"/lists/{list_id}", name=name)
        case ["movies" | "shows" as kind, chart, *period]:
            noun = "movies" if kind == "movies" else "shows"
            when = f", {period[0]}" if period else ""
            name = f"Trakt: {CHART_NAMES.get(chart, chart)} {noun} (top {CHART_CAP}{when})"
            return Target("/" + key, None, name=name, chart_kind=kind[:-1], cap=CHART_CAP)
    raise FetchError(f"{key!r} is not a Trakt list ListSync knows: follow the list again.")


def slug_name(slug: str) -> str:
    return slug.replace("-", " ").strip().capitalize() or slug


class Api:
    """Calls to the Trakt API for one fetch: headers, errors, pages."""

    def __init__(self, context: FetchContext, client_id: str, ref: ListRef) -> None:
        self.context = context
        self.ref = ref
        self.base = settings.LISTSYNC_TRAKT_API_URL.rstrip("/")
        self.headers = {
            "Content-Type": "application/json",
            "trakt-api-version": "2",
            "trakt-api-key": client_id,
        }

    def read(self, target: Target) -> tuple[list[Any], bool, list[str], str | None]:
        """Every entry (up to the target's cap), whether all were read, warnings, the name."""
        limit = min(PAGE_LIMIT, target.cap) if target.cap else PAGE_LIMIT
        first, response = self.page(target.items_path, 1, limit)
        page_count = header_int(response, "X-Pagination-Page-Count")
        item_count = header_int(response, "X-Pagination-Item-Count")
        served_limit = header_int(response, "X-Pagination-Limit") or limit
        if page_count is None:
            entries, complete = self.read_on(target, first, served_limit, limit)
            name = self.name(target)
        else:
            last = page_count
            if target.cap:
                last = min(last, -(-target.cap // served_limit))
            complete = last <= MAX_PAGES
            last = min(last, MAX_PAGES)
            with ThreadPoolExecutor(max_workers=PAGE_WORKERS) as pool:
                summary = pool.submit(self.name, target)
                pages = pool.map(
                    lambda n: self.page(target.items_path, n, limit)[0], range(2, last + 1)
                )
                entries = [*first, *(entry for page in pages for entry in page)]
                name = summary.result()
        warnings: list[str] = []
        if target.cap:
            entries = entries[: target.cap]
        elif not complete:
            warnings.append(f"only the first {MAX_PAGES} pages of the list were read")
        elif item_count is not None and len(entries) < item_count:
            complete = False
            warnings.append(
                f"Trakt counted {item_count} entries but gave {len(entries)}: the items seen "
                "before are kept, and the list is read again on the next sync"
            )
        return entries, complete, warnings, name

    def read_on(
        self, target: Target, first: list[Any], served_limit: int, limit: int
    ) -> tuple[list[Any], bool]:
        """Pages after `first` when Trakt sent no pagination headers (boxoffice has none):
        read on while pages are full."""
        entries, page, number = list(first), first, 1
        while len(page) >= served_limit:
            if target.cap and len(entries) >= target.cap:
                return entries, True
            if number >= MAX_PAGES:
                return entries, False
            number += 1
            next_page, _ = self.page(target.items_path, number, limit)
            if next_page == page:
                break  # the server ignores ?page=: the same entries again
            entries.extend(next_page)
            page = next_page
        return entries, True

    def page(self, path: str, number: int, limit: int) -> tuple[list[Any], requests.Response]:
        response = self.get(path, {"page": number, "limit": limit})
        body = self.json(response)
        if not isinstance(body, list):
            raise PageChanged(
                f"Trakt answered {type(body).__name__} where a list of entries was expected "
                f"({path}): the API changed."
            )
        return body, response

    def name(self, target: Target) -> str | None:
        """The list's own name, from its record; None for charts and watchlists, or if the
        record cannot be read (the items could: the name is not worth failing the fetch)."""
        if target.summary_path is None:
            return None
        try:
            body = self.json(self.get(target.summary_path, {}))
        except FetchError:
            return None
        name = body.get("name") if isinstance(body, dict) else None
        return name.strip()[:200] if isinstance(name, str) and name.strip() else None

    def get(self, path: str, params: dict[str, Any]) -> requests.Response:
        try:
            response = self.context.get(self.base + path, headers=self.headers, params=params)
        except http.HttpError as exc:
            if exc.status == 429:
                raise RateLimited(
                    "Trakt answered 429 Too Many Requests after every retry (its limit is "
                    "1,000 calls per 5 minutes per client id): ListSync tries again on the "
                    "next sync."
                ) from None
            raise FetchError(
                f"Trakt's API did not answer properly ({exc}): ListSync tries again on the next "
                "sync.",
                retryable=True,
            ) from None
        status = response.status_code
        if status == 200:
            return response
        if status in (401, 403):
            raise FetchError(
                f"Trakt answered HTTP {status}: the client id was refused. Check the "
                "Trakt client id in Settings (or LISTSYNC_TRAKT_CLIENT_ID): it must be the "
                "Client ID of a Trakt API app (https://trakt.tv/oauth/applications), not its "
                "secret. (A private list or "
                "watchlist needs its owner's login, which ListSync does not use: make it public.)"
            )
        if status == 404:
            raise ListUnavailable(
                f"Trakt has no public list at {self.ref.url} (HTTP 404): it is private, was "
                "deleted, or never existed. Check the address, or ask its owner to make it public."
            )
        if status == 420:
            raise FetchError(
                "Trakt answered 420: the account limit of the list's owner was exceeded (free "
                "Trakt accounts: 100 items per list). Trakt serves the list again once the "
                "owner trims it or upgrades to VIP."
            )
        raise FetchError(
            f"Trakt answered HTTP {status} {response.reason}: try again later.",
            retryable=status >= 500,
        )

    def json(self, response: requests.Response) -> Any:
        try:
            return http.json_of(response, "Trakt's API")
        except http.HttpError as exc:
            raise PageChanged(str(exc)) from None


def header_int(response: requests.Response, name: str) -> int | None:
    value = response.headers.get(name, "").strip()
    return int(value) if value.isdigit() else None


# -- entries -------------------------------------------------------------------------------

MEDIA_TYPES: dict[str, MediaType] = {"movie": "movie", "show": "tv"}


def read_entries(entries: list[Any], chart_kind: str | None) -> tuple[list[Item], list[str]]:
    """Items from API entries: list items `{type, movie|show|season|episode|person, ...}`,
    chart entries `{watchers|list_count|revenue|..., movie|show}` or bare objects (popular).
    A season or episode counts as its show; people are left out. A changed format is an
    error, never an empty list."""
    items: list[Item] = []
    seen: set[tuple[str, int]] = set()
    mapped = persons = unknown = 0
    for entry in entries:
        obj, kind = None, None
        if isinstance(entry, dict):
            entry_type = entry.get("type")
            if isinstance(entry_type, str) and entry_type in ("movie", "show"):
                obj, kind = entry.get(entry_type), entry_type
            elif entry_type in ("season", "episode"):
                obj, kind = entry.get("show"), "show"
                mapped += 1
            elif entry_type == "person":
                persons += 1
                continue
            elif entry_type is None and chart_kind:
                wrapped = entry.get(chart_kind)
                obj = wrapped if isinstance(wrapped, dict) else entry
                kind = chart_kind
        item = item_of(obj, kind) if kind else None
        if item is None:
            unknown += 1
            continue
        identity = (kind or "", int(item.source_id))
        if identity not in seen:
            seen.add(identity)
            items.append(item)
    if unknown and not items:
        raise PageChanged(
            f"Trakt gave {len(entries)} entries but none in a shape ListSync knows: the API "
            "changed."
        )
    warnings = []
    if persons:
        warnings.append(f"{persons} people on the list were left out (only titles are requested)")
    if mapped:
        warnings.append(f"{mapped} season or episode entries were counted as their show")
    if unknown:
        warnings.append(f"{unknown} entries of a shape ListSync does not know were left out")
    return items, warnings


def item_of(obj: Any, kind: str) -> Item | None:
    """An Item from a Trakt movie or show object, None if it has no Trakt id."""
    if not isinstance(obj, dict) or not isinstance(obj.get("ids"), dict):
        return None
    ids = obj["ids"]
    trakt_id = positive_int(ids.get("trakt"))
    if trakt_id is None:
        return None
    imdb = ids.get("imdb")
    title = obj.get("title")
    return Item(
        title=title.strip() if isinstance(title, str) else "",
        year=positive_int(obj.get("year")),
        media_type=MEDIA_TYPES[kind],
        imdb_id=imdb if isinstance(imdb, str) and IMDB_ID.fullmatch(imdb) else None,
        tmdb_id=positive_int(ids.get("tmdb")),
        tvdb_id=positive_int(ids.get("tvdb")),
        source_id=str(trakt_id),
    )


def positive_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None
