"""What every list source provides: parse what a person pasted, fetch the list's items."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import SplitResult, urlsplit

if TYPE_CHECKING:
    from providers.context import FetchContext

MediaType = Literal["movie", "tv"]


class ListInputError(ValueError):
    """What a person typed is not a list this source (or any source) accepts."""


class FetchError(Exception):
    """A list could not be fetched. The message is for a person: what went wrong, what to do."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class PageChanged(FetchError):
    """The page or API answered, but not in the shape the parser knows: the site changed."""


class Blocked(FetchError):
    """A WAF or Cloudflare challenge stood in the way."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


class ListUnavailable(FetchError):
    """The list is private, deleted or never existed."""


class RateLimited(FetchError):
    """The site says: too many requests."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


def require_host(url: str, hosts: Iterable[str], source: str) -> SplitResult:
    """The parts of `url` if it is http(s) on one of `hosts` (a source's real sites), else
    ListInputError: user-supplied URLs are fetched only from the sites they claim to be."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or host not in set(hosts):
        raise ListInputError(f"{url[:200]!r} is not a {source} address.")
    return parts


@dataclass(frozen=True)
class ListRef:
    """A normalised reference to one list: the source, its id there, and the URL to show."""

    source: str
    key: str
    url: str = ""


@dataclass(frozen=True)
class Item:
    """One entry of a list, with every id the source gave."""

    title: str = ""
    year: int | None = None
    media_type: MediaType | None = None
    imdb_id: str | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    source_id: str = ""

    @property
    def identity(self) -> str:
        """A key that is stable for the same entry across fetches of one list."""
        if self.tmdb_id and self.media_type:
            return f"tmdb:{self.media_type}:{self.tmdb_id}"
        if self.imdb_id:
            return f"imdb:{self.imdb_id}"
        if self.tvdb_id:
            return f"tvdb:{self.tvdb_id}"
        if self.source_id:
            return f"src:{self.source_id}"
        kind = self.media_type or "any"
        return f"title:{kind}:{self.title.casefold()}:{self.year or ''}"

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title or self.identity


@dataclass
class FetchResult:
    """A fetched list. `complete` is False when only part of it could be read."""

    name: str
    items: list[Item]
    route: str
    complete: bool = True
    warnings: list[str] = field(default_factory=list)


class Provider(Protocol):
    source: str
    label: str
    accepted_forms: str

    def parse(self, text: str) -> ListRef | None:
        """The list reference for `text`, None if it is not this source's, ListInputError if it
        is this source's but malformed."""

    def fetch(self, ref: ListRef, context: FetchContext) -> FetchResult:
        """Every item of the list. Raises a FetchError subclass saying what went wrong."""
