"""Real HTTP servers on 127.0.0.1 for tests: recorded pages at the paths the real sites use."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).parent / "data"


@dataclass
class Page:
    body: bytes
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


Responder = Callable[[str], Page]


class StaticSite:
    """Serves `pages` (path with query -> Page or a function of the path) and records every
    path asked for. Unknown paths answer 404."""

    def __init__(self, pages: dict[str, Page | Responder] | None = None, latency: float = 0.0):
        self.pages: dict[str, Page | Responder] = dict(pages or {})
        self.latency = latency
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.hits.append(self.path)
                if site.latency:
                    time.sleep(site.latency)  # the simulated network, not a test wait
                entry = site.pages.get(self.path) or site.pages.get(self.path.split("?")[0])
                page = entry(self.path) if callable(entry) else entry
                page = page or Page(b'{"error": "not found"}', status=404)
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> StaticSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
