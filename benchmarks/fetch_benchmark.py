"""List-source benchmark: every source fetched from a local server that answers after 30 ms.

    .venv/bin/python benchmarks/fetch_benchmark.py [--latency-ms 30]

Prints one row per source: items, wall time, requests made, whether a browser started, and how
many items per second its parser reads from a page already in memory.
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
sys.path.insert(0, str(ROOT / "benchmarks"))


def stevenlu(latency: float) -> dict[str, Any]:
    from providers import FetchContext, parse_list
    from providers.stevenlu import StevenLu, read_entries
    from tests.servers import Page, StaticSite

    feed = [
        {"title": f"Movie {n}", "imdb_id": f"tt{9000000 + n}", "poster_url": "x"}
        for n in range(1000)
    ]
    body = json.dumps(feed).encode()
    with StaticSite({"/movies.json": Page(body)}, latency=latency) as site:
        from django.conf import settings

        settings.LISTSYNC_STEVENLU_URL = site.url + "/movies.json"
        with FetchContext() as context:
            started = time.perf_counter()
            result = StevenLu().fetch(parse_list("stevenlu"), context)
            seconds = time.perf_counter() - started
    rounds, started = 50, time.perf_counter()
    for _ in range(rounds):
        read_entries(json.loads(body))
    rate = rounds * len(feed) / (time.perf_counter() - started)
    return {
        "source": "stevenlu",
        "items": len(result.items),
        "seconds": seconds,
        "requests": context.requests_made,
        "browser": context.browser_starts > 0,
        "parse_items_per_s": rate,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument(
        "--skip-browser", action="store_true", help="Leave out Letterboxd's browser route."
    )
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    os.environ.setdefault("LISTSYNC_DATA_DIR", tempfile.mkdtemp(prefix="listsync-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "listsync.settings")
    import django

    django.setup()
    import fetch_imdb
    import fetch_letterboxd
    import fetch_trakt

    rows = [
        fetch_imdb.run(latency),
        fetch_trakt.run(latency),
        fetch_trakt.run_mdblist(latency),
        stevenlu(latency),
        fetch_letterboxd.run(latency, via_browser=False),
    ]
    if not args.skip_browser:
        rows.append(fetch_letterboxd.run(latency, via_browser=True))
    print(f"Local server answering after {args.latency_ms:g} ms")
    print("source       route     items  wall s  requests  browser  s/page  parsed items/s")
    for row in rows:
        pages = row.get("pages")
        per_page = f"{row['seconds'] / pages:6.2f}" if pages else "     -"
        route = row.get("route") or ("browser" if row.get("browser_starts") else "http")
        browser = row.get("browser", bool(row.get("browser_starts")))
        print(
            f"{row['source']:<12} {route:<8} {row['items']:>6}  {row['seconds']:6.2f}  "
            f"{row['requests']:>8}  {'yes' if browser else 'no':>7}  {per_page}  "
            f"{row['parse_items_per_s']:>14,.0f}"
        )


if __name__ == "__main__":
    main()
