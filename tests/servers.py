"""Real HTTP servers on 127.0.0.1 for tests: recorded pages at the paths the real sites use."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

DATA = Path(__file__).parent / "data"


@dataclass
class Page:
    body: bytes
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


Responder = Callable[[str], Page]


class QuietHandler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1, each answer in one segment (no Nagle stall), no request log."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def reply(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class LoopbackServer:
    """A real HTTP server on a free 127.0.0.1 port, serving from a thread inside `with`."""

    def serve_with(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class StaticSite(LoopbackServer):
    """Serves `pages` (path with query -> Page or a function of the path) and records every
    path asked for. Unknown paths answer 404."""

    def __init__(self, pages: dict[str, Page | Responder] | None = None, latency: float = 0.0):
        self.pages: dict[str, Page | Responder] = dict(pages or {})
        self.latency = latency
        self.hits: list[str] = []
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                if site.latency:
                    time.sleep(site.latency)  # the simulated network, not a test wait
                entry = site.pages.get(self.path) or site.pages.get(self.path.split("?")[0])
                page = entry(self.path) if callable(entry) else entry
                page = page or Page(b'{"error": "not found"}', status=404)
                self.reply(page.status, page.body, page.content_type, page.headers)

        self.serve_with(Handler)
