"""A sync killed mid-run is marked interrupted and the next run finishes the work without a
single duplicate request. Real processes, a real SQLite file, the sandbox on loopback."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from syncing.sandbox import SandboxServer, synthetic_catalogue
from tests.live_app import run_manage

ROOT = Path(__file__).resolve().parent.parent


def test_a_killed_sync_resumes_without_duplicate_requests(tmp_path):
    titles = 60
    with SandboxServer(synthetic_catalogue(titles, 0), latency=0.05) as server:
        env = {
            **os.environ,
            "LISTSYNC_DATA_DIR": str(tmp_path),
            "LISTSYNC_SERVER_URL": server.url,
            "LISTSYNC_SERVER_API_KEY": "sandbox-key",
            "LISTSYNC_HTTP_BACKOFF": "0.01",
        }
        assert run_manage(env, "migrate", "-v0").returncode == 0
        items = tmp_path / "items.txt"
        items.write_text("\n".join(f"tmdb:movie:{8_000_000 + n}" for n in range(titles)))
        assert run_manage(env, "addlist", "manual", "--items-file", str(items)).returncode == 0

        crashing = subprocess.Popen(
            [sys.executable, "manage.py", "runsync", "--json"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while len(server.requests_created()) < 10:
            assert time.monotonic() < deadline, "the first sync never got going"
            assert crashing.poll() is None, "the first sync ended before it could be killed"
            time.sleep(0.01)  # polling the sandbox, not waiting for time to pass
        crashing.send_signal(signal.SIGKILL)
        crashing.wait(timeout=30)
        # Calls the killed process had sent are still being answered: let them land first.
        while server.in_flight:
            assert time.monotonic() < deadline, "the sandbox never finished its calls"
            time.sleep(0.01)
        made_before = len(server.requests_created())
        assert made_before < titles

        resumed = run_manage(env, "runsync", "--json")

    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["state"] == "succeeded"
    assert result["counts"].get("requested", 0) == titles - made_before
    assert sum(result["counts"].values()) == titles

    per_title = Counter(c.body["mediaId"] for c in server.requests_created())
    assert len(per_title) == titles and set(per_title.values()) == {1}
    assert server.count(method="POST", status=409) == 0

    with sqlite3.connect(tmp_path / "listsync.sqlite3") as db:
        states = [row[0] for row in db.execute("SELECT state FROM syncing_syncrun ORDER BY id")]
    assert states == ["interrupted", "succeeded"]
