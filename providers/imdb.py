"""IMDb: custom lists, watchlists and the charts.

Three routes, tried in order, each only when the one before could not be used:

1. "graphql": IMDb's GraphQL API (every item: 250 a call, paged on endCursor).
2. "next_data": the list page over plain HTTP, read from its embedded `__NEXT_DATA__` JSON
   (only the first page of items is embedded: the result says so when more exist).
3. "browser": the same page in a real Chromium, for when AWS WAF challenges plain HTTP.

A private or missing list stops at once (ListUnavailable); so does a page whose shape changed
(PageChanged), since a browser would read the same changed page. Anything else (a WAF
challenge, a network failure, an API answer without data) moves on to the next route, and the
result's warnings say why a route was skipped. See SOURCES.md, section IMDb.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

from listsync import http
from providers.base import (
    Blocked,
    FetchError,
    FetchResult,
    Item,
    ListInputError,
    ListRef,
    ListUnavailable,
    MediaType,
    PageChanged,
    RateLimited,
    require_host,
)
from providers.context import FetchContext

CANONICAL = "https://www.imdb.com"
HOSTS = ("www.imdb.com", "imdb.com", "m.imdb.com")
PAGE_SIZE = 250  # the most the API gives in one call
MAX_PAGES = 200  # 50,000 titles: far past IMDb's own limit of 10,000 per list

LIST_ID = re.compile(r"ls\d{1,15}", re.I)
USER_ID = re.compile(r"ur\d{1,15}", re.I)
PROFILE_ID = re.compile(r"p\.[a-z0-9]{1,64}", re.I)
BARE_PROFILE_ID = re.compile(r"p\.[a-z0-9]{4,64}", re.I)  # bare, so "p.s" is not taken
TITLE_ID = re.compile(r"tt\d{7,10}")
LOCALE_PREFIX = re.compile(r"/[a-z]{2}(?:-[a-z]{2})?(?=/)", re.I)  # /fr/list/…, /es-es/chart/…
IMDB_HOSTLIKE = re.compile(r"(?:[a-z0-9-]+\.)*imdb\.com\.?(?::\d*)?(?:[/?#]|$)", re.I)
NEXT_DATA = re.compile(
    r"<script\b[^>]*\bid\s*=\s*[\"']?__NEXT_DATA__[\"']?[^>]*>(.*?)</script\s*>",
    re.S | re.I,
)
# Marks of an AWS WAF challenge or captcha page (the JS that solves it, its settings object).
WAF_MARKS = ("awswafcookiedomainlist", "awswafintegration", "gokuprops", "/challenge.js")

MOVIE_TYPES = frozenset({"movie", "tvMovie", "short", "video"})
TV_TYPES = frozenset({"tvSeries", "tvMiniSeries"})
DROPPED_NAMES = {  # singular, plural
    "tvEpisode": ("TV episode", "TV episodes"),
    "videoGame": ("video game", "video games"),
    "tvSpecial": ("TV special", "TV specials"),
    "tvShort": ("TV short", "TV shorts"),
    "podcastSeries": ("podcast", "podcasts"),
    "podcastEpisode": ("podcast episode", "podcast episodes"),
    "musicVideo": ("music video", "music videos"),
}


@dataclass(frozen=True)
class Chart:
    slug: str
    chart_type: str | None  # the API's chartType; None for the box office
    name: str


CHARTS = {
    chart.slug: chart
    for chart in (
        Chart("top", "TOP_RATED_MOVIES", "IMDb Top 250 Movies"),
        Chart("toptv", "TOP_RATED_TV_SHOWS", "IMDb Top 250 TV Shows"),
        Chart("moviemeter", "MOST_POPULAR_MOVIES", "IMDb Most Popular Movies"),
        Chart("tvmeter", "MOST_POPULAR_TV_SHOWS", "IMDb Most Popular TV Shows"),
        Chart("bottom", "LOWEST_RATED_MOVIES", "IMDb Lowest Rated Movies"),
        Chart("top-english-movies", "TOP_RATED_ENGLISH_MOVIES", "IMDb Top Rated English Movies"),
        Chart("boxoffice", None, "IMDb Top Box Office (US weekend)"),
    )
}

TITLE_FIELDS = "id titleText { text } titleType { id } releaseYear { year }"
LIST_SEARCH = (
    "titleListItemSearch(first: 250, after: $after) {\n"
    "      total\n"
    "      pageInfo { hasNextPage endCursor }\n"
    f"      edges {{ title {{ {TITLE_FIELDS} }} }}\n"
    "    }"
)
LIST_QUERY = (
    "query ListSyncList($id: ID!, $after: String) {\n"
    "  list(id: $id) {\n"
    "    name { originalText }\n"
    f"    {LIST_SEARCH}\n"
    "  }\n"
    "}"
)
# The user and profile ids are checked against USER_ID / PROFILE_ID before they are written
# into a query, as JSON strings.
WATCHLIST_QUERY = (
    "query ListSyncWatchlist($after: String) {\n"
    "  predefinedList(classType: WATCH_LIST, userId: USER_ID) {\n"
    "    visibility { id }\n"
    f"    {LIST_SEARCH}\n"
    "  }\n"
    "}"
)
PROFILE_QUERY = (
    "query ListSyncProfile {\n  userProfile(input: {profileId: PROFILE_ID}) { userId }\n}"
)
CHART_QUERY = (
    "query ListSyncChart {\n"
    "  chartTitles(chart: {chartType: CHART_TYPE}, first: 250) {\n"
    f"    total edges {{ currentRank node {{ {TITLE_FIELDS} }} }}\n"
    "  }\n"
    "}"
)
BOX_OFFICE_QUERY = (
    "query ListSyncBoxOffice {\n"
    f"  boxOfficeWeekendChart(limit: 50) {{ entries {{ title {{ {TITLE_FIELDS} }} }} }}\n"
    "}"
)
GRAPHQL_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json",
    "x-imdb-client-name": "imdb-web-next",
    "x-imdb-user-country": "US",
    "x-imdb-user-language": "en-US",
}
PAGE_HEADERS = {
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.8",
}


@dataclass(frozen=True)
class Target:
    """What a key names: kind "list" (ls…), "watchlist" (ur… or p.…) or "chart" (a slug)."""

    kind: str
    ident: str

    @classmethod
    def of(cls, key: str) -> Target:
        if LIST_ID.fullmatch(key):
            return cls("list", key)
        kind, _, ident = key.partition(":")
        if kind == "watchlist" and (USER_ID.fullmatch(ident) or PROFILE_ID.fullmatch(ident)):
            return cls("watchlist", ident)
        if kind == "chart" and ident in CHARTS:
            return cls("chart", ident)
        raise FetchError(f"{key!r} is not an IMDb list key: add the list again by its address.")

    @property
    def key(self) -> str:
        return self.ident if self.kind == "list" else f"{self.kind}:{self.ident}"

    @property
    def path(self) -> str:
        if self.kind == "list":
            return f"/list/{self.ident}/"
        if self.kind == "watchlist":
            return f"/user/{self.ident}/watchlist/"
        return f"/chart/{self.ident}/"

    @property
    def what(self) -> str:
        if self.kind == "list":
            return f"the IMDb list {self.ident}"
        if self.kind == "watchlist":
            return f"the IMDb watchlist of {self.ident}"
        return CHARTS[self.ident].name

    @property
    def default_name(self) -> str:
        if self.kind == "list":
            return f"IMDb list {self.ident}"
        if self.kind == "watchlist":
            return f"IMDb watchlist of {self.ident}"
        return CHARTS[self.ident].name

    def private(self) -> ListUnavailable:
        if self.kind == "watchlist":
            return ListUnavailable(
                f"The watchlist of {self.ident} is private: make it public on IMDb (Your "
                "watchlist → Settings → Privacy: Public), or follow a public list instead."
            )
        return ListUnavailable(
            f"{capital(self.what)} is private: make it public on IMDb (Edit list → Privacy: "
            "Public), or follow a public copy of it."
        )

    def missing(self) -> ListUnavailable:
        if self.kind == "watchlist":
            return ListUnavailable(
                f"There is no IMDb watchlist for {self.ident}: check the user id in the "
                "address (it is in the address of the watchlist page)."
            )
        return ListUnavailable(
            f"{capital(self.what)} does not exist (deleted, or a wrong id): check the address."
        )

    def missing_or_private(self) -> ListUnavailable:
        if self.kind == "watchlist":
            return ListUnavailable(
                f"The watchlist of {self.ident} is private or does not exist: make it public "
                "on IMDb (Your watchlist → Settings → Privacy: Public), or check the user id "
                "in the address."
            )
        return ListUnavailable(
            f"{capital(self.what)} is private or does not exist: make it public on IMDb, or "
            "check the address."
        )


def inner(node: dict[str, Any], key: str, sub: str) -> Any:
    """node[key][sub], or None where either is missing or not an object."""
    value = node.get(key)
    return value.get(sub) if isinstance(value, dict) else None


def list_name(root: dict[str, Any]) -> str:
    text = inner(root, "name", "originalText")
    return text.strip() if isinstance(text, str) else ""


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class Imdb:
    source = "imdb"
    label = "IMDb"
    accepted_forms = (
        "a list https://www.imdb.com/list/ls012345678/ (or just ls012345678); a watchlist "
        "https://www.imdb.com/user/ur1234567/watchlist/ or /user/p.<profile id>/watchlist/ (or "
        "just ur1234567); a chart https://www.imdb.com/chart/top/ (also toptv, moviemeter, "
        "tvmeter, boxoffice, bottom, top-english-movies), or imdb:top, imdb:toptv and so on; "
        "m.imdb.com addresses too"
    )

    # ---- parse -------------------------------------------------------------------------

    def parse(self, text: str) -> ListRef | None:
        raw = text.strip()
        if not raw:
            return None
        if raw[:5].lower() == "imdb:":
            return self.parse_short(raw[5:].strip(), raw)
        if ref := self.bare_id(raw):
            return ref
        if "://" not in raw:
            if not IMDB_HOSTLIKE.match(raw):
                return None
            raw = "https://" + raw  # www.imdb.com/list/ls…/ without the scheme
        try:
            parts = urlsplit(raw)
        except ValueError:
            if "imdb.com" in raw.lower():
                raise ListInputError(
                    f"{raw[:200]!r} is not a valid address. Use {self.accepted_forms}."
                ) from None
            return None
        host = (parts.hostname or "").lower().rstrip(".")
        if host != "imdb.com" and not host.endswith(".imdb.com"):
            return None
        try:
            parts = require_host(raw, HOSTS, "IMDb")
        except ListInputError:
            raise ListInputError(
                f"{raw[:200]!r} is not an address ListSync reads: IMDb lists are read from "
                f"{', '.join(HOSTS)} over http(s). Use {self.accepted_forms}."
            ) from None
        return self.parse_path(parts, raw)

    def bare_id(self, text: str) -> ListRef | None:
        if LIST_ID.fullmatch(text):
            return self.ref(Target("list", text.lower()))
        if USER_ID.fullmatch(text) or BARE_PROFILE_ID.fullmatch(text):
            return self.ref(Target("watchlist", text.lower()))
        return None

    def parse_short(self, rest: str, text: str) -> ListRef:
        lowered = rest.lower()
        kind, _, ident = lowered.partition(":")
        if lowered in CHARTS or (kind == "chart" and ident in CHARTS):
            return self.ref(Target("chart", ident or lowered))
        if kind == "watchlist" and (USER_ID.fullmatch(ident) or PROFILE_ID.fullmatch(ident)):
            return self.ref(Target("watchlist", ident))
        if LIST_ID.fullmatch(lowered):
            return self.ref(Target("list", lowered))
        if USER_ID.fullmatch(lowered) or PROFILE_ID.fullmatch(lowered):
            return self.ref(Target("watchlist", lowered))
        if TITLE_ID.fullmatch(lowered):
            raise ListInputError(
                f"{text[:200]!r} is a single title, not a list: add it to a manual list."
            )
        charts = ", ".join(f"imdb:{slug}" for slug in CHARTS)
        raise ListInputError(
            f"{text[:200]!r} names no IMDb list: use imdb:ls012345678, imdb:ur1234567 "
            f"(a watchlist) or a chart ({charts})."
        )

    def parse_path(self, parts: SplitResult, text: str) -> ListRef:
        path = parts.path
        if match := LOCALE_PREFIX.match(path):
            path = path[match.end() :]
        segments = [segment for segment in path.split("/") if segment]
        head = segments[0].lower() if segments else ""
        second = segments[1] if len(segments) > 1 else ""
        shown = text[:200]
        if head == "list":
            if not LIST_ID.fullmatch(second):
                raise ListInputError(
                    f"{shown!r} holds no IMDb list id: list addresses look like "
                    "https://www.imdb.com/list/ls012345678/ (ls and digits)."
                )
            return self.ref(Target("list", second.lower()))
        if head == "user":
            if not (USER_ID.fullmatch(second) or PROFILE_ID.fullmatch(second)):
                raise ListInputError(
                    f"{shown!r} holds no IMDb user id: watchlist addresses look like "
                    "https://www.imdb.com/user/ur1234567/watchlist/ (or /user/p.<id>/watchlist/)."
                )
            if len(segments) < 3 or segments[2].lower() != "watchlist":
                raise ListInputError(
                    f"{shown!r} is an IMDb profile page, not a list: ListSync follows the "
                    f"watchlist, https://www.imdb.com/user/{second.lower()}/watchlist/, or one "
                    "of the person's lists (https://www.imdb.com/list/ls…/)."
                )
            return self.ref(Target("watchlist", second.lower()))
        if head == "watchlist":
            raise ListInputError(
                f"{shown!r} is the watchlist of whoever is signed in: open your watchlist on "
                "IMDb and copy the address with your user id "
                "(https://www.imdb.com/user/ur…/watchlist/)."
            )
        if head == "chart":
            slug = second.lower()
            if slug not in CHARTS:
                raise ListInputError(
                    f"{shown!r} is not a chart ListSync reads: use one of "
                    + ", ".join(f"https://www.imdb.com/chart/{s}/" for s in CHARTS)
                    + "."
                )
            return self.ref(Target("chart", slug))
        if head == "title":
            raise ListInputError(
                f"{shown!r} is a single title, not a list: add it to a manual list."
            )
        raise ListInputError(
            f"{shown!r} is not an IMDb list, watchlist or chart. Use {self.accepted_forms}."
        )

    def ref(self, target: Target) -> ListRef:
        return ListRef(source=self.source, key=target.key, url=CANONICAL + target.path)

    # ---- fetch -------------------------------------------------------------------------

    def fetch(self, ref: ListRef, context: FetchContext) -> FetchResult:
        target = Target.of(ref.key)
        skipped: list[tuple[str, FetchError]] = []
        try:
            return graphql_fetch(target, context)
        except ListUnavailable:
            raise
        except FetchError as exc:
            skipped.append(("IMDb's API", exc))

        url = settings.LISTSYNC_IMDB_BASE_URL.rstrip("/") + target.path
        try:
            html = get_page(url, target, context)
            return page_result(html, target, "next_data", skipped)
        except (ListUnavailable, PageChanged, RateLimited) as exc:
            # A browser reads the same changed page and is as unwelcome to a rate limit.
            raise combined(exc, skipped) from exc
        except FetchError as exc:
            skipped.append(("the page over plain HTTP", exc))

        try:
            html = browser_page(url, context)
            return page_result(html, target, "browser", skipped)
        except ListUnavailable:
            raise
        except FetchError as exc:
            skipped.append(("a real browser", exc))
        raise most_telling(target, skipped)


# ---- the GraphQL route ---------------------------------------------------------------------


def graphql_fetch(target: Target, context: FetchContext) -> FetchResult:
    if target.kind == "list":
        return read_paged(
            target, context, LIST_QUERY, {"id": target.ident}, "list", null_is_missing=True
        )
    if target.kind == "watchlist":
        user_id = target.ident
        if not USER_ID.fullmatch(user_id):
            user_id = resolve_profile(target, context)
        query = WATCHLIST_QUERY.replace("USER_ID", json.dumps(user_id))
        return read_paged(target, context, query, {}, "predefinedList", null_is_missing=True)
    chart = CHARTS[target.ident]
    if chart.chart_type is None:
        body = post(context, BOX_OFFICE_QUERY)
        root = data_of(body, "boxOfficeWeekendChart", target)
        entries = root.get("entries")
        if not isinstance(entries, list):
            raise PageChanged("IMDb's API answer has no boxOfficeWeekendChart.entries.")
        nodes = [entry.get("title") if isinstance(entry, dict) else None for entry in entries]
        items = Items("IMDb's API answer", "boxOfficeWeekendChart.entries[].title")
        items.add(nodes)
        if not nodes:
            raise PageChanged("IMDb's API answered an empty box office chart.")
        return items.result(chart.name, "graphql", total=len(nodes))
    body = post(context, CHART_QUERY.replace("CHART_TYPE", chart.chart_type))
    root = data_of(body, "chartTitles", target)
    edges = root.get("edges")
    if not isinstance(edges, list):
        raise PageChanged("IMDb's API answer has no chartTitles.edges.")
    if not edges:
        raise PageChanged(f"IMDb's API answered an empty chart for {chart.chart_type}.")
    items = Items("IMDb's API answer", "chartTitles.edges[].node")
    items.add([edge.get("node") if isinstance(edge, dict) else None for edge in edges])
    total = root.get("total")
    result = items.result(chart.name, "graphql", total=total if isinstance(total, int) else None)
    if isinstance(total, int) and total > items.read:
        result.complete = False
        result.warnings.insert(0, f"IMDb's API gave {items.read} of the chart's {total} titles.")
    return result


def resolve_profile(target: Target, context: FetchContext) -> str:
    """The ur… user id behind a p.… profile id."""
    query = PROFILE_QUERY.replace("PROFILE_ID", json.dumps(target.ident))
    body = post(context, query)
    profile = data_of(body, "userProfile", target, null_is_missing=True)
    user_id = profile.get("userId")
    if not isinstance(user_id, str) or not USER_ID.fullmatch(user_id):
        raise PageChanged("IMDb's API answer for a profile has no userProfile.userId.")
    return user_id


def read_paged(
    target: Target,
    context: FetchContext,
    query: str,
    variables: dict[str, Any],
    field: str,
    *,
    null_is_missing: bool,
) -> FetchResult:
    """Every page of a list or watchlist: `first: 250`, then `after: endCursor` while
    `hasNextPage`. A failure after the first page keeps what was read, marked incomplete."""
    items = Items("IMDb's API answer", f"{field}.titleListItemSearch.edges[].title")
    name = target.default_name
    total: int | None = None
    after: str | None = None
    seen: set[str] = set()
    stopped = ""
    for page in range(MAX_PAGES):
        try:
            body = post(context, query, {**variables, "after": after})
            root, search = search_of(body, field, target, null_is_missing=null_is_missing)
        except ListUnavailable:
            raise
        except FetchError as exc:
            if page == 0:
                raise
            stopped = f"IMDb's API stopped answering after page {page} ({exc})"
            break
        if page == 0:
            found = search.get("total")
            total = found if isinstance(found, int) else None
            name = list_name(root) or name
        items.add(edge_titles(search))
        info = search.get("pageInfo")
        if not isinstance(info, dict) or not info.get("hasNextPage"):
            break
        cursor = info.get("endCursor")
        if not isinstance(cursor, str) or not cursor or cursor in seen:
            stopped = "IMDb's API gave no new endCursor for the next page"
            break
        seen.add(cursor)
        after = cursor
    else:
        stopped = f"ListSync stops after {MAX_PAGES} pages of {PAGE_SIZE}"
    if total is None and not stopped:
        raise PageChanged(f"IMDb's API answer has no {field}.titleListItemSearch.total.")
    result = items.result(name, "graphql", total=total)
    if total is not None and not stopped and items.read < total:
        result.warnings.append(
            f"IMDb says the list has {total} titles, but its API gave {items.read}."
        )
    if stopped:
        result.complete = False
        result.warnings.insert(
            0, f"Only {items.read} titles of {total or 'an unknown number'} were read: {stopped}."
        )
    return result


def search_of(
    body: dict[str, Any], field: str, target: Target, *, null_is_missing: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The list object and its titleListItemSearch from one page of the API's answers."""
    root = data_of(body, field, target, null_is_missing=null_is_missing)
    search = root.get("titleListItemSearch")
    if not isinstance(search, dict) or not isinstance(search.get("edges"), list):
        raise PageChanged(
            f"IMDb's API answer has no {field}.titleListItemSearch.edges: the API changed."
        )
    return root, search


def edge_titles(search: dict[str, Any]) -> list[Any]:
    return [edge.get("title") if isinstance(edge, dict) else None for edge in search["edges"]]


def post(context: FetchContext, query: str, variables: dict[str, Any] | None = None) -> Any:
    """One GraphQL call; the decoded JSON body, or the FetchError that says why there is none."""
    url = settings.LISTSYNC_IMDB_GRAPHQL_URL
    try:
        response = context.call(
            "POST",
            url,
            json={"query": query, "variables": variables or {}},
            headers=GRAPHQL_HEADERS,
        )
    except http.HttpError as exc:
        if exc.status == 429:
            raise RateLimited(f"IMDb's API says too many requests: {exc}") from exc
        raise FetchError(f"IMDb's API could not be reached: {exc}", retryable=True) from exc
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if challenge(response.status_code, kind, response.text):
        raise Blocked(
            f"IMDb's API answered HTTP {response.status_code} with an AWS WAF challenge "
            "instead of data"
        )
    if response.status_code == 403 and "json" not in kind:
        raise Blocked(
            "IMDb's API answered HTTP 403 with an HTML page (a WAF block, or the API wants "
            "other headers than x-imdb-client-name: imdb-web-next)"
        )
    try:
        body = response.json()
    except ValueError:
        raise FetchError(
            f"IMDb's API answered HTTP {response.status_code} with {kind or 'no content type'}, "
            "not JSON",
            retryable=True,
        ) from None
    if not isinstance(body, dict):
        raise PageChanged("IMDb's API answered JSON that is not an object.")
    return body


def data_of(
    body: dict[str, Any], field: str, target: Target, *, null_is_missing: bool = False
) -> dict[str, Any]:
    """`data[field]` of a GraphQL answer. FORBIDDEN and RESOURCE_NOT_FOUND (and, where
    `null_is_missing`, a plain null) mean the list cannot be read by anyone: ListUnavailable.
    No data for another reason: a FetchError, so the next route is tried."""
    data = body.get("data")
    root = data.get(field) if isinstance(data, dict) else None
    if isinstance(root, dict):
        return root
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    codes = {str(inner(e, "extensions", "code") or "").upper() for e in errors}
    if "FORBIDDEN" in codes:
        raise target.private()
    if codes & {"RESOURCE_NOT_FOUND", "NOT_FOUND"}:
        raise target.missing()
    if root is not None:
        raise PageChanged(f"IMDb's API answer has a {field} that is not an object.")
    # Present and null without an error: IMDb's way of saying "missing or private".
    if null_is_missing and not errors and isinstance(data, dict) and field in data:
        raise target.missing_or_private()
    messages = "; ".join(str(e.get("message", "")) for e in errors if e.get("message"))
    raise FetchError(
        f"IMDb's API answered without data ({messages[:300] or 'no data, no error'})",
        retryable=True,
    )


# ---- the page routes -----------------------------------------------------------------------


def challenge(status: int, kind: str, text: str) -> bool:
    """Whether an answer is an AWS WAF challenge (202, or a page carrying the WAF's script)."""
    if status == 202:
        return True
    head = text[:20000].lower()
    return (status in (403, 405) or "html" in kind) and any(mark in head for mark in WAF_MARKS)


def get_page(url: str, target: Target, context: FetchContext) -> str:
    try:
        response = context.get(url, headers=PAGE_HEADERS)
    except http.HttpError as exc:
        if exc.status == 429:
            raise RateLimited(f"IMDb says too many requests: {exc}") from exc
        raise FetchError(f"IMDb could not be reached: {exc}", retryable=True) from exc
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if response.status_code == 404:
        raise target.missing()
    if challenge(response.status_code, kind, response.text):
        raise Blocked(
            f"IMDb answered HTTP {response.status_code} with an AWS WAF challenge instead of "
            "the page"
        )
    if response.status_code in (403, 405):
        raise Blocked(f"IMDb refused the page (HTTP {response.status_code})")
    if response.status_code != 200:
        raise FetchError(f"IMDb answered HTTP {response.status_code}", retryable=True)
    return response.text


def browser_page(url: str, context: FetchContext) -> str:
    try:
        browser = context.browser  # FetchError if Chromium will not start
    except FetchError:
        raise
    except Exception as exc:  # seleniumbase missing or broken
        raise FetchError(f"a real browser could not be started: {exc}") from exc
    try:
        return browser.page_source(url, ready="script#__NEXT_DATA__")
    except Exception as exc:  # selenium's errors are many; any one means no page
        raise FetchError(
            f"the browser could not load {url}: {type(exc).__name__}: {str(exc)[:200]}",
            retryable=True,
        ) from exc


def next_data(html: str, where: str) -> dict[str, Any]:
    """The JSON of the page's `<script id="__NEXT_DATA__">`."""
    match = NEXT_DATA.search(html)
    if match is None:
        if any(mark in html[:20000].lower() for mark in WAF_MARKS):
            raise Blocked(f"{where} is an AWS WAF challenge, not the list")
        raise PageChanged(
            f'{where} has no <script id="__NEXT_DATA__"> any more: IMDb changed its pages.'
        )
    try:
        data = json.loads(match.group(1))
    except ValueError:
        raise PageChanged(f"The __NEXT_DATA__ script of {where} is not JSON.") from None
    if not isinstance(data, dict):
        raise PageChanged(f"The __NEXT_DATA__ script of {where} is not a JSON object.")
    return data


def dig(data: Any, path: str, where: str) -> Any:
    """data[a][b]… for path "a.b…"; PageChanged naming the first key that is missing. A key
    that is present but null gives None."""
    node = data
    walked: list[str] = []
    for key in path.split("."):
        walked.append(key)
        if not isinstance(node, dict) or key not in node:
            raise PageChanged(f"{where} has no {'.'.join(walked)}: IMDb changed its pages.")
        node = node[key]
        if node is None:
            return None
    return node


def find_key(data: Any, key: str, depth: int = 8) -> Any:
    """The first value under `key` anywhere in data (depth-first, bounded)."""
    if depth < 0:
        return None
    if isinstance(data, dict):
        if key in data:
            return data[key]
        values: list[Any] = list(data.values())
    elif isinstance(data, list):
        values = data
    else:
        return None
    for value in values:
        if (found := find_key(value, key, depth - 1)) is not None:
            return found
    return None


def page_result(
    html: str, target: Target, route: str, skipped: list[tuple[str, FetchError]]
) -> FetchResult:
    where = f"IMDb's page {target.path}" + (" (in a browser)" if route == "browser" else "")
    data = next_data(html, where)
    page_props = dig(data, "props.pageProps", where)
    if data.get("page") == "/_error" or (
        isinstance(page_props, dict) and page_props.get("statusCode") == 404
    ):
        raise target.missing()
    name = target.default_name
    if target.kind in ("list", "watchlist"):
        field = "list" if target.kind == "list" else "predefinedList"
        root = dig(data, f"props.pageProps.mainColumnData.{field}", where)
        if root is None:
            raise target.missing_or_private()
        path = f"props.pageProps.mainColumnData.{field}.titleListItemSearch"
        search = dig(data, path, where)
        edges = dig(search, "edges", f"{where} ({path})")
        nodes = [edge.get("listItem") if isinstance(edge, dict) else None for edge in edges or []]
        inner = f"{path}.edges[].listItem"
        if target.kind == "list":
            name = list_name(root) or name
    elif target.ident == "boxoffice":
        # Not in SOURCES.md: the chart is looked for under its API name anywhere in the data.
        chart = find_key(dig(data, "props.pageProps", where), "boxOfficeWeekendChart")
        entries = chart.get("entries") if isinstance(chart, dict) else None
        if not isinstance(entries, list) or not entries:
            raise PageChanged(f"{where} has no boxOfficeWeekendChart.entries: IMDb changed it.")
        nodes = [e.get("title") if isinstance(e, dict) else None for e in entries]
        search = {"total": len(nodes)}
        inner = "boxOfficeWeekendChart.entries[].title"
    else:
        path = "props.pageProps.pageData.chartTitles"
        search = dig(data, path, where)
        edges = dig(search, "edges", f"{where} ({path})")
        nodes = [edge.get("node") if isinstance(edge, dict) else None for edge in edges or []]
        inner = f"{path}.edges[].node"
        if not nodes:
            raise PageChanged(f"{where} holds no titles under {inner}: IMDb changed its pages.")
    total = search.get("total") if isinstance(search, dict) else None
    items = Items(where, inner)
    items.add(nodes)
    result = items.result(name, route, total=total if isinstance(total, int) else None)
    if not isinstance(total, int):
        result.complete = False
        result.warnings.insert(
            0,
            f"{where} does not say how many titles the list has, so the {items.read} read "
            "may be only part of it.",
        )
    elif total > items.read:
        result.complete = False
        result.warnings.insert(
            0,
            f"Only the first {items.read} of {total} titles could be read: IMDb's page holds "
            "only its first page of titles, and its API could not be used.",
        )
    result.warnings[:0] = [f"{what} was skipped: {exc}" for what, exc in skipped]
    return result


# ---- items ---------------------------------------------------------------------------------


class Items:
    """Title nodes ({id, titleText{text}, titleType{id}, releaseYear{year}}) as Items: movies
    and series kept, episodes, games and the like counted and left out."""

    def __init__(self, where: str, path: str) -> None:
        self.where = where
        self.path = path
        self.items: list[Item] = []
        self.ids: set[str] = set()
        self.read = 0  # nodes seen, kept or not
        self.dropped: Counter[str] = Counter()
        self.unreadable = 0
        self.untyped = 0

    def add(self, nodes: list[Any]) -> None:
        for node in nodes:
            self.read += 1
            imdb_id = node.get("id") if isinstance(node, dict) else None
            if not isinstance(imdb_id, str) or not TITLE_ID.fullmatch(imdb_id):
                self.unreadable += 1
                continue
            assert isinstance(node, dict)
            kind = inner(node, "titleType", "id")
            media_type: MediaType | None
            if kind in MOVIE_TYPES:
                media_type = "movie"
            elif kind in TV_TYPES:
                media_type = "tv"
            elif isinstance(kind, str) and kind:
                self.dropped[kind] += 1
                continue
            else:
                media_type = None
                self.untyped += 1
            if imdb_id in self.ids:
                continue
            self.ids.add(imdb_id)
            year = inner(node, "releaseYear", "year")
            title = inner(node, "titleText", "text")
            self.items.append(
                Item(
                    title=title.strip() if isinstance(title, str) else "",
                    year=year if isinstance(year, int) and not isinstance(year, bool) else None,
                    media_type=media_type,
                    imdb_id=imdb_id,
                    source_id=imdb_id,
                )
            )

    def result(self, name: str, route: str, *, total: int | None) -> FetchResult:
        if self.read and self.unreadable == self.read:
            raise PageChanged(
                f"{self.where} lists {self.read} entries but none has {self.path}.id (a tt… "
                "id): IMDb changed its format."
            )
        if not self.read and total:
            raise PageChanged(
                f"{self.where} says the list has {total} titles but holds none under "
                f"{self.path}: IMDb changed its format."
            )
        warnings = []
        if self.dropped:
            kinds = ", ".join(
                f"{count} {DROPPED_NAMES.get(kind, (kind, kind))[count != 1]}"
                for kind, count in self.dropped.most_common()
            )
            count = sum(self.dropped.values())
            warnings.append(
                f"{count} {'entry' if count == 1 else 'entries'} neither film nor series "
                f"left out: {kinds}."
            )
        if self.unreadable:
            warnings.append(f"{self.unreadable} entries without an IMDb title id were left out.")
        if self.untyped:
            warnings.append(f"{self.untyped} entries have no title type: kept, as film or series.")
        return FetchResult(name=name, items=self.items, route=route, warnings=warnings)


# ---- when every route failed ---------------------------------------------------------------


def describe(skipped: list[tuple[str, FetchError]]) -> str:
    return "; ".join(f"{what}: {exc}" for what, exc in skipped)


def combined(exc: FetchError, skipped: list[tuple[str, FetchError]]) -> FetchError:
    """`exc` with what the earlier routes met added to its message, same class."""
    if not skipped or isinstance(exc, ListUnavailable):
        return exc
    message = f"{exc} (before that, {describe(skipped)})"
    return rebuild(exc, message)


def rebuild(exc: FetchError, message: str) -> FetchError:
    if isinstance(exc, (Blocked, RateLimited)):
        return type(exc)(message)
    return type(exc)(message, retryable=exc.retryable)


def most_telling(target: Target, skipped: list[tuple[str, FetchError]]) -> FetchError:
    """One error for every route having failed: a changed page says most, then a challenge,
    then a rate limit, then whatever else (a network failure)."""
    for kind in (PageChanged, Blocked, RateLimited):
        if any(isinstance(exc, kind) for _, exc in skipped):
            chosen: FetchError = next(exc for _, exc in skipped if isinstance(exc, kind))
            break
    else:
        chosen = skipped[-1][1]
    advice = {
        Blocked: " IMDb is challenging ListSync as a bot (AWS WAF); it will try again later.",
        RateLimited: " IMDb asks for fewer requests; ListSync will try again later.",
    }.get(type(chosen), "")
    message = f"{capital(target.what)} could not be read. {describe(skipped)}.{advice}"
    return rebuild(chosen, message)
