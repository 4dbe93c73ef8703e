import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_manage_py_sandbox_serves_the_demo_catalogue(tmp_path):
    port = free_port()
    env = {**os.environ, "LISTSYNC_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "sandbox", "--port", str(port), "--fork", "seerr"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status = requests.get(f"http://127.0.0.1:{port}/api/v1/status", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)  # polling until it listens
        assert status.json()["version"].startswith("3.")
        matrix = requests.get(
            f"http://127.0.0.1:{port}/api/v1/movie/603",
            headers={"X-Api-Key": "sandbox-key"},
            timeout=5,
        )
        assert matrix.json()["title"] == "The Matrix"
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "sandbox-key" in output and f"127.0.0.1:{port}" in output
