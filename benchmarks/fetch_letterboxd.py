"""Letterboxd fetch benchmark: a 10-page list (100 films a page, as letterboxd.com pages lists)
served from a local server with `latency` seconds added to every answer.

    .venv/bin/python benchmarks/fetch_letterboxd.py [--latency 0.03] [--pause S] [--film-pages]

By default the films' ids are in the cache already (the steady state: the slug -> ids cache is
kept for good, so a sync reads only the list's pages). --film-pages also times a first sync in
which all 1,000 film pages are read, on both routes: at the production pause that is some
1,000 x 0.5 s per route, so pair it with a smaller --pause.

via_browser: the server answers plain HTTP clients (ListSync, and the python-requests probe that
SeleniumBase's undetected mode makes before it opens a page) with Cloudflare's challenge (403,
cf-mitigated: challenge) and a Chrome User-Agent with the page; so after one challenged call the
list is read through one real headless Chromium: page 1 by navigating, the rest by fetch() from
inside that page. Letterboxd's politeness pause (providers.letterboxd.PAUSE) stays as in
production unless `pause` says otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = 10
PER_PAGE = 100


def setup_django() -> None:
    os.environ.setdefault("LISTSYNC_DATA_DIR", tempfile.mkdtemp(prefix="listsync-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "listsync.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def parse_rate(html: str, rounds: int = 20) -> float:
    """List-page entries parsed per second, from a page held in memory."""
    from providers.letterboxd import parse_page

    started = time.perf_counter()
    items = 0
    for _ in range(rounds):
        items += len(parse_page(html).entries)
    return items / (time.perf_counter() - started)


def run(
    latency: float,
    via_browser: bool,
    *,
    cached_ids: bool = True,
    pause: float | None = None,
) -> dict[str, object]:
    setup_django()
    from django.conf import settings

    from providers import letterboxd
    from providers.context import FetchContext, MemoryCache
    from tests.letterboxd_site import LetterboxdSite, film_pages, paged_list, synthetic_films

    films = synthetic_films(PAGES * PER_PAGE)
    pages = paged_list("bench", "ten-pages", "Ten pages of films", films, PER_PAGE)
    cache = MemoryCache()
    if cached_ids:
        for film in films:
            data = {"tmdb_id": film.tmdb_id, "tmdb_type": film.tmdb_type, "imdb_id": film.imdb_id}
            cache.put("letterboxd", film.slug, data)
    else:
        pages.update(film_pages(films))
    page_one = pages["/bench/list/ten-pages/"]
    first_html = page_one.body.decode() if not callable(page_one) else ""

    saved_pause, saved_base = letterboxd.PAUSE, settings.LISTSYNC_LETTERBOXD_BASE_URL
    if pause is not None:
        letterboxd.PAUSE = pause
    try:
        challenge = "plain" if via_browser else None
        with LetterboxdSite(pages, challenge=challenge, latency=latency) as site:
            settings.LISTSYNC_LETTERBOXD_BASE_URL = site.url
            ref = letterboxd.Letterboxd().parse("https://letterboxd.com/bench/list/ten-pages/")
            assert ref is not None
            with FetchContext(cache) as context:
                started = time.perf_counter()
                result = letterboxd.Letterboxd().fetch(ref, context)
                wall = time.perf_counter() - started
    finally:
        letterboxd.PAUSE, settings.LISTSYNC_LETTERBOXD_BASE_URL = saved_pause, saved_base
    expected_route = "browser" if via_browser else "html"
    assert result.route == expected_route and result.complete, (result.route, result.warnings)
    assert len(result.items) == len(films) and result.items[-1].tmdb_id == films[-1].tmdb_id
    return {
        "source": "letterboxd",
        "pages": PAGES,
        "items": len(result.items),
        "seconds": round(wall, 3),
        "seconds_per_page": round(wall / PAGES, 3),
        "requests": context.requests_made,
        "browser_starts": context.browser_starts,
        "parse_items_per_s": round(parse_rate(first_html)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--pause", type=float, default=None, help="override the pause")
    parser.add_argument("--film-pages", action="store_true", help="also time a first sync")
    args = parser.parse_args()
    setup_django()
    from providers import letterboxd

    pause = letterboxd.PAUSE if args.pause is None else args.pause
    print(
        f"{PAGES} pages x {PER_PAGE} films, latency {args.latency:g} s per answer, "
        f"pause {pause:g} s between calls to Letterboxd, ids cached"
    )
    for via_browser in (False, True):
        print(run(args.latency, via_browser, pause=pause))
    if args.film_pages:
        print("first sync: every film page read too")
        for via_browser in (False, True):
            print(run(args.latency, via_browser, cached_ids=False, pause=pause))


if __name__ == "__main__":
    main()
