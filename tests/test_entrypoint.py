"""The container's entry point (scripts/entrypoint) as a process, as Docker would run it: on a
fresh data folder it migrates, creates the secret key and the admin, and turns healthy (database
and worker); a sync runs; SIGTERM stops the web server, the worker and every process they started
within 10 s, the running sync marked interrupted; started again on the same data it finishes the
rest without asking for any title twice. Real processes, the sandbox on loopback."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import requests

from syncing.sandbox import SYNTHETIC_MOVIE_IDS, SandboxServer, synthetic_catalogue
from tests.live_app import free_port, manage

ROOT = Path(__file__).resolve().parent.parent
TITLES = 200
STOP_WITHIN = 10.0  # seconds: Docker's default before it kills


def wait_for(condition: Callable[[], object], what: str, timeout: float) -> object:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)  # polling, not waiting for time to pass
    return result


def process_tree(root: int) -> set[int]:
    """`root` and every process descended from it, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int(stat_fields(int(entry.name))[1])
            except OSError:
                continue  # ended meanwhile
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo.extend(children.get(pid, []))
    return tree


def stat_fields(pid: int) -> list[str]:
    """State, parent pid, … from /proc/PID/stat (the command name may hold spaces)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def running(pid: int) -> bool:
    try:
        return stat_fields(pid)[0] != "Z"  # a zombie has ended; only its exit status is left
    except OSError:
        return False


class Entrypoint:
    """scripts/entrypoint in its own session, stdout and stderr kept apart."""

    def __init__(self, env: dict[str, str], data_dir: Path, name: str) -> None:
        self.env = env
        self.url = f"http://{env['LISTSYNC_BIND']}"
        self.stdout_path = data_dir / f"{name}.stdout"
        self.stderr_path = data_dir / f"{name}.stderr"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                ["scripts/entrypoint"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def healthy(self) -> bool:
        assert self.process.poll() is None, f"the entry point ended:\n{self.log()[-4000:]}"
        try:
            response = requests.get(f"{self.url}/health/", timeout=2)
        except requests.ConnectionError:
            return False
        return response.status_code == 200 and response.json() == {
            "status": "ok",
            "database": "ok",
            "worker": "ok",
        }

    def manage(self, *args: str) -> None:
        manage(self.env, *args)

    def stop(self) -> tuple[float, set[int]]:
        """SIGTERM, as `docker stop` sends; the seconds until the entry point and every process
        under it had ended, and the processes that had been running."""
        tree = process_tree(self.process.pid)
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_WITHIN)
            wait_for(lambda: not any(map(running, tree)), "every process to end", STOP_WITHIN)
        finally:
            for pid in filter(running, tree):  # only when the test has failed already
                os.kill(pid, signal.SIGKILL)
        return time.monotonic() - started, tree


def sync_runs(data_dir: Path) -> list[tuple[str, int, str]]:
    """(state, outcomes so far, error) of every run, oldest first, from the database file."""
    with sqlite3.connect(data_dir / "listsync.sqlite3", timeout=20) as db:
        return db.execute(
            "SELECT state, (SELECT count(*) FROM syncing_outcome o WHERE o.run_id = r.id), error"
            " FROM syncing_syncrun r ORDER BY r.id"
        ).fetchall()


def sync_under_way(data_dir: Path) -> bool:
    runs = sync_runs(data_dir)
    return bool(runs) and runs[-1][0] == "running" and runs[-1][1] >= 10


def sync_finished(data_dir: Path) -> bool:
    return [state for state, _, _ in sync_runs(data_dir)] == ["interrupted", "succeeded"]


ENQUEUE_SYNC = "from syncing.jobs import enqueue_sync; enqueue_sync()"


def test_the_entrypoint_starts_syncs_and_stops_cleanly(tmp_path):
    items = tmp_path / "items.txt"
    items.write_text("\n".join(f"tmdb:movie:{SYNTHETIC_MOVIE_IDS + n}" for n in range(TITLES)))
    # 2 calls a title, 40 ms each, 4 at a time: a sync of about 4 s, time to stop it halfway.
    with SandboxServer(synthetic_catalogue(TITLES, 0), latency=0.04) as server:
        env = {
            **os.environ,
            "LISTSYNC_DATA_DIR": str(tmp_path),
            "LISTSYNC_BIND": f"127.0.0.1:{free_port()}",
            "LISTSYNC_WEB_WORKERS": "1",
            "LISTSYNC_ADMIN_USER": "admin",
            "LISTSYNC_ADMIN_PASSWORD": "entrypoint-password-1",
            "LISTSYNC_SERVER_URL": server.url,
            "LISTSYNC_SERVER_API_KEY": "sandbox-key",
            "LISTSYNC_HTTP_BACKOFF": "0.01",
        }
        first = Entrypoint(env, tmp_path, "first")
        try:
            wait_for(first.healthy, "the first start to turn healthy", timeout=40)
            first.manage("addlist", "manual", "--items-file", str(items))
            first.manage("shell", "-c", ENQUEUE_SYNC)
            wait_for(lambda: sync_under_way(tmp_path), "the sync to get going", timeout=30)
        finally:
            seconds, tree = first.stop()
        # The web server (master and worker), the cluster (sentinel, job process, monitor,
        # pusher) and the shells: all of them gone, in time.
        assert len(tree) >= 7 and seconds < STOP_WITHIN
        assert server.in_flight == 0

        [(state, outcomes, error)] = sync_runs(tmp_path)
        assert state == "interrupted" and 10 <= outcomes < TITLES
        assert "ListSync was stopping" in error
        made_before = len(server.requests_created())
        key = (tmp_path / "secret_key").read_text()
        assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600

        # Everything in one stream on stdout: the migrations, the admin, both servers.
        log = first.log()
        assert "Applying syncing." in log and "Created the admin 'admin'." in log
        assert "Listening at: http://" in log and "Q Cluster" in log
        assert first.stderr_path.read_text() == ""

        second = Entrypoint(env, tmp_path, "second")
        try:
            wait_for(second.healthy, "the second start to turn healthy", timeout=40)
            second.manage("shell", "-c", ENQUEUE_SYNC)
            wait_for(lambda: sync_finished(tmp_path), "the second sync to finish", timeout=30)
        finally:
            seconds, _ = second.stop()
        assert seconds < STOP_WITHIN

    # The same data: nothing migrated or created again, the same key.
    assert "No migrations to apply." in second.log() and "Created the admin" not in second.log()
    assert (tmp_path / "secret_key").read_text() == key
    # The rest requested, nothing twice: the second sync asked before every request.
    per_title = Counter(call.body["mediaId"] for call in server.requests_created())
    assert len(per_title) == TITLES and set(per_title.values()) == {1}
    assert made_before < TITLES
    assert sync_runs(tmp_path)[1][1] == TITLES
