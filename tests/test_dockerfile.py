"""The image's recipe, without a Docker engine: hadolint finds nothing, and the Dockerfile has
what the image must have (two stages, Debian's Chromium and driver, static files collected at
build, a user who is not root, the data volume, the health check). The health check's own
command is run against a real server on loopback; the compose example mounts the data volume."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from fnmatch import fnmatch
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each Dockerfile line, continuations joined, comments out."""
    joined, parts = [], []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        parts.append(line.strip().removesuffix("\\").strip())
        if not line.rstrip().endswith("\\"):
            joined.append(" ".join(parts))
            parts = []
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in joined]


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            found.append([])
        found[-1].append(instruction)
    return found


def arguments(stage: list[tuple[str, str]], name: str) -> list[str]:
    return [args for instruction, args in stage if instruction == name]


def test_hadolint_finds_nothing():
    hadolint = Path(sys.executable).with_name("hadolint")
    result = subprocess.run(
        [str(hadolint), "Dockerfile"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_built_in_two_stages():
    builder, final = stages()
    assert arguments(builder, "FROM") == ["python:3.11-slim-bookworm AS builder"]
    assert any("pip install" in run for run in arguments(builder, "RUN"))
    assert arguments(final, "FROM") == ["python:3.11-slim-bookworm"]
    assert "--from=builder /app/.venv .venv" in arguments(final, "COPY")


def test_the_final_image_has_chromium_static_files_and_runs_as_a_user():
    final = stages()[-1]
    runs = arguments(final, "RUN")
    install = next(run for run in runs if "apt-get install" in run)
    assert "--no-install-recommends" in install
    assert {"chromium", "chromium-driver"} <= set(install.split())
    assert any("manage.py collectstatic --noinput" in run for run in runs)
    assert any("useradd --uid 1000" in run for run in runs)
    # The last USER is who runs the entry point: uid 1000, never root.
    assert arguments(final, "USER")[-1] == "1000:1000"
    assert arguments(final, "VOLUME") == ["/data"]
    assert "LISTSYNC_DATA_DIR=/data" in " ".join(arguments(final, "ENV"))
    assert "SE_OFFLINE=true" in " ".join(arguments(final, "ENV"))
    assert arguments(final, "EXPOSE") == ["8000"]
    assert arguments(final, "ENTRYPOINT") == ['["/app/scripts/entrypoint"]']
    assert os.access(ROOT / "scripts" / "entrypoint", os.X_OK)


def test_the_build_context_leaves_out_local_state_but_not_the_app():
    ignored = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert {".git", ".venv", "data", "staticfiles", "tests"} <= set(ignored)
    needed = ["manage.py", "pyproject.toml", "scripts", "static", "templates", "listsync"]
    needed += ["lists", "syncing", "providers"]
    for name in needed:
        assert (ROOT / name).exists()
        assert not any(fnmatch(name, pattern.removeprefix("**/")) for pattern in ignored), name


class Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(self.server.status if self.path == "/health/" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_health_check(port: int) -> int:
    """The HEALTHCHECK command, as Docker runs it in the container."""
    [healthcheck] = arguments(stages()[-1], "HEALTHCHECK")
    command = json.loads(healthcheck.split(" CMD ", 1)[1])
    env = {**os.environ, "LISTSYNC_BIND": f"0.0.0.0:{port}"}
    done = subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True, timeout=30)
    return done.returncode


def test_the_health_check_passes_only_on_a_healthy_answer(health_server):
    port = health_server.server_address[1]
    health_server.status = 200
    assert run_health_check(port) == 0
    health_server.status = 503
    assert run_health_check(port) != 0
    health_server.shutdown()
    health_server.server_close()
    assert run_health_check(port) != 0  # nothing listening


def test_the_compose_example_keeps_the_data_in_a_volume():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    [service] = compose["services"].values()
    assert service["build"] == "."
    assert "listsync-data:/data" in service["volumes"]
    assert "listsync-data" in compose["volumes"]
