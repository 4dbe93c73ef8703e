"""Sync benchmark: 1,000 new titles across 4 lists against the sandbox with 50 ms per call.

    .venv/bin/python benchmarks/sync_benchmark.py [--titles 1000] [--latency-ms 50]
                                                  [--concurrency 4 8]

A third of the titles is given by TMDB id, a third only by IMDb id, a third by title and year;
half are movies, half shows. Each run uses a fresh database in a temporary folder. The floor is
the time the unavoidable calls take: a new title needs a lookup that returns its status, then
the request, so 2 x titles x latency / concurrency.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--titles", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 8])
    args = parser.parse_args()

    os.environ["LISTSYNC_DATA_DIR"] = tempfile.mkdtemp(prefix="listsync-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "listsync.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    rows = []
    for concurrency in args.concurrency:
        settings.LISTSYNC_CONCURRENCY = concurrency
        call_command("flush", interactive=False, verbosity=0)
        rows.append(measure(args.titles, args.latency_ms / 1000, concurrency))
    print_table(rows, args.titles, args.latency_ms)


def list_lines(titles: int) -> list[str]:
    from syncing.sandbox import synthetic_catalogue

    catalogue = synthetic_catalogue(titles // 2, titles - titles // 2)
    entries = [e for pair in zip(catalogue.movies, catalogue.shows, strict=False) for e in pair]
    entries += catalogue.movies[len(catalogue.shows) :]
    lines = []
    for n, entry in enumerate(entries):
        if n % 3 == 0:
            lines.append(f"tmdb:{entry.media_type}:{entry.tmdb_id}")
        elif n % 3 == 1:
            lines.append(str(entry.imdb_id))
        else:
            lines.append(f"{entry.title} ({entry.year})")
    return lines


def measure(titles: int, latency: float, concurrency: int) -> dict[str, float]:
    from syncing.engine import sync
    from syncing.models import Trigger
    from syncing.sandbox import SandboxServer, synthetic_catalogue
    from tests.factories import connect, manual_list

    lines = list_lines(titles)
    with SandboxServer(synthetic_catalogue(titles // 2, titles - titles // 2)) as server:
        connect(server.url)
        quarter = len(lines) // 4 + 1
        for n in range(4):
            manual_list(*lines[n * quarter : (n + 1) * quarter], name=f"List {n + 1}")
        server.latency = latency

        started = time.perf_counter()
        first = sync(Trigger.CLI)
        first_seconds = time.perf_counter() - started
        first_calls = len(server.calls)
        requested = first.counts.get("requested", 0)

        server.reset_calls()
        started = time.perf_counter()
        second = sync(Trigger.CLI)
        second_seconds = time.perf_counter() - started
        details = server.count(path_prefix="/api/v1/movie/") + server.count(
            path_prefix="/api/v1/tv/"
        )
    assert first.state == second.state == "succeeded", (first.error, second.error)
    floor = 2 * titles * latency / concurrency
    return {
        "concurrency": concurrency,
        "first_s": first_seconds,
        "floor_s": floor,
        "titles_per_s": titles / first_seconds,
        "calls_per_title": first_calls / titles,
        "requested": requested,
        "second_s": second_seconds,
        "second_posts": server.count(method="POST"),
        "second_details": details,
        "second_calls": len(server.calls),
    }


def print_table(rows: list[dict[str, float]], titles: int, latency_ms: float) -> None:
    print(f"{titles} new titles, 4 lists, sandbox latency {latency_ms:g} ms per call")
    header = (
        "concurrency  first sync  floor    x floor  titles/s  calls/title  requested  "
        "re-sync  re-sync POSTs  re-sync details  re-sync calls"
    )
    print(header)
    for r in rows:
        times_floor = f"{r['first_s'] / r['floor_s']:>7.2f}" if r["floor_s"] else "      -"
        print(
            f"{r['concurrency']:>11}  {r['first_s']:>8.1f} s  {r['floor_s']:>5.1f} s  "
            f"{times_floor}  {r['titles_per_s']:>8.1f}  "
            f"{r['calls_per_title']:>11.2f}  {r['requested']:>9}  {r['second_s']:>5.2f} s  "
            f"{r['second_posts']:>13}  {r['second_details']:>15}  {r['second_calls']:>13}"
        )


if __name__ == "__main__":
    main()
