"""A local Letterboxd for tests and the benchmark: pages at the real site's paths, and
Cloudflare's challenge for plain HTTP clients when asked to.

tests.servers.StaticSite cannot see request headers, and the challenge depends on who asks:
Cloudflare lets a real browser through and stops scripts. So this server looks at the
User-Agent: a Chrome one (the real Chromium the provider falls back to) gets the real page;
anything else (ListSync's own requests session, or the python-requests probe SeleniumBase's
undetected mode makes before it opens a page) gets the challenge, as from Letterboxd since 2026.

The HTML generators below write pages in the markup of the real captures in
data/fixtures/letterboxd/ (2025+: li.posteritem > div.react-component with data-item-*;
older: li.poster-container > div.film-poster[data-film-slug]) trimmed to what matters.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.servers import LoopbackServer, Page, QuietHandler

FIXTURES = Path(__file__).parent / "data" / "fixtures" / "letterboxd"
CHALLENGE_HEADERS = {
    "cf-mitigated": "challenge",
    "Server": "cloudflare",
    "CF-RAY": "9a1b2c3d4e5f6a7b-FRA",
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def html_page(body: bytes | str, status: int = 200, headers: dict[str, str] | None = None) -> Page:
    data = body.encode() if isinstance(body, str) else body
    return Page(data, status=status, content_type="text/html; charset=utf-8", headers=headers or {})


def challenge_page() -> Page:
    return html_page(fixture("own_cloudflare_challenge.html"), 403, CHALLENGE_HEADERS)


def who(user_agent: str) -> str:
    if "Chrome/" in user_agent and "Mozilla/" in user_agent:
        return "browser"
    if user_agent.startswith("ListSync/"):
        return "listsync"
    if user_agent.startswith("python-requests/"):
        return "python-requests"
    return "other"


@dataclass
class Hit:
    path: str
    client: str  # "listsync", "browser", "python-requests" or "other"
    at: float
    mode: str = ""  # the browser's Sec-Fetch-Mode: "navigate", or "cors" for a fetch()


class LetterboxdSite(LoopbackServer):
    """Serves `pages` (path -> Page or a function of the path); unknown paths answer 404.

    challenge: None (every client gets the page), "plain" (non-browser clients get the
    challenge), "in-page" (so do the browser's fetch() calls: only its navigations pass) or
    "all" (everyone does: a challenge a browser cannot clear either).
    challenge_after: the number of plain requests answered normally before "plain" starts."""

    def __init__(
        self,
        pages: dict[str, Page | Callable[[str], Page | None]] | None = None,
        *,
        challenge: str | None = None,
        challenge_after: int = 0,
        latency: float = 0.0,
    ) -> None:
        self.pages = dict(pages or {})
        self.challenge = challenge
        self.challenge_after = challenge_after
        self.latency = latency
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                client = who(self.headers.get("User-Agent", ""))
                mode = self.headers.get("Sec-Fetch-Mode", "")
                with site.lock:
                    site.hits.append(Hit(self.path, client, time.monotonic(), mode))
                    plain_before = sum(1 for h in site.hits[:-1] if h.client != "browser")
                if site.latency:
                    time.sleep(site.latency)  # the simulated network, not a test wait
                navigating = client == "browser" and mode == "navigate"
                page = site.answer(self.path, client, plain_before, navigating)
                self.reply(page.status, page.body, page.content_type, page.headers)

        self.serve_with(Handler)

    def answer(self, path: str, client: str, plain_before: int, navigating: bool) -> Page:
        plain = client != "browser" and plain_before >= self.challenge_after
        if (
            self.challenge == "all"
            or (self.challenge == "plain" and plain)
            or (self.challenge == "in-page" and (plain or not navigating))
        ):
            return challenge_page()
        entry = self.pages.get(path) or self.pages.get(path.split("?")[0])
        page = entry(path) if callable(entry) else entry
        return page or html_page(fixture("own_not_found.html"), 404)

    def paths(self, client: str, mode: str | None = None) -> list[str]:
        """The paths `client` asked for (by `mode` too, if given), favicon requests left out."""
        return [
            h.path
            for h in self.hits
            if h.client == client and h.path != "/favicon.ico" and mode in (None, h.mode)
        ]


# ---- page generators ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Film:
    slug: str
    title: str
    year: int | None
    film_id: int
    tmdb_id: int
    tmdb_type: str = "movie"
    imdb_id: str | None = None

    @property
    def display(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def poster_li(film: Film, number: int) -> str:
    """A 2025+ list entry, as in the real watchlist capture (li > div.react-component)."""
    ident = f"{{&quot;lid&quot;:&quot;x{film.film_id}&quot;,&quot;uid&quot;:&quot;film:{film.film_id}&quot;,&quot;type&quot;:&quot;film&quot;,&quot;typeName&quot;:&quot;film&quot;}}"  # noqa: E501
    link = f"/film/{film.slug}/"
    return f"""
<li class="posteritem numbered-list-item">
	<div class="react-component" data-component-class="LazyPoster" data-request-poster-metadata="true" data-likeable="true" data-watchable="true" data-image-width="125" data-image-height="187" data-item-name="{esc(film.display)}" data-item-slug="{film.slug}" data-item-link="{link}" data-item-full-display-name="{esc(film.display)}" data-film-id="{film.film_id}" data-postered-identifier="{ident}" data-poster-url="{link}image-150/" data-is-linked="true" data-target-link="{link}" data-details-endpoint="{link}json/" data-show-menu="true"><div class="poster film-poster" data-watched="false"><img src="https://a.ltrbxd.com/resized/film-poster/{film.film_id}-{film.slug}-0-125-0-187-crop.jpg" width="125" height="187" alt="Poster for {esc(film.display)}" class="image" loading="lazy"><a href="{link}" class="frame has-menu" data-original-title="{esc(film.display)}"><span class="frame-title">{esc(film.display)}</span><span class="overlay"></span></a></div></div>
	<p class="list-number">{number}</p>
</li>
"""  # noqa: E501


def old_poster_li(film: Film, number: int, *, with_year: bool) -> str:
    """An entry in the markup Letterboxd used before 2025 (li.poster-container >
    div.film-poster[data-film-slug][data-film-id]); the year was not always on it."""
    year = f' data-film-release-year="{film.year}"' if with_year and film.year else ""
    return f"""
<li class="poster-container numbered-list-item" data-owner-rating="0">
	<div class="really-lazy-load poster film-poster film-poster-{film.film_id} linked-film-poster" data-image-width="125" data-image-height="187" data-film-id="{film.film_id}" data-film-slug="{film.slug}"{year} data-poster-url="/film/{film.slug}/image-150/" data-linked="linked" data-target-link="/film/{film.slug}/" data-show-menu="true">
		<img src="https://s.ltrbxd.com/static/img/empty-poster-125.png" class="image" width="125" height="187" alt="{esc(film.title)}" />
		<span class="frame-title"></span>
	</div>
	<p class="list-number">{number}</p>
</li>
"""  # noqa: E501


def pagination(base: str, page: int, pages: int) -> str:
    if pages <= 1:
        return ""
    newer = (
        f'<a class="previous" href="{base}page/{page - 1}/">Newer</a>'
        if page > 1
        else '<span class="previous">Newer</span>'
    )
    older = f'<a class="next" href="{base}page/{page + 1}/">Older</a>' if page < pages else ""
    numbers = "".join(
        f'<li class="paginate-page paginate-current"><span>{n}</span></li>'
        if n == page
        else f'<li class="paginate-page"><a href="{base}page/{n}/">{n}</a></li>'
        for n in range(1, pages + 1)
    )
    return f"""
<div class="pagination">
	<div class="paginate-nextprev{" paginate-disabled" if page == 1 else ""}">{newer}</div>
	<div class="paginate-nextprev">{older}</div>
	<div class="paginate-pages"><ul>{numbers}</ul></div>
</div>
"""


def list_page(
    user: str,
    slug: str,
    name: str,
    films: list[Film],
    *,
    page: int = 1,
    pages: int = 1,
    total: int | None = None,
    first_number: int = 1,
    markup: str = "2025",
) -> str:
    """One page of a member's list, head to footer, as letterboxd.com serves it."""
    base = f"/{user}/list/{slug}/"
    total = len(films) if total is None else total
    if markup == "2025":
        entries = "".join(poster_li(f, first_number + i) for i, f in enumerate(films))
    else:
        entries = "".join(
            old_poster_li(f, first_number + i, with_year=i % 2 == 0) for i, f in enumerate(films)
        )
    including = ", ".join(f.display for f in films[:3])
    return f"""<!DOCTYPE html>
<html lang="en" class="no-js">
<head>
	<meta charset="UTF-8">
	<title>&lrm;{esc(name)}, a list of films by {user} &bull; Letterboxd</title>
	<meta name="description" content="A list of {total} films compiled on Letterboxd, including {esc(including)}.">
	<meta property="og:url" content="https://letterboxd.com{base}">
	<meta property="og:title" content="{esc(name)}">
	<meta property="og:description" content="A list of {total} films compiled on Letterboxd, including {esc(including)}.">
	<meta property="og:type" content="letterboxd:list">
	<link rel="canonical" href="https://letterboxd.com{base}">
</head>
<body class="list-page lists-page" data-owner="{user}">
<header class="site-header js-hide-in-app" id="header">
	<section><h1 class="site-logo"><a href="/" class="logo replace">Letterboxd — Your life in film</a></h1></section>
</header>
<div id="content" class="site-body">
	<div class="content-wrap">
		<div class="cols-2 overflow">
			<section class="section col-17 col-main">
				<header class="list-title-intro">
					<h1 class="title-1 prettify">{esc(name)}</h1>
				</header>
				<ul class="js-list-entries poster-list -p125 -grid film-list">{entries}</ul>
				{pagination(base, page, pages)}
			</section>
			<aside class="sidebar">
				<section class="section">
					<h2 class="section-heading">More from {user}</h2>
					<ul class="poster-list -overlapped -p70"><li class="posteritem"><div class="react-component" data-component-class="LazyPoster" data-item-slug="not-in-this-list" data-item-link="/film/not-in-this-list/" data-item-full-display-name="Not in This List (1999)" data-film-id="1"></div></li></ul>
				</section>
			</aside>
		</div>
	</div>
</div>
<footer id="page-footer" class="page-footer js-page-footer js-hide-in-app"><div class="content-wrap"><p class="copyright">&copy; Letterboxd Limited.</p></div></footer>
</body>
</html>
"""  # noqa: E501


def film_page(film: Film) -> str:
    """A film's page: <body data-tmdb-id data-tmdb-type>, its poster and the IMDb/TMDB links, as
    in the real film page capture."""
    imdb = (
        f'<a href="http://www.imdb.com/title/{film.imdb_id}/maindetails" class="micro-button '
        'track-event" data-track-action="IMDb" target="_blank">IMDb</a>'
        if film.imdb_id
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en" class="no-js">
<head>
	<meta charset="UTF-8">
	<title>&lrm;{esc(film.display)} directed by Someone &bull; Letterboxd</title>
	<meta property="og:type" content="video.movie">
	<meta property="og:url" content="https://letterboxd.com/film/{film.slug}/">
	<meta property="og:title" content="{esc(film.display)}">
</head>
<body class="film backdropped" data-type="film" data-tmdb-type="{film.tmdb_type}" data-tmdb-id="{film.tmdb_id}">
<div id="content" class="site-body">
	<section class="poster-list -p230 -single no-hover el col">
		<div class="react-component" data-component-class="LazyPoster" data-item-name="{esc(film.display)}" data-item-slug="{film.slug}" data-item-link="/film/{film.slug}/" data-item-full-display-name="{esc(film.display)}" data-film-id="{film.film_id}"></div>
	</section>
	<section class="production-masthead"><h1 class="headline-1 primaryname"><span class="name js-widont prettify">{esc(film.title)}</span></h1></section>
	<p class="text-link text-footer">More at {imdb} <a href="https://www.themoviedb.org/{film.tmdb_type}/{film.tmdb_id}/" class="micro-button track-event" data-track-action="TMDB" target="_blank">TMDB</a></p>
</div>
<footer id="page-footer" class="page-footer js-page-footer js-hide-in-app"></footer>
</body>
</html>
"""  # noqa: E501


def film_pages(films: list[Film]) -> dict[str, Page | Callable[[str], Page | None]]:
    return {f"/film/{f.slug}/": html_page(film_page(f)) for f in films}


def synthetic_films(count: int, start: int = 1) -> list[Film]:
    return [
        Film(
            slug=f"film-{n}",
            title=f"Film {n}",
            year=1950 + n % 75,
            film_id=100_000 + n,
            tmdb_id=500_000 + n,
            tmdb_type="tv" if n % 10 == 0 else "movie",
            imdb_id=f"tt{9_000_000 + n:07d}",
        )
        for n in range(start, start + count)
    ]


def paged_list(
    user: str, slug: str, name: str, films: list[Film], per_page: int
) -> dict[str, Page | Callable[[str], Page | None]]:
    """Every page of a list at its real paths (page 1 at the list's own address)."""
    chunks = [films[i : i + per_page] for i in range(0, len(films), per_page)] or [[]]
    site: dict[str, Page | Callable[[str], Page | None]] = {}
    for number, chunk in enumerate(chunks, 1):
        body = list_page(
            user,
            slug,
            name,
            chunk,
            page=number,
            pages=len(chunks),
            total=len(films),
            first_number=(number - 1) * per_page + 1,
        )
        path = f"/{user}/list/{slug}/" + (f"page/{number}/" if number > 1 else "")
        site[path] = html_page(body)
    return site
