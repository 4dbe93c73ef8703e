"""IMDb fetch benchmark: a 1,000-item list from a local stand-in of IMDb's GraphQL API, with a
fixed latency added to every answer, fetched with a fresh FetchContext.

    .venv/bin/python benchmarks/fetch_imdb.py [--latency-ms 30]

The floor is 4 calls (250 titles each) x latency; no browser is started. Also measured: titles
per second read from one in-memory API page (JSON decoding and item building, no HTTP).
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

LIST_ID = "ls000001000"


def run(latency: float) -> dict[str, Any]:
    """Fetch the 1,000-item list once; Django must be set up (main() does it)."""
    from django.test import override_settings

    from providers.context import FetchContext
    from providers.imdb import Imdb
    from tests.imdb_site import ImdbSite, list_answers, synthetic_titles

    answers = list_answers(LIST_ID, "Benchmark list", synthetic_titles(1000, seed=99))
    site = ImdbSite(latency)
    site.add_paged("list", LIST_ID, answers)
    provider = Imdb()
    with (
        site,
        override_settings(
            LISTSYNC_IMDB_BASE_URL=site.url, LISTSYNC_IMDB_GRAPHQL_URL=site.url + "/"
        ),
    ):
        context = FetchContext()
        try:
            start = time.perf_counter()
            result = provider.fetch(provider.parse(LIST_ID), context)  # type: ignore[arg-type]
            wall = time.perf_counter() - start
        finally:
            context.close()
    return {
        "source": "imdb",
        "items": len(result.items),
        "seconds": round(wall, 4),
        "requests": context.requests_made,
        "browser": context.browser_starts > 0,
        "parse_items_per_s": parse_rate(json.dumps(answers[0]).encode()),
    }


def parse_rate(raw: bytes, budget: float = 0.3) -> int:
    """Titles per second read from one API page held in memory (no HTTP)."""
    from providers.imdb import Items, Target, edge_titles, search_of

    target = Target("list", LIST_ID)
    titles = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < budget or not titles:
        items = Items("benchmark", "list.titleListItemSearch.edges[].title")
        _, search = search_of(json.loads(raw), "list", target, null_is_missing=True)
        items.add(edge_titles(search))
        titles += len(items.items)
    return int(titles / max(time.perf_counter() - start, elapsed, 1e-9))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=30.0)
    args = parser.parse_args()
    os.environ["LISTSYNC_DATA_DIR"] = tempfile.mkdtemp(prefix="listsync-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "listsync.settings")
    import django

    django.setup()
    print(run(args.latency_ms / 1000))


if __name__ == "__main__":
    main()
