"""The list sources. Each module parses what a person pastes into a ListRef and fetches it."""

from __future__ import annotations

from providers.base import FetchError, FetchResult, Item, ListInputError, ListRef, Provider
from providers.context import FetchContext
from providers.imdb import Imdb
from providers.letterboxd import Letterboxd
from providers.manual import Manual
from providers.mdblist import Mdblist
from providers.stevenlu import StevenLu
from providers.trakt import Trakt

__all__ = [
    "FetchContext",
    "FetchError",
    "FetchResult",
    "Item",
    "ListInputError",
    "ListRef",
    "Provider",
]

MANUAL = Manual()
PROVIDERS: dict[str, Provider] = {
    p.source: p for p in (Imdb(), Trakt(), Letterboxd(), Mdblist(), StevenLu())
}


def parse_list(text: str) -> ListRef:
    """The list `text` names, or ListInputError saying which forms each source accepts."""
    text = text.strip()
    if not text:
        raise ListInputError("Paste a list's URL or id.")
    if ref := MANUAL.parse(text):
        return ref
    for provider in PROVIDERS.values():
        if ref := provider.parse(text):
            return ref
    sources: list[Provider | Manual] = [*PROVIDERS.values(), MANUAL]
    forms = "; ".join(f"{p.label}: {p.accepted_forms}" for p in sources)
    raise ListInputError(f"{text[:200]!r} is not a list ListSync can follow. Accepted: {forms}.")


def fetch(ref: ListRef, context: FetchContext) -> FetchResult:
    return PROVIDERS[ref.source].fetch(ref, context)
