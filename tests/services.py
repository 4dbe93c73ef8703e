"""Throwaway PostgreSQL and Redis servers for tests, from Debian's packages (scripts/test
installs them): each in a temporary folder on a free loopback port, stopped and removed after."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from tests.live_app import free_port

INSTALL_HINT = "scripts/test installs it (apt-get install postgresql redis-server)"


def postgres_programs() -> Path:
    """The newest installed PostgreSQL's bin folder (Debian keeps it out of PATH)."""
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    if not installed:
        pytest.fail(f"PostgreSQL is not installed: {INSTALL_HINT}", pytrace=False)
    return installed[-1].parent


def unprivileged(folder: Path) -> dict[str, Any]:
    """subprocess options that run PostgreSQL's programs as Debian's `postgres` user when we are
    root (initdb and postgres refuse root), with `folder` handed over to that user."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail(f"Running as root and there is no postgres user: {INSTALL_HINT}", pytrace=False)
    for path in (folder, *folder.rglob("*")):
        os.chown(path, account.pw_uid, account.pw_gid)
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def run_or_fail(command: list[str | Path], **options: Any) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, **options)
    if done.returncode != 0:
        pytest.fail(
            f"{Path(command[0]).name} failed ({done.returncode}):\n{done.stdout}{done.stderr}",
            pytrace=False,
        )


@contextmanager
def postgres_server() -> Iterator[str]:
    """A new PostgreSQL cluster with an empty `listsync` database; yields its DATABASE_URL."""
    programs = postgres_programs()
    folder = Path(tempfile.mkdtemp(prefix="listsync-postgres-"))
    password = secrets.token_urlsafe(16)
    (folder / "password").write_text(password)
    as_postgres = {"cwd": folder, **unprivileged(folder)}
    data, port = folder / "data", free_port()
    started = False
    try:
        run_or_fail(
            [programs / "initdb", "-D", data, "-U", "listsync", "--pwfile", folder / "password"]
            + ["--auth", "scram-sha-256", "--encoding", "UTF8", "--no-locale", "--no-sync"],
            **as_postgres,
        )
        # Durability off: nothing here outlives the test.
        server_options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        run_or_fail(
            [programs / "pg_ctl", "-D", data, "-l", folder / "postgres.log", "-w", "-t", "30"]
            + ["-o", server_options, "start"],
            **as_postgres,
        )
        started = True
        login = {"host": "127.0.0.1", "port": port, "user": "listsync", "password": password}
        with psycopg.connect(dbname="postgres", autocommit=True, **login) as connection:
            connection.execute("CREATE DATABASE listsync")
        yield f"postgres://listsync:{password}@127.0.0.1:{port}/listsync"
    finally:
        if started:
            run_or_fail([programs / "pg_ctl", "-D", data, "-m", "fast", "stop"], **as_postgres)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis that keeps nothing on disk; yields its REDIS_URL."""
    program = shutil.which("redis-server")
    if program is None:
        pytest.fail(f"redis-server is not installed: {INSTALL_HINT}", pytrace=False)
    folder = Path(tempfile.mkdtemp(prefix="listsync-redis-"))
    port = free_port()
    log_path = folder / "redis.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [program, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
            + ["--save", "", "--appendonly", "no"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"redis-server stopped:\n{log_path.read_text()}", pytrace=False)
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"redis-server did not answer:\n{log_path.read_text()}", pytrace=False)
            time.sleep(0.02)  # polling the port, not waiting for time to pass
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)
