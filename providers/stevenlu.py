"""Steven Lu's popular-movies feed: a JSON array of {title, imdb_id, poster_url}, rebuilt
nightly. https://github.com/sjlu/popular-movies"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from listsync import http
from providers.base import (
    FetchError,
    FetchResult,
    Item,
    ListInputError,
    ListRef,
    ListUnavailable,
    PageChanged,
)
from providers.context import FetchContext

CANONICAL_BASE = "https://s3.amazonaws.com/popular-movies/"
HOSTS = {
    "s3.amazonaws.com": "/popular-movies/",
    "popular-movies-data.stevenlu.com": "/",
}
FEED_FILE = re.compile(
    r"movies(-(metacritic-min(50|60|70|80)|imdb-min[5-8]|rottentomatoes-min(50|60|70|80)))?\.json"
)
IMDB_ID = re.compile(r"tt\d{7,10}")


class StevenLu:
    source = "stevenlu"
    label = "Steven Lu popular movies"
    accepted_forms = (
        "stevenlu, stevenlu:imdb-min7 (and the other metacritic / imdb / rottentomatoes "
        "minimums), https://s3.amazonaws.com/popular-movies/movies.json or "
        "https://popular-movies-data.stevenlu.com/movies.json"
    )

    def parse(self, text: str) -> ListRef | None:
        lowered = text.strip().lower()
        if lowered == "stevenlu":
            return self.ref("movies.json")
        if lowered.startswith("stevenlu:"):
            name = f"movies-{lowered.removeprefix('stevenlu:')}.json"
            if not FEED_FILE.fullmatch(name):
                raise ListInputError(
                    f"{text.strip()!r} names no Steven Lu feed: use stevenlu, or a variant such "
                    "as stevenlu:imdb-min7, stevenlu:metacritic-min60, "
                    "stevenlu:rottentomatoes-min80."
                )
            return self.ref(name)
        parts = urlsplit(text.strip())
        folder = HOSTS.get((parts.hostname or "").lower())
        if folder is None or parts.scheme not in ("http", "https"):
            return None
        if not parts.path.startswith(folder):
            if parts.hostname == "s3.amazonaws.com":
                return None  # another bucket: not this source
            raise ListInputError(f"Not a Steven Lu feed: {text}. Use {self.accepted_forms}.")
        name = parts.path[len(folder) :]
        if not FEED_FILE.fullmatch(name):
            raise ListInputError(
                f"{name or 'that address'} is not one of Steven Lu's feeds: use movies.json or a "
                "variant such as movies-imdb-min7.json."
            )
        return self.ref(name)

    def ref(self, name: str) -> ListRef:
        return ListRef(source=self.source, key=name, url=CANONICAL_BASE + name)

    def fetch(self, ref: ListRef, context: FetchContext) -> FetchResult:
        # The setting names the main feed; a variant is a file beside it.
        url = urljoin(settings.LISTSYNC_STEVENLU_URL, ref.key)
        try:
            response = context.get(url)
        except http.HttpError as exc:
            message = f"Steven Lu's feed could not be fetched: {exc}"
            raise FetchError(message, retryable=True) from exc
        if response.status_code == 404:
            raise ListUnavailable(
                f"Steven Lu's feed {ref.key} does not exist (HTTP 404): check the address "
                "(LISTSYNC_STEVENLU_URL)."
            )
        if response.status_code != 200:
            raise FetchError(
                f"Steven Lu's feed {ref.key} answered HTTP {response.status_code}: "
                "try again later.",
                retryable=True,
            )
        try:
            entries = http.json_of(response, "Steven Lu's feed")
        except http.HttpError as exc:
            raise PageChanged(str(exc)) from None
        items, warnings = read_entries(entries)
        return FetchResult(name=feed_name(ref.key), items=items, route="json", warnings=warnings)


def feed_name(key: str) -> str:
    variant = key.removeprefix("movies").removesuffix(".json").lstrip("-")
    return f"Popular movies ({variant})" if variant else "Popular movies"


def read_entries(entries: object) -> tuple[list[Item], list[str]]:
    """Items from the feed's array. A changed format is an error, never an empty list."""
    if not isinstance(entries, list):
        raise PageChanged("Steven Lu's feed is not a JSON array any more: the format changed.")
    items: list[Item] = []
    skipped = 0
    for entry in entries:
        imdb_id = entry.get("imdb_id") if isinstance(entry, dict) else None
        if not isinstance(imdb_id, str) or not IMDB_ID.fullmatch(imdb_id):
            skipped += 1
            continue
        assert isinstance(entry, dict)
        tmdb_id = entry.get("tmdb_id")
        items.append(
            Item(
                title=str(entry.get("title") or ""),
                media_type="movie",
                imdb_id=imdb_id,
                tmdb_id=tmdb_id if isinstance(tmdb_id, int) else None,
                source_id=imdb_id,
            )
        )
    if not items:
        raise PageChanged(
            f"Steven Lu's feed has {len(entries)} entries but none with an imdb_id: "
            "the format changed."
        )
    warnings = [f"{skipped} entries without an IMDb id were left out"] if skipped else []
    return items, warnings
