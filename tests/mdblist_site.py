"""A local stand-in for mdblist.com and api.mdblist.com (both on one port): the public JSON at
`/lists/<user>/<slug>/json`, the API at `/lists/<user>/<slug>/items?apikey=&limit=&offset=`
paged with `X-Has-More`, every request recorded, and how many were in flight at once."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers import LoopbackServer, QuietHandler

API_KEY = "test-mdblist-key"


@dataclass
class Answer:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    path: str
    query: dict[str, str]


def entry(n: int) -> dict[str, Any]:
    """One list entry as MDBList gives it: `id` is the TMDB id; shows carry a TVDB id."""
    kind = "movie" if n % 3 else "show"
    found: dict[str, Any] = {
        "id": 9000 + n,
        "rank": n,
        "adult": 0,
        "title": f"Title {n}",
        "imdb_id": f"tt{3000000 + n}",
        "mediatype": kind,
        "release_year": 1980 + n % 40,
    }
    if kind == "show":
        found["tvdbid"] = 400000 + n
    return found


class FakeMdblist(LoopbackServer):
    """`lists[(user, slug)]` are served on both routes; `fixed[path]` overrides a path."""

    def __init__(self, latency: float = 0.0, page_size: int = 1000, split: bool = True) -> None:
        self.latency = latency
        self.page_size = page_size  # the API serves at most this many a page
        self.split = split  # API pages as {movies, shows} (else a bare array)
        self.lists: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.fixed: dict[str, Answer] = {}
        self.requests: list[Seen] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                with site.lock:
                    site.requests.append(Seen(parts.path, query))
                    site.in_flight += 1
                    site.most_in_flight = max(site.most_in_flight, site.in_flight)
                try:
                    if site.latency:
                        time.sleep(site.latency)  # the simulated network, not a test wait
                    answer = site.answer(parts.path, query)
                finally:
                    with site.lock:
                        site.in_flight -= 1
                self.reply(answer.status, answer.body, "application/json", answer.headers)

        self.serve_with(Handler)

    def answer(self, path: str, query: dict[str, str]) -> Answer:
        if path in self.fixed:
            return self.fixed[path]
        parts = path.strip("/").split("/")
        if len(parts) != 4 or parts[0] != "lists" or (parts[1], parts[2]) not in self.lists:
            return Answer(b"<html>Not Found</html>", status=404)
        entries = self.lists[(parts[1], parts[2])]
        if parts[3] == "json":
            return Answer(json.dumps(entries).encode())
        if parts[3] != "items":
            return Answer(b"<html>Not Found</html>", status=404)
        if query.get("apikey") != API_KEY:
            return Answer(b'{"error": "Invalid API key!"}', status=403)
        offset = int(query.get("offset", "0"))
        limit = min(self.page_size, int(query.get("limit", "100")))
        chunk = entries[offset : offset + limit]
        more = "true" if offset + limit < len(entries) else "false"
        body: Any = chunk
        if self.split:
            body = {
                "movies": [e for e in chunk if e["mediatype"] == "movie"],
                "shows": [e for e in chunk if e["mediatype"] == "show"],
            }
        return Answer(json.dumps(body).encode(), headers={"X-Has-More": more})
