"""Memory benchmark: what ListSync as it runs (gunicorn with 2 workers plus the django-q2
worker, started by scripts/serve) holds in memory, idle and during a sync of 1,000 new titles.

    .venv/bin/python benchmarks/memory_benchmark.py [--titles 1000] [--latency-ms 20]

Memory is the proportional set size (PSS) summed over every process of the tree, so pages the
processes share are counted once; RSS summed (which counts them again in each process) is
printed beside it. Also counts Chromium processes while the sync runs: the lists here need no
browser, so there must be none. Target: ≤ 300 MB idle.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        children.setdefault(int(fields["PPid"].strip()), []).append(int(fields["Pid"].strip()))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def memory_mb(pids: list[int]) -> tuple[float, float]:
    """(PSS, RSS) in MB summed over `pids`."""
    pss = rss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
        except OSError:
            continue
    return pss / 1024, rss / 1024


def chromium_count(pids: list[int]) -> int:
    count = 0
    for pid in pids:
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        count += "chrom" in name
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--titles", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "listsync.settings")
    os.environ["LISTSYNC_DATA_DIR"] = tempfile.mkdtemp(prefix="listsync-mem-bench-")
    import django

    django.setup()
    from syncing.sandbox import SandboxServer, synthetic_catalogue
    from tests.live_app import LiveApp

    data_dir = Path(tempfile.mkdtemp(prefix="listsync-mem-"))
    items = data_dir / "items.txt"
    items.write_text("\n".join(f"tmdb:movie:{8_000_000 + n}" for n in range(args.titles)))
    catalogue = synthetic_catalogue(args.titles, 0)
    with (
        SandboxServer(catalogue, latency=args.latency_ms / 1000) as server,
        LiveApp(
            data_dir,
            LISTSYNC_SERVER_URL=server.url,
            LISTSYNC_SERVER_API_KEY="sandbox-key",
            LISTSYNC_WEB_WORKERS="2",
        ) as app,
    ):
        app.manage("addlist", "manual", "--name", "Bench", "--items-file", str(items))
        assert app.process is not None
        time.sleep(3)  # let the processes settle after start (a benchmark, not a test)
        idle_pss, idle_rss = memory_mb(tree(app.process.pid))
        count = len(tree(app.process.pid))
        print(f"processes: {count} (scripts/serve, gunicorn and 2 workers, the django-q2 cluster)")
        print(f"idle:        PSS {idle_pss:6.1f} MB   RSS {idle_rss:6.1f} MB   (target PSS ≤ 300)")

        app.manage(
            "shell", "-c", "from syncing.jobs import enqueue_sync; enqueue_sync(trigger='cli')"
        )
        peak_pss = peak_rss = 0.0
        browsers = 0
        started = time.monotonic()
        database = sqlite3.connect(data_dir / "listsync.sqlite3")
        state = None
        while state not in ("succeeded", "failed", "cancelled", "interrupted"):
            pids = tree(app.process.pid)
            pss, rss = memory_mb(pids)
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
            browsers = max(browsers, chromium_count(pids))
            row = database.execute("SELECT state FROM syncing_syncrun ORDER BY id DESC").fetchone()
            state = row[0] if row else None
            assert time.monotonic() - started < 600, "the sync did not finish in 10 minutes"
            time.sleep(0.2)
        took = time.monotonic() - started
        print(
            f"during sync: PSS {peak_pss:6.1f} MB   RSS {peak_rss:6.1f} MB   (peak; "
            f"{args.titles} titles, {took:.1f} s, state {state})"
        )
        print(f"Chromium processes during the sync: {browsers}")
        print(f"requests made: {len(server.requests_created())}")


if __name__ == "__main__":
    main()
