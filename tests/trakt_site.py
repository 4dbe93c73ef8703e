"""A local stand-in for api.trakt.tv: entries served with Trakt's paging (`?page=&limit=`, the
X-Pagination-* headers, limit clamped to 250), the client id and API version checked on every
call like the real API does, and every request recorded with its headers."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers import LoopbackServer, QuietHandler

CLIENT_ID = "test-client-id-0123456789abcdef"
MAX_LIMIT = 250


@dataclass
class Answer:
    """A fixed answer (an error, a non-paged chart such as boxoffice, a changed format)."""

    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


def movie(n: int, **extra: Any) -> dict[str, Any]:
    """A Trakt movie object with every id (minimal extended level, as the API gives it)."""
    ids = {"trakt": n, "slug": f"movie-{n}", "imdb": f"tt{1000000 + n}", "tmdb": 500000 + n}
    return {"title": f"Movie {n}", "year": 1950 + n % 70, "ids": ids, **extra}


def show(n: int) -> dict[str, Any]:
    ids = {
        "trakt": n,
        "slug": f"show-{n}",
        "imdb": f"tt{2000000 + n}",
        "tmdb": 700000 + n,
        "tvdb": 300000 + n,
    }
    return {"title": f"Show {n}", "year": 1990 + n % 30, "ids": ids}


def list_entries(count: int) -> list[dict[str, Any]]:
    """`count` list-item entries, movies and shows alternating, ranked 1..count."""
    entries = []
    for n in range(1, count + 1):
        kind = "movie" if n % 2 else "show"
        obj = movie(n) if kind == "movie" else show(n)
        listed = "2024-01-01T00:00:00.000Z"
        entries.append({"rank": n, "id": n, "listed_at": listed, "type": kind, kind: obj})
    return entries


class FakeTrakt(LoopbackServer):
    """`paged[path]` is a list of entries served page by page; `fixed[path]` an Answer."""

    def __init__(self, latency: float = 0.0, client_id: str = CLIENT_ID) -> None:
        self.client_id = client_id
        self.latency = latency
        self.max_limit = MAX_LIMIT  # a larger ?limit= is clamped to this
        self.pagination_headers = True  # False: pages without X-Pagination-* (an old proxy)
        self.paged: dict[str, list[Any]] = {}
        self.fixed: dict[str, Answer] = {}
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                with site.lock:
                    site.requests.append(Seen(parts.path, query, headers))
                if site.latency:
                    time.sleep(site.latency)  # the simulated network, not a test wait
                self.send(site.answer(parts.path, query, headers))

            def send(self, answer: Answer) -> None:
                self.reply(answer.status, answer.body, "application/json", answer.headers)

        self.serve_with(Handler)

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        if headers.get("trakt-api-version") != "2":
            return Answer(b'{"error": "trakt-api-version header missing"}', status=400)
        if headers.get("trakt-api-key") != self.client_id:
            return Answer(b"", status=403)  # "Forbidden - invalid API key or unapproved app"
        if path in self.fixed:
            return self.fixed[path]
        if path not in self.paged:
            return Answer(b"", status=404)
        entries = self.paged[path]
        page = max(1, int(query.get("page", "1") or 1))
        limit = min(self.max_limit, max(1, int(query.get("limit", "10") or 10)))
        chunk = entries[(page - 1) * limit : page * limit]
        if not self.pagination_headers:
            return Answer(json.dumps(chunk).encode())
        return Answer(
            json.dumps(chunk).encode(),
            headers={
                "X-Pagination-Page": str(page),
                "X-Pagination-Limit": str(limit),
                "X-Pagination-Page-Count": str(-(-len(entries) // limit)),
                "X-Pagination-Item-Count": str(len(entries)),
            },
        )

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]
