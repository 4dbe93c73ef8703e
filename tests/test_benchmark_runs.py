"""The benchmark script keeps working (its figures go in the README), and a sync of new titles
costs two calls each and a re-sync none."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_prints_its_table():
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/sync_benchmark.py",
            "--titles",
            "30",
            "--latency-ms",
            "0",
            "--concurrency",
            "4",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    row = result.stdout.strip().splitlines()[-1].split()
    # concurrency, first, s, floor, s, x floor, titles/s, calls/title, requested, re-sync, s,
    # POSTs, details, calls
    assert row[0] == "4"
    assert row[7] == "2.07"  # 2 per title, plus /status and /auth/me once per run
    assert row[8] == "30"
    assert row[11:14] == ["0", "0", "2"]


def test_web_benchmark_renders_every_page():
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/web_benchmark.py",
            "--titles",
            "300",
            "--outcomes",
            "3000",
            "--repeat",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    table = result.stdout.split("median ms", 1)[1]
    for page in ("dashboard", "titles, page 1", "titles, list filter", "a run", "analytics"):
        assert f"\n{page}" in table, page
    assert table.count("(≤ 100 ms)") == 2  # the two pages with a target say how they did
