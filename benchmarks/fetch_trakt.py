"""Trakt (and MDBList) fetch benchmark: a 1,000-item list from a local stand-in of the API, with a
fixed latency added to every answer, fetched with a fresh FetchContext.

    .venv/bin/python benchmarks/fetch_trakt.py [--latency-ms 30]

Trakt: 4 pages of 250 and the list's record. The first page is read alone (it says how many
pages there are); the other pages and the record are then read at once, so the floor is
2 x latency. MDBList: the public JSON gives the whole list in one call, so its floor is 1 x
latency. No browser is started. Also measured: items per second read from one in-memory page
(JSON decoding and item building, no HTTP).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ITEMS = 1000


def run(latency: float) -> dict[str, Any]:
    """Fetch a 1,000-item Trakt list once. Sets Django up if nobody did."""
    setup_django()
    from django.test import override_settings

    from providers.context import FetchContext
    from providers.trakt import Trakt
    from tests.trakt_site import CLIENT_ID, FakeTrakt, list_entries

    site = FakeTrakt(latency)
    site.paged["/users/bench/lists/thousand/items"] = list_entries(ITEMS)
    provider = Trakt()
    with (
        site,
        override_settings(LISTSYNC_TRAKT_API_URL=site.url, LISTSYNC_TRAKT_CLIENT_ID=CLIENT_ID),
    ):
        context = FetchContext()
        try:
            ref = provider.parse("https://trakt.tv/users/bench/lists/thousand")
            assert ref is not None
            start = time.perf_counter()
            result = provider.fetch(ref, context)
            wall = time.perf_counter() - start
        finally:
            context.close()
    return {
        "source": "trakt",
        "items": len(result.items),
        "seconds": round(wall, 4),
        "requests": context.requests_made,
        "browser": context.browser_starts > 0,
        "parse_items_per_s": trakt_parse_rate(),
    }


def run_mdblist(latency: float) -> dict[str, Any]:
    """Fetch a 1,000-item MDBList list once through the public JSON (no API key)."""
    setup_django()
    from django.test import override_settings

    from providers.context import FetchContext
    from providers.mdblist import Mdblist
    from tests.mdblist_site import FakeMdblist, entry

    site = FakeMdblist(latency)
    site.lists[("bench", "thousand")] = [entry(n) for n in range(1, ITEMS + 1)]
    provider = Mdblist()
    with (
        site,
        override_settings(
            LISTSYNC_MDBLIST_BASE_URL=site.url,
            LISTSYNC_MDBLIST_API_URL=site.url,
            LISTSYNC_MDBLIST_API_KEY="",
        ),
    ):
        context = FetchContext()
        try:
            ref = provider.parse("https://mdblist.com/lists/bench/thousand")
            assert ref is not None
            start = time.perf_counter()
            result = provider.fetch(ref, context)
            wall = time.perf_counter() - start
        finally:
            context.close()
    return {
        "source": "mdblist",
        "route": result.route,
        "items": len(result.items),
        "seconds": round(wall, 4),
        "requests": context.requests_made,
        "browser": context.browser_starts > 0,
        "parse_items_per_s": mdblist_parse_rate(),
    }


def trakt_parse_rate(rounds: int = 40) -> int:
    """Items per second from one 250-entry API page in memory: JSON decoding and items."""
    from providers.trakt import read_entries
    from tests.trakt_site import list_entries

    page = json.dumps(list_entries(250)).encode()
    start = time.perf_counter()
    for _ in range(rounds):
        items, _ = read_entries(json.loads(page), None)
    return round(rounds * len(items) / (time.perf_counter() - start))


def mdblist_parse_rate(rounds: int = 20) -> int:
    from providers.mdblist import read_entries
    from tests.mdblist_site import entry

    page = json.dumps([entry(n) for n in range(1, ITEMS + 1)]).encode()
    start = time.perf_counter()
    for _ in range(rounds):
        items, _ = read_entries(json.loads(page))
    return round(rounds * len(items) / (time.perf_counter() - start))


def setup_django() -> None:
    from django.apps import apps

    if apps.ready:
        return
    os.environ.setdefault("LISTSYNC_DATA_DIR", tempfile.mkdtemp(prefix="listsync-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "listsync.settings")
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=30.0)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    print(run(latency))
    print(run_mdblist(latency))


if __name__ == "__main__":
    main()
