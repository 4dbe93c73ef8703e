"""ListSync scaled out: web and worker processes as separate "machines" (each its own data
folder, so nothing is shared through the disk) on one real PostgreSQL and one real Redis, both
started from Debian's packages by tests/services.py. Still only one sync runs at a time."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests

from syncing.sandbox import SandboxServer, synthetic_catalogue
from tests.live_app import ADMIN, free_port, manage
from tests.services import postgres_server, redis_server

ROOT = Path(__file__).resolve().parent.parent
TITLES = 120
JOBS = 4
Env = dict[str, str]


def machine(shared: Env, tmp_path_factory: pytest.TempPathFactory, name: str) -> Env:
    """The environment of one more machine: the shared settings, a data folder of its own."""
    return {**shared, "LISTSYNC_DATA_DIR": str(tmp_path_factory.mktemp(name))}


def worker_status(env: Env) -> dict[str, object]:
    code = (
        "import dataclasses, json; from syncing.schedule import worker_status; "
        "print(json.dumps(dataclasses.asdict(worker_status())))"
    )
    return dict(json.loads(manage(env, "shell", "-v0", "-c", code)))


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    # 50 ms a call: the sync takes a few seconds, long enough for the other jobs to collide.
    with SandboxServer(synthetic_catalogue(TITLES, 0), latency=0.05) as server:
        yield server


@pytest.fixture(scope="module")
def shared_env(sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """What every machine is given: the database, the broker, one secret key, the request
    server. The database is set up as scripts/start does it, with a manual list of the
    sandbox's titles."""
    with postgres_server() as database_url, redis_server() as redis_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "LISTSYNC_SERVER_URL": sandbox.url,
            "LISTSYNC_SERVER_API_KEY": "sandbox-key",
            "LISTSYNC_HTTP_BACKOFF": "0.01",
            "LISTSYNC_ADMIN_USER": ADMIN[0],
            "LISTSYNC_ADMIN_PASSWORD": ADMIN[1],
        }
        setup = machine(env, tmp_path_factory, "setup")
        manage(setup, "migrate", "--noinput", "-v0")
        manage(setup, "collectstatic", "--noinput", "-v0")
        manage(setup, "ensureadmin")
        items = Path(setup["LISTSYNC_DATA_DIR"]) / "items.txt"
        items.write_text("\n".join(f"tmdb:movie:{8_000_000 + n}" for n in range(TITLES)))
        manage(setup, "addlist", "manual", "--name", "Scale-out", "--items-file", str(items))
        yield env


@pytest.fixture(scope="module")
def worker_logs(shared_env: Env, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Path]]:
    """Two `manage.py qcluster` workers on two machines, up and reporting in Redis."""
    watcher = machine(shared_env, tmp_path_factory, "watcher")
    processes, logs = [], []
    try:
        for number in (1, 2):
            env = machine(shared_env, tmp_path_factory, f"worker{number}")
            log_path = Path(env["LISTSYNC_DATA_DIR"]) / "qcluster.log"
            with log_path.open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "manage.py", "qcluster"],
                        cwd=ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            logs.append(log_path)
        deadline = time.monotonic() + 40
        while worker_status(watcher)["clusters"] != 2:
            for process, log_path in zip(processes, logs, strict=True):
                assert process.poll() is None, f"a worker stopped:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, "the two workers never both reported in Redis"
        yield logs
    finally:
        for process in processes:
            stop(process)


def enqueue_syncs(env: Env, count: int) -> None:
    code = f"from syncing.jobs import enqueue_sync\nfor _ in range({count}): enqueue_sync()"
    manage(env, "shell", "-v0", "-c", code)


def test_two_workers_on_postgres_and_redis_run_one_sync_at_a_time(
    sandbox: SandboxServer,
    shared_env: Env,
    worker_logs: list[Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    web = machine(shared_env, tmp_path_factory, "web")
    enqueue_syncs(web, JOBS)

    most_running = 0
    deadline = time.monotonic() + 60
    with psycopg.connect(shared_env["DATABASE_URL"], autocommit=True) as db:
        while True:
            (running,) = db.execute(
                "SELECT count(*) FROM syncing_syncrun WHERE state = 'running'"
            ).fetchall()[0]
            most_running = max(most_running, running)
            finished, succeeded = db.execute(
                "SELECT count(*), count(*) FILTER (WHERE success) FROM django_q_task"
            ).fetchall()[0]
            if finished == JOBS:
                break
            assert time.monotonic() < deadline, f"{finished} of {JOBS} jobs finished in time"
            time.sleep(0.05)  # polling the database, not waiting for time to pass
        runs = db.execute(
            "SELECT state, started_at, finished_at, counts FROM syncing_syncrun ORDER BY started_at"
        ).fetchall()

    assert succeeded == JOBS, "a job failed: see the django_q_task table"
    assert most_running == 1, "sampled while the jobs ran: never two running syncs"
    assert all(state == "succeeded" for state, *_ in runs), runs
    for (_, _, earlier_end, _), (_, later_start, _, _) in zip(runs, runs[1:], strict=False):
        assert earlier_end <= later_start, "two runs overlapped"
    requested = [counts.get("requested", 0) for *_, counts in runs]
    assert sorted(requested, reverse=True) == [TITLES] + [0] * (len(runs) - 1)

    # The jobs that found a sync running were turned away; every job ran on one of the two.
    logs = [log_path.read_text() for log_path in worker_logs]
    skipped = sum(log.count("skipped: A sync is already running") for log in logs)
    assert skipped >= 1 and skipped + len(runs) == JOBS, (skipped, len(runs))
    taken = [len(re.findall(r"processing \S+ 'syncing.jobs.run_sync_job'", log)) for log in logs]
    assert sum(taken) == JOBS and min(taken) >= 1, f"jobs per worker: {taken}"

    per_title = Counter(call.body["mediaId"] for call in sandbox.requests_created())
    assert len(per_title) == TITLES and set(per_title.values()) == {1}

    assert worker_status(web)["clusters"] == 2


def test_web_processes_on_two_machines_share_sessions_and_see_the_workers(
    shared_env: Env, worker_logs: list[Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    servers, urls = [], []
    try:
        for name in ("web-a", "web-b"):
            env = machine(shared_env, tmp_path_factory, name)
            port = free_port()
            servers.append(
                subprocess.Popen(
                    [gunicorn, "listsync.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        for server, url in zip(servers, urls, strict=True):
            while True:
                assert server.poll() is None, "gunicorn stopped"
                try:
                    health = requests.get(f"{url}/health/", timeout=10)
                    break
                except requests.ConnectionError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.1)  # polling the port, not waiting for time to pass
            assert health.status_code == 200 and health.json()["status"] == "ok", health.text

        # Logged in on one machine, served by the other: the session lives in PostgreSQL.
        browser = requests.Session()
        browser.get(f"{urls[0]}/login/", timeout=10)
        login = browser.post(
            f"{urls[0]}/login/",
            data={
                "username": ADMIN[0],
                "password": ADMIN[1],
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            timeout=10,
        )
        assert login.status_code == 200 and login.url == f"{urls[0]}/"
        dashboard = browser.get(f"{urls[1]}/", timeout=10, allow_redirects=False)
        assert dashboard.status_code == 200
        # Both workers, running elsewhere, are seen through Redis.
        assert "Running (2)" in dashboard.text
    finally:
        for server in servers:
            stop(server)
