"""Letterboxd lists and watchlists, read from the site's HTML (there is no public API).

A list is paged (`…/page/<n>/`, 100 films a page; watchlists 28); every page is read by
following `div.pagination a.next`. List pages carry no IMDb or TMDB id: each film's own page
(`/film/<slug>/`) has them on `<body data-tmdb-id data-tmdb-type>` and in its IMDb link, so
they are read once per film and kept in the context's cache for good.

Since early 2026 Cloudflare answers plain HTTP clients with a challenge. The fetch starts with
plain HTTP and, at the first challenge (see `cloudflare_refusal`), reads the rest of that
fetch's pages, list and film pages alike, through the context's one real browser.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
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
)
from providers.browser import Browser
from providers.context import FetchContext

SOURCE = "letterboxd"
CANONICAL = "https://letterboxd.com"
SITE_HOSTS = frozenset({"letterboxd.com", "www.letterboxd.com"})
SHORT_HOST = "boxd.it"

# Seconds between two calls to Letterboxd (plain HTTP: end to start, through the context's
# per-host pacing; browser loads: start to start). Tests set it to 0.
PAUSE = 0.5
# Where boxd.it short links are resolved: a module constant, so tests can point it at a local
# server (there is no setting for it; the pasted link keeps its real host).
BOXD_IT_BASE = "https://boxd.it"
# How long the browser may take to clear Cloudflare's check and show a page.
BROWSER_TIMEOUT = 20.0
# What the browser waits for: the footer closes every Letterboxd page (list and film pages
# alike) and is not on Cloudflare's challenge page, so once it is there the posters are too.
READY = "footer#page-footer"
# A fetch stops after this many pages (a loop guard: 2,000 pages is 200,000 films).
MAX_PAGES = 2000
# Film pages in a row that may fail (not counting 404s) before the rest are left for later.
FILM_FAILURES_IN_A_ROW = 3

# First path segments that are Letterboxd's own pages, never a member's name.
RESERVED = frozenset(
    {
        "about",
        "activity",
        "actor",
        "ajax",
        "api",
        "apps",
        "backers",
        "cast",
        "cinematography",
        "contact",
        "create-account",
        "crew",
        "decade",
        "director",
        "editor",
        "esi",
        "faq",
        "film",
        "films",
        "genre",
        "gift-guide",
        "hq",
        "imdb",
        "journal",
        "jobs",
        "language",
        "legal",
        "list",
        "lists",
        "members",
        "news",
        "partners",
        "patron",
        "people",
        "podcast",
        "pro",
        "producer",
        "reviews",
        "s",
        "search",
        "settings",
        "showdown",
        "sign-in",
        "signin",
        "studio",
        "tag",
        "tags",
        "tmdb",
        "upgrade",
        "welcome",
        "watchlist",
        "writer",
        "year",
        "year-in-review",
    }
)
USER = re.compile(r"[a-z0-9_]{1,40}")
SLUG = re.compile(r"[a-z0-9%][a-z0-9_.%-]{0,199}")
SHORT_CODE = re.compile(r"[A-Za-z0-9]{1,16}")
TITLE_YEAR = re.compile(r"(.+?)\s+\((\d{4})\)")
IMDB_TITLE = re.compile(r"imdb\.com/title/(tt\d{7,10})", re.I)
TMDB_LINK = re.compile(r"themoviedb\.org/(movie|tv)/(\d+)", re.I)
FILM_LINK = re.compile(r"/film/([^/?#]+)/?")
FILM_COUNT = re.compile(r"\bA list of ([\d,]+) films?\b", re.I)

# Cloudflare's challenge page ("Just a moment..."): its title, and the script and form only that
# page carries. The title alone could be a list's name; `/cdn-cgi/challenge-platform/scripts/`
# (bot-detection script Cloudflare adds to real pages) is deliberately not among the markers.
CHALLENGE_TITLE = re.compile(r"<title>\s*just a moment(?:\.\.\.|…)\s*</title>", re.I)
CHALLENGE_MARKERS = (
    "window._cf_chl_opt",
    "/cdn-cgi/challenge-platform/h/",
    'id="challenge-form"',
    "challenges.cloudflare.com/turnstile/",
)


class Letterboxd:
    source = SOURCE
    label = "Letterboxd"
    accepted_forms = (
        "https://letterboxd.com/<user>/list/<slug>/ (any page, sort or detail view of it), "
        "https://letterboxd.com/<user>/watchlist/ or a https://boxd.it/<code> short link"
    )

    # ---- parse -------------------------------------------------------------------------------

    def parse(self, text: str) -> ListRef | None:
        text = text.strip()
        if re.match(r"(?:www\.)?letterboxd\.com(?:[/?#]|$)|boxd\.it(?:[/?#]|$)", text, re.I):
            text = "https://" + text  # pasted without the scheme
        try:
            parts = urlsplit(text)
        except ValueError:
            return None  # not a URL at all (e.g. a broken IPv6 host)
        host = (parts.hostname or "").lower().rstrip(".")
        if parts.scheme.lower() not in ("http", "https") or (
            host not in SITE_HOSTS and host != SHORT_HOST
        ):
            return None
        segments = [s for s in parts.path.split("/") if s]
        if host == SHORT_HOST:
            if len(segments) != 1 or not SHORT_CODE.fullmatch(segments[0]):
                raise self.error(text, "a boxd.it short link is https://boxd.it/<code>")
            return short_ref(segments[0])
        return self.parse_site_path(text, [s.lower() for s in segments])

    def parse_site_path(self, text: str, segments: list[str]) -> ListRef:
        if not segments:
            raise self.error(text, "that is Letterboxd's home page, not a list")
        user = segments[0]
        if user in RESERVED:
            what = "a film's page" if user == "film" else f"Letterboxd's /{user}/ page"
            raise self.error(text, f"that is {what}, not a member's list")
        user = unquote(user)
        if not USER.fullmatch(user):
            raise self.error(text, f"{user[:40]!r} is not a Letterboxd member name")
        kind = segments[1] if len(segments) > 1 else ""
        if kind == "watchlist":
            return watchlist_ref(user)
        if kind == "list":
            # Anything after the slug (page/<n>, by/<sort>, detail, share, filters) is a view of
            # the same list: the list is followed whole, in its own order.
            if len(segments) < 3:
                raise self.error(text, "the list's name (its slug) is missing after /list/")
            if not SLUG.fullmatch(segments[2]):
                raise self.error(text, f"{segments[2][:60]!r} is not a list slug")
            return list_ref(user, segments[2])
        if kind == "lists":
            raise self.error(text, f"that is the index of {user}'s lists: open one and paste it")
        raise self.error(text, f"that is a page of {user}'s profile, not a list or watchlist")

    def error(self, text: str, problem: str) -> ListInputError:
        return ListInputError(
            f"{text[:200]!r}: {problem}. Letterboxd accepts {self.accepted_forms}."
        )

    # ---- fetch -------------------------------------------------------------------------------

    def fetch(self, ref: ListRef, context: FetchContext) -> FetchResult:
        reader = PageReader(context, settings.LISTSYNC_LETTERBOXD_BASE_URL)
        warnings: list[str] = []
        if ref.key.startswith(SHORT_HOST + "/"):
            ref = self.resolve_short_link(ref, reader)
        pages = read_all_pages(ref, reader, warnings)
        entries = pages.entries
        complete = pages.complete
        ids, id_warnings = film_ids(entries, reader)
        warnings += id_warnings
        items = [to_item(entry, ids.get(entry.slug)) for entry in entries]
        if pages.count is not None and len(items) < pages.count:
            warnings.append(
                f"The list says it has {pages.count} films but {len(items)} were read "
                "(Letterboxd may hide some titles from visitors who are not signed in)."
            )
        return FetchResult(
            name=pages.name or ref.key,
            items=items,
            route="browser" if reader.via_browser else "html",
            complete=complete,
            warnings=warnings,
        )

    def resolve_short_link(self, ref: ListRef, reader: PageReader) -> ListRef:
        """The list a boxd.it link leads to: its redirect's Location, accepted only when it is
        a list or watchlist on letterboxd.com."""
        code = ref.key.split("/", 1)[1]
        url = f"{BOXD_IT_BASE.rstrip('/')}/{code}"
        try:
            response = reader.context.get(url, pause=PAUSE, allow_redirects=False)
        except http.HttpError as exc:
            raise http_failure(exc, f"The short link {ref.url}") from exc
        location = response.headers.get("Location", "")
        if response.status_code in (301, 302, 303, 307, 308) and location:
            try:
                target = self.parse(location) if location.startswith(("http:", "https:")) else None
            except ListInputError:
                target = None
            if target is None or target.key.startswith(SHORT_HOST + "/"):
                raise ListUnavailable(
                    f"The short link {ref.url} leads to {location[:200]}, which is not a "
                    "Letterboxd list or watchlist: paste the list's own address."
                )
            return target
        if response.status_code in (404, 410):
            raise ListUnavailable(f"The short link {ref.url} does not exist (HTTP 404).")
        if cloudflare_refusal(response.status_code, response.headers, decode(response)):
            raise Blocked(
                f"boxd.it answered {ref.url} with a Cloudflare check: paste the list's full "
                "letterboxd.com address instead."
            )
        raise FetchError(
            f"The short link {ref.url} answered HTTP {response.status_code} without leading "
            "to a list: paste the list's full letterboxd.com address.",
            retryable=response.status_code >= 500,
        )


def list_ref(user: str, slug: str) -> ListRef:
    return ListRef(SOURCE, f"{user}/list/{slug}", f"{CANONICAL}/{user}/list/{slug}/")


def watchlist_ref(user: str) -> ListRef:
    return ListRef(SOURCE, f"{user}/watchlist", f"{CANONICAL}/{user}/watchlist/")


def short_ref(code: str) -> ListRef:
    return ListRef(SOURCE, f"{SHORT_HOST}/{code}", f"https://{SHORT_HOST}/{code}")


# ---- pages: plain HTTP, then the browser ----------------------------------------------------


def cloudflare_refusal(status: int, headers: Mapping[str, str], body: str) -> str | None:
    """Why a real browser is needed for this answer, or None when it is the site's own.

    - `cf-mitigated: challenge`: the header Cloudflare documents for every challenge answer;
    - the challenge page itself whatever the status (403, 503 or 200): the title
      "Just a moment..." *and* one of the challenge's own script or form markers;
    - a 403 that Cloudflare itself gave (Server: cloudflare / a CF-RAY header) without a
      challenge: its block for plain clients, which a real browser gets past.
    """
    if headers.get("cf-mitigated", "").strip().lower() == "challenge":
        return "a Cloudflare challenge (cf-mitigated: challenge)"
    if is_challenge_page(body):
        return "Cloudflare's 'Just a moment...' challenge page"
    from_cloudflare = headers.get("Server", "").lower() == "cloudflare" or "CF-RAY" in headers
    if status == 403 and from_cloudflare:
        return "a Cloudflare 403 for plain HTTP clients"
    return None


def is_challenge_page(body: str) -> bool:
    return bool(CHALLENGE_TITLE.search(body)) and any(m in body for m in CHALLENGE_MARKERS)


def decode(response: requests.Response) -> str:
    """The body as text: the charset the headers name, else UTF-8 (what HTML5 defaults to and
    Letterboxd uses), never requests' ISO-8859-1 guess for text/html without a charset."""
    if "charset=" in response.headers.get("Content-Type", "").lower() and response.encoding:
        try:
            return response.content.decode(response.encoding, errors="replace")
        except LookupError:
            pass
    return response.content.decode("utf-8", errors="replace")


def http_failure(exc: http.HttpError, what: str) -> FetchError:
    if exc.status == 429:
        return RateLimited(f"{what}: Letterboxd says too many requests (HTTP 429); try later.")
    return FetchError(f"{what} could not be read: {exc}", retryable=exc.retryable)


@dataclass
class Page:
    status: int | None  # None when the browser could not tell
    html: str
    url: str


class PageReader:
    """One fetch's way to Letterboxd pages: plain HTTP until Cloudflare refuses it, then the
    context's browser for everything that is left.

    In the browser, the first page is a full navigation (SeleniumBase's undetected mode, which
    clears Cloudflare's check but costs some 2.5 s a page). Once the browser shows a page of
    that origin, later pages are read with a same-origin fetch() inside it: the request carries
    the clearance cookie and the browser's own fingerprint, as Letterboxd's own scripts' do, and
    costs one round trip. An answer to that fetch that is challenged falls back to navigating."""

    def __init__(self, context: FetchContext, base_url: str) -> None:
        self.context = context
        self.base = base_url.rstrip("/")
        self.via_browser = False
        self.last_browser_load = 0.0
        self.browser_origin: str | None = None  # the origin of the page the browser shows

    def get(self, path: str) -> Page:
        url = self.base + path
        if not self.via_browser:
            response = self.context.get(url, pause=PAUSE)  # HttpError when retries run out
            html = decode(response)
            if cloudflare_refusal(response.status_code, response.headers, html) is None:
                return Page(response.status_code, html, url)
            self.via_browser = True
        return self.browser_get(url)

    def browser_get(self, url: str) -> Page:
        beat = getattr(self.context, "on_call", None)
        if beat is not None and threading.get_ident() == getattr(self.context, "owner", None):
            beat()  # a sync's heartbeat (and cancellation) also runs through browser loads
        wait = self.last_browser_load + PAUSE - time.monotonic()
        if wait > 0:
            time.sleep(wait)  # the site's own pace, not a test wait
        self.last_browser_load = time.monotonic()
        browser = self.context.browser  # FetchError when Chromium will not start
        if self.browser_origin == origin(url):
            page = self.in_page_fetch(browser, url)
            if page is not None:
                return page
        try:
            html = browser.page_source(url, ready=READY, timeout=BROWSER_TIMEOUT)
        except FetchError:
            raise
        except Exception as exc:  # WebDriver errors: the browser crashed or hung
            raise FetchError(
                f"The browser could not load {url}: {str(exc)[:200]}", retryable=True
            ) from exc
        if is_challenge_page(html):
            self.browser_origin = None
            raise Blocked(
                f"Letterboxd's Cloudflare check did not clear in a real browser within "
                f"{BROWSER_TIMEOUT:g} s ({url}): try again later."
            )
        self.browser_origin = origin(browser.current_url or url)
        return Page(browser.navigation_status(), html, url)

    def in_page_fetch(self, browser: Browser, url: str) -> Page | None:
        """`url` fetched from inside the page the browser shows; None when that did not work
        or Cloudflare stood in the way (the caller then navigates)."""
        try:
            status, body, headers = browser.fetch_in_page(url, timeout=BROWSER_TIMEOUT)
        except Exception:  # no such page any more, a script timeout, an odd answer
            self.browser_origin = None
            return None
        if not status or cloudflare_refusal(status, headers, body):
            self.browser_origin = None
            return None
        return Page(status, str(body), url)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


# ---- reading the HTML --------------------------------------------------------------------------


@dataclass
class Entry:
    """One film as a list page shows it."""

    position: int
    slug: str
    title: str = ""
    year: int | None = None
    film_id: int | None = None
    kind: str = ""  # Letterboxd's own type ("film"; TV series are "film"s there too)


@dataclass
class ParsedPage:
    name: str = ""
    og_url: str = ""
    entries: list[Entry] = field(default_factory=list)
    posters: list[dict[str, str]] = field(default_factory=list)  # every poster, anywhere
    next_href: str | None = None
    count: int | None = None
    body: dict[str, str] = field(default_factory=dict)
    imdb_ids: list[str] = field(default_factory=list)
    tmdb_links: list[tuple[str, str]] = field(default_factory=list)


class _PageParser(HTMLParser):
    """One pass over a Letterboxd page with the standard library's tolerant parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()
        self.og_title = ""
        self.title_text: list[str] = []
        self.h1_text: list[str] | None = None
        self.h1 = ""
        self.in_title = False
        self.frame_title: list[str] | None = None
        self.div_depth = 0
        self.pagination_depth: int | None = None
        self.aside_depth = 0
        self.li_stack: list[dict[str, Any]] = []  # {"kind", "entry", "skip"}
        self.ul_stack: list[bool] = []  # whether the ul is an overlapped list-stack preview
        self.description = ""

    # tags
    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attr_list}
        classes = set(attrs.get("class", "").split())
        if tag == "meta":
            self.meta(attrs)
        elif tag == "title":
            self.in_title = True
        elif tag == "h1" and not self.h1 and classes & {"title-1", "headline-1"}:
            self.h1_text = []
        elif tag == "body":
            self.page.body = attrs
        elif tag == "aside":
            self.aside_depth += 1
        elif tag == "ul":
            self.ul_stack.append("-overlapped" in classes)
        elif tag == "li":
            is_poster = bool(classes & {"posteritem", "griditem", "poster-container"})
            kind = "poster" if is_poster else ""
            skip = self.aside_depth > 0 or any(self.ul_stack)
            self.li_stack.append({"kind": kind, "entry": None, "skip": skip})
        elif tag == "div":
            self.div_depth += 1
            if "pagination" in classes and self.pagination_depth is None:
                self.pagination_depth = self.div_depth
            if "react-component" in classes or "film-poster" in classes:
                self.poster(attrs)
        elif tag == "a":
            self.link(attrs, classes)
        elif tag == "img":
            self.fill_in(attrs.get("alt", "").removeprefix("Poster for "))
        elif tag == "span" and "frame-title" in classes:
            self.frame_title = []
        if "data-num-entries" in attrs and self.page.count is None:
            self.page.count = to_int(attrs["data-num-entries"])
        if "data-original-title" in attrs:
            self.fill_in(attrs["data-original-title"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "h1" and self.h1_text is not None:
            self.h1 = " ".join("".join(self.h1_text).split())
            self.h1_text = None
        elif tag == "span" and self.frame_title is not None:
            self.fill_in("".join(self.frame_title))  # "Title (YYYY)" on older posters
            self.frame_title = None
        elif tag == "aside":
            self.aside_depth = max(0, self.aside_depth - 1)
        elif tag == "ul" and self.ul_stack:
            self.ul_stack.pop()
        elif tag == "li" and self.li_stack:
            self.li_stack.pop()
        elif tag == "div":
            if self.pagination_depth == self.div_depth:
                self.pagination_depth = None
            self.div_depth = max(0, self.div_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_text.append(data)
        if self.h1_text is not None:
            self.h1_text.append(data)
        if self.frame_title is not None:
            self.frame_title.append(data)

    # pieces
    def meta(self, attrs: dict[str, str]) -> None:
        key = attrs.get("property") or attrs.get("name") or ""
        content = attrs.get("content", "")
        if key == "og:title":
            self.og_title = content
        elif key == "og:url":
            self.page.og_url = content
        elif key == "description" and not self.description:
            self.description = content

    def poster(self, attrs: dict[str, str]) -> None:
        slug = attrs.get("data-item-slug") or attrs.get("data-film-slug") or ""
        if not slug:
            link = attrs.get("data-item-link") or attrs.get("data-target-link") or ""
            if match := FILM_LINK.fullmatch(link):
                slug = match.group(1)
        if not slug:
            return
        self.page.posters.append({**attrs, "slug": slug})
        li = self.li_stack[-1] if self.li_stack else None
        if li is None or li["kind"] != "poster" or li["skip"] or li["entry"] is not None:
            return
        name = (
            attrs.get("data-item-full-display-name")
            or attrs.get("data-item-name")
            or attrs.get("data-film-name")
            or ""
        )
        title, year = split_title(name)
        year = year or to_int(attrs.get("data-film-release-year", ""))
        entry = Entry(
            position=len(self.page.entries) + 1,
            slug=slug,
            title=title,
            year=year,
            film_id=to_int(attrs.get("data-film-id", "")),
            kind=postered_type(attrs.get("data-postered-identifier", "")),
        )
        li["entry"] = entry
        self.page.entries.append(entry)

    def fill_in(self, text: str) -> None:
        """Title and year for an older poster whose div did not carry them."""
        if not text or not self.li_stack or self.li_stack[-1]["entry"] is None:
            return
        entry: Entry = self.li_stack[-1]["entry"]
        title, year = split_title(text)
        if not entry.title:
            entry.title = title
        if entry.year is None and year is not None:
            entry.year = year

    def link(self, attrs: dict[str, str], classes: set[str]) -> None:
        href = attrs.get("href", "")
        if self.pagination_depth is not None and "next" in classes and href:
            self.page.next_href = self.page.next_href or href
        if match := IMDB_TITLE.search(href):
            if attrs.get("data-track-action") == "IMDb":
                self.page.imdb_ids.insert(0, match.group(1))
            else:
                self.page.imdb_ids.append(match.group(1))
        if match := TMDB_LINK.search(href):
            self.page.tmdb_links.append((match.group(1).lower(), match.group(2)))

    def result(self) -> ParsedPage:
        page = self.page
        title = " ".join("".join(self.title_text).split())
        page.name = clean_name(self.og_title) or clean_name(self.h1)
        if not page.name and title:
            page.name = clean_name(re.split(r"\s+[•|]\s+", title)[0])
        if page.count is None and (match := FILM_COUNT.search(self.description)):
            page.count = to_int(match.group(1).replace(",", ""))
        return page


def parse_page(html: str) -> ParsedPage:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser.result()


def clean_name(text: str) -> str:
    return " ".join(text.replace("\u200e", "").replace("\u200f", "").split())


def split_title(text: str) -> tuple[str, int | None]:
    """("Title", year) from Letterboxd's "Title (YYYY)"; a name without a year stays whole."""
    text = " ".join(text.split())
    if match := TITLE_YEAR.fullmatch(text):
        return match.group(1), int(match.group(2))
    return text, None


def to_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def postered_type(text: str) -> str:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return ""
    kind = data.get("typeName") or data.get("type") if isinstance(data, dict) else ""
    return kind if isinstance(kind, str) else ""


# ---- the list's pages --------------------------------------------------------------------------


@dataclass
class ListPages:
    name: str
    entries: list[Entry]
    count: int | None
    complete: bool


def list_path(ref: ListRef) -> str:
    return f"/{ref.key}/"


def read_all_pages(ref: ListRef, reader: PageReader, warnings: list[str]) -> ListPages:
    """Every page of the list, page 1 first; a failure after page 1 keeps what was read."""
    base_path = list_path(ref)
    first = read_first_page(ref, reader, base_path)
    entries: list[Entry] = []
    seen: set[str] = set()
    add_entries(first.entries, entries, seen)
    visited = {base_path}
    parsed = first
    number = 1
    complete = True
    while parsed.next_href is not None:
        number += 1
        path = next_path(parsed.next_href, base_path, number)
        if path in visited or number > MAX_PAGES:
            why = "went in circles" if path in visited else f"went past {MAX_PAGES} pages"
            warnings.append(f"Stopped at page {number - 1}: the next-page link {why}.")
            complete = False
            break
        visited.add(path)
        try:
            page = reader.get(path)
            parsed = read_later_page(page, number)
        except (FetchError, http.HttpError) as exc:
            warnings.append(
                f"Only the first {number - 1} pages ({len(entries)} films) could be read: "
                f"page {number} failed: {exc}"
            )
            complete = False
            break
        if not add_entries(parsed.entries, entries, seen):
            warnings.append(f"Page {number} repeated films already read: stopped there.")
            complete = False
            break
    return ListPages(first.name, entries, first.count, complete)


def read_first_page(ref: ListRef, reader: PageReader, path: str) -> ParsedPage:
    what = f"The Letterboxd list {ref.url}"
    try:
        page = reader.get(path)
    except http.HttpError as exc:
        raise http_failure(exc, what) from exc
    if page.status in (404, 410):
        raise ListUnavailable(
            f"{what} does not exist (HTTP {page.status}): it was deleted or made private, or "
            "the address is wrong."
        )
    if page.status == 403:
        raise Blocked(f"Letterboxd refused {what} (HTTP 403): try again later.")
    if page.status is not None and page.status != 200:
        raise FetchError(
            f"{what} answered HTTP {page.status}: try again later.",
            retryable=page.status >= 500 or page.status == 429,
        )
    parsed = parse_page(page.html)
    if not parsed.entries and parsed.count != 0:
        said = f"says it has {parsed.count} films" if parsed.count else "gives no film count"
        raise PageChanged(
            f"{what} {said}, but no film posters were found on it (looked for li.posteritem / "
            "li.griditem holding div.react-component[data-item-slug], and li.poster-container "
            "holding div.film-poster[data-film-slug]): Letterboxd's page changed."
        )
    return parsed


def read_later_page(page: Page, number: int) -> ParsedPage:
    if page.status is not None and page.status != 200:
        raise FetchError(f"HTTP {page.status}")
    parsed = parse_page(page.html)
    if not parsed.entries:
        raise PageChanged(f"no film posters on page {number}: Letterboxd's page changed")
    return parsed


def next_path(href: str, base_path: str, number: int) -> str:
    """The path of the next page: the link's own when it stays within this list, else
    `page/<n>/` (the link's host is never followed)."""
    path = urlsplit(href).path
    if path.startswith(base_path):
        return path if path.endswith("/") else path + "/"
    return f"{base_path}page/{number}/"


def add_entries(new: list[Entry], entries: list[Entry], seen: set[str]) -> int:
    added = 0
    for entry in new:
        if entry.slug in seen:
            continue
        seen.add(entry.slug)
        entry.position = len(entries) + 1
        entries.append(entry)
        added += 1
    return added


# ---- ids from film pages -----------------------------------------------------------------------


@dataclass
class FilmPage:
    slug: str
    title: str = ""
    year: int | None = None
    imdb_id: str | None = None
    tmdb_id: int | None = None
    tmdb_type: MediaType | None = None
    film_id: int | None = None

    def cache_data(self) -> dict[str, Any]:
        return {
            "tmdb_id": self.tmdb_id,
            "tmdb_type": self.tmdb_type,
            "imdb_id": self.imdb_id,
            "title": self.title,
            "year": self.year,
        }


def read_film_page(html: str, slug: str = "") -> FilmPage:
    """The ids and name a film page carries: `<body data-tmdb-id data-tmdb-type>` (else its
    TMDB link) and its IMDb link."""
    parsed = parse_page(html)
    if match := FILM_LINK.search(urlsplit(parsed.og_url).path):
        slug = unquote(match.group(1))
    tmdb_type = media_type(parsed.body.get("data-tmdb-type", ""))
    tmdb_id = to_int(parsed.body.get("data-tmdb-id", ""))
    if tmdb_id is None and parsed.tmdb_links:
        kind, number = parsed.tmdb_links[0]
        tmdb_id, tmdb_type = int(number), media_type(kind)
    title, year = split_title(parsed.name)
    film_id = next(
        (to_int(p.get("data-film-id", "")) for p in parsed.posters if p["slug"] == slug), None
    )
    return FilmPage(
        slug=slug,
        title=title,
        year=year,
        imdb_id=parsed.imdb_ids[0] if parsed.imdb_ids else None,
        tmdb_id=tmdb_id,
        tmdb_type=tmdb_type if tmdb_id else None,
        film_id=film_id,
    )


def media_type(text: str) -> MediaType | None:
    text = text.strip().lower()
    if text == "movie":
        return "movie"
    if text == "tv":
        return "tv"
    return None


def film_ids(
    entries: list[Entry], reader: PageReader
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """slug -> ids for every entry: from the cache, else from the film's page (then cached)."""
    slugs = [e.slug for e in entries]
    known: dict[str, dict[str, Any]] = {}
    for start in range(0, len(slugs), 500):
        found = reader.context.cache.get_many(SOURCE, slugs[start : start + 500])
        known.update({k: v for k, v in found.items() if isinstance(v, dict)})
    failures: list[Entry] = []
    stopped = ""
    in_a_row = 0
    for entry in entries:
        if entry.slug in known:
            continue
        if stopped:
            failures.append(entry)
            continue
        try:
            film = fetch_film(entry.slug, reader)
        except RateLimited as exc:
            failures.append(entry)
            stopped = str(exc)
            continue
        except FetchError as exc:
            failures.append(entry)
            in_a_row += 0 if isinstance(exc, ListUnavailable) else 1
            if in_a_row >= FILM_FAILURES_IN_A_ROW:
                stopped = f"{in_a_row} film pages in a row failed, the last: {exc}"
            continue
        in_a_row = 0
        data = film.cache_data()
        reader.context.cache.put(SOURCE, entry.slug, data)
        known[entry.slug] = data
    warnings = []
    if failures:
        names = ", ".join(
            f"{e.title} ({e.year})" if e.year else e.title or e.slug for e in failures[:10]
        )
        more = f" and {len(failures) - 10} more" if len(failures) > 10 else ""
        warnings.append(
            f"No IMDb/TMDB id for {len(failures)} films, to be matched by title and year: "
            f"{names}{more}."
        )
    if stopped:
        warnings.append(f"Film pages were left for the next sync: {stopped}")
    return known, warnings


def fetch_film(slug: str, reader: PageReader) -> FilmPage:
    what = f"Letterboxd's page for {slug}"
    try:
        page = reader.get(f"/film/{slug}/")
    except http.HttpError as exc:
        raise http_failure(exc, what) from exc
    if page.status in (404, 410):
        raise ListUnavailable(f"{what} does not exist (HTTP {page.status})")
    if page.status is not None and page.status != 200:
        raise FetchError(f"{what} answered HTTP {page.status}")
    film = read_film_page(page.html, slug)
    if film.tmdb_id is None and film.imdb_id is None:
        raise PageChanged(f"{what} has no data-tmdb-id on <body> and no IMDb link")
    return film


def to_item(entry: Entry, ids: dict[str, Any] | None) -> Item:
    ids = ids or {}
    tmdb_id = ids.get("tmdb_id")
    imdb_id = ids.get("imdb_id")
    kind = media_type(str(ids.get("tmdb_type") or ids.get("media_type") or ""))
    year = entry.year if entry.year is not None else ids.get("year")
    return Item(
        title=entry.title or str(ids.get("title") or ""),
        year=year if isinstance(year, int) else None,
        media_type=kind,
        imdb_id=imdb_id if isinstance(imdb_id, str) and imdb_id else None,
        tmdb_id=tmdb_id if isinstance(tmdb_id, int) and tmdb_id > 0 else None,
        source_id=entry.slug,
    )
