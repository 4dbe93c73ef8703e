"""ListSync as it runs for real, for end-to-end tests: `scripts/serve` (gunicorn and the
django-q2 worker) in a process of its own, on a fresh data folder and a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

import requests

ROOT = Path(__file__).resolve().parent.parent
ADMIN = ("admin", "e2e-password-123")


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`manage.py ARGS` in a process of its own, with `env` (its own data folder)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(env: dict[str, str], *args: str) -> str:
    """Like run_manage, for commands that must work: their output."""
    done = run_manage(env, *args)
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stderr}"
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveApp:
    def __init__(self, data_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "serve.log"
        self.env = {
            **os.environ,
            "LISTSYNC_DATA_DIR": str(data_dir),
            "LISTSYNC_BIND": f"127.0.0.1:{self.port}",
            "LISTSYNC_WEB_WORKERS": "1",
            "LISTSYNC_ADMIN_USER": ADMIN[0],
            "LISTSYNC_ADMIN_PASSWORD": ADMIN[1],
            "LISTSYNC_HTTP_BACKOFF": "0.01",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def manage(self, *args: str) -> str:
        return manage(self.env, *args)

    def __enter__(self) -> Self:
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage("ensureadmin")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                ["scripts/serve"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.wait_until_up()
        return self

    def wait_until_up(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None and self.process.poll() is None, self.log()
            try:
                if requests.get(f"{self.url}/health/", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, f"ListSync did not start:\n{self.log()}"
            time.sleep(0.1)  # polling the port, not waiting for time to pass

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
