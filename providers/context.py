"""What the fetches of one sync share: HTTP connections, per-host pacing, and one browser
started on first need and always closed."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from django.conf import settings

from listsync import http
from providers.browser import Browser


class Cache(Protocol):
    """Facts a source gives for good, kept across syncs (the database, in a sync)."""

    def get_many(self, source: str, keys: list[str]) -> dict[str, Any]: ...

    def put(self, source: str, key: str, data: Any) -> None: ...


class MemoryCache:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], Any] = {}

    def get_many(self, source: str, keys: list[str]) -> dict[str, Any]:
        return {k: self.entries[(source, k)] for k in keys if (source, k) in self.entries}

    def put(self, source: str, key: str, data: Any) -> None:
        self.entries[(source, key)] = data


class FetchContext:
    def __init__(
        self,
        cache: Cache | None = None,
        on_call: Callable[[], None] | None = None,
        keys: Mapping[str, str] | None = None,
    ) -> None:
        """`on_call` runs before each call made from the creating thread: a long fetch keeps
        the sync's heartbeat going through it (and can be cancelled there). `keys` are the
        credentials some sources need (the stored settings); a missing one falls back to
        its LISTSYNC_<NAME> environment setting."""
        self.cache: Cache = cache if cache is not None else MemoryCache()
        self.keys = dict(keys or {})
        self.on_call = on_call
        self.owner = threading.get_ident()
        self.session = http.new_session()
        self._browser: Browser | None = None
        self._host_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._last_call: dict[str, float] = {}
        self.requests_made = 0
        self._count_lock = threading.Lock()
        self.browser_starts = 0

    def call(
        self, method: str, url: str, *, pause: float = 0.0, **kwargs: Any
    ) -> requests.Response:
        """One call through the HTTP module. With `pause`, calls to that host are serial and at
        least `pause` seconds apart (sites that answer bursts with errors)."""
        if self.on_call is not None and threading.get_ident() == self.owner:
            self.on_call()
        with self._count_lock:
            self.requests_made += 1
        if not pause:
            return http.call(self.session, method, url, **kwargs)
        host = urlsplit(url).netloc
        with self._host_locks[host]:
            wait = self._last_call.get(host, 0.0) + pause - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # the site's own pace, not a test wait
            try:
                return http.call(self.session, method, url, **kwargs)
            finally:
                self._last_call[host] = time.monotonic()

    def key(self, name: str) -> str:
        """A source credential, e.g. key("trakt_client_id")."""
        value = self.keys.get(name) or getattr(settings, f"LISTSYNC_{name.upper()}", "")
        return (value or "").strip()

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", url, **kwargs)

    @property
    def browser(self) -> Browser:
        if self._browser is None:
            self._browser = Browser()
            self.browser_starts += 1
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        self.session.close()

    def __enter__(self) -> FetchContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
