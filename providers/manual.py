"""A list typed or pasted by a person: one title per line."""

from __future__ import annotations

import re

from providers.base import FetchError, FetchResult, Item, ListRef, MediaType

IMDB_ID = re.compile(r"(?:https?://(?:www\.|m\.)?imdb\.com/title/)?(tt\d{7,10})/?", re.I)
TMDB_ID = re.compile(r"tmdb:(movie|tv):(\d+)", re.I)
TVDB_ID = re.compile(r"tvdb:(\d+)", re.I)
TITLE_YEAR = re.compile(r"(.+?)\s*\((\d{4})\)")
LOOKS_LIKE_ID = re.compile(r"^(tt\d|tmdb:|tvdb:|imdb:)", re.I)

FORMS = "an IMDb id (tt0133093), tmdb:movie:603, tmdb:tv:1399, tvdb:81189 or Title (Year)"


def parse_line(line: str) -> Item:
    """One line as an Item; ValueError naming the accepted forms if it is none of them."""
    text = line.strip()
    if not text:
        raise ValueError(f"an empty line is no title: use {FORMS}")
    if match := IMDB_ID.fullmatch(text):
        return Item(imdb_id=match.group(1).lower())
    if match := TMDB_ID.fullmatch(text):
        kind: MediaType = "movie" if match.group(1).lower() == "movie" else "tv"
        return Item(media_type=kind, tmdb_id=int(match.group(2)))
    if match := TVDB_ID.fullmatch(text):
        return Item(media_type="tv", tvdb_id=int(match.group(1)))
    if LOOKS_LIKE_ID.match(text):
        raise ValueError(f"{text!r} is not a valid id: use {FORMS}")
    if match := TITLE_YEAR.fullmatch(text):
        year = int(match.group(2))
        if not 1870 <= year <= 2100:
            raise ValueError(f"{text!r}: {year} is not a plausible year")
        return Item(title=match.group(1).strip(), year=year)
    if "(" in text or ")" in text:
        raise ValueError(f"{text!r}: write the year as Title (Year), e.g. The Matrix (1999)")
    return Item(title=text)


def parse_lines(text: str) -> tuple[list[Item], list[str]]:
    """The items of a pasted list, and one message per line that could not be read."""
    items: list[Item] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            items.append(parse_line(line))
        except ValueError as exc:
            errors.append(f"line {number}: {exc}")
    return items, errors


class Manual:
    source = "manual"
    label = "Manual list"
    accepted_forms = f"manual (then one title per line: {FORMS})"

    def parse(self, text: str) -> ListRef | None:
        return ListRef(source=self.source, key="") if text.strip().lower() == "manual" else None

    def read(self, lines: str, name: str) -> FetchResult:
        items, errors = parse_lines(lines)
        if not items and errors:
            raise FetchError("No line of the list could be read: " + "; ".join(errors[:5]))
        return FetchResult(name=name or "Manual list", items=items, route="manual", warnings=errors)
