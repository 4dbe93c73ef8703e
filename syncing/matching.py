"""Choosing the server's title for a list entry. Ids first; title and year last, and then only
when the title really is the same: a wrong request is worse than a "not found"."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from syncing.seerr import Media

LEADING_ARTICLE = re.compile(r"^(the|a|an) ")
NOT_WORD = re.compile(r"[^\w]+")


def normalise_title(title: str) -> str:
    """Case, accents, punctuation, '&' and a leading article do not make two titles differ."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    text = NOT_WORD.sub(" ", text).strip()
    return LEADING_ARTICLE.sub("", text)


def of_type(results: Iterable[Media], media_type: str | None) -> list[Media]:
    return [m for m in results if media_type is None or m.media_type == media_type]


def pick_by_id(results: Iterable[Media], media_type: str | None) -> Media | None:
    """An id search can answer with a movie, a show and a person: keep the wanted type."""
    candidates = of_type(results, media_type)
    return candidates[0] if candidates else None


def contains_words(longer: str, shorter: str) -> bool:
    return bool(shorter) and f" {shorter} " in f" {longer} "


def pick_by_title(
    results: Iterable[Media], title: str, year: int | None, media_type: str | None
) -> Media | None:
    """The result that is this title, or None.

    With a year: the same title released that year; failing that, a title that contains the
    other's words released that year (subtitles); failing that, the same title one year off
    (release dates differ by country). Never a title from another year: that is a remake.
    Without a year: the most popular result with exactly the same title."""
    wanted = normalise_title(title)
    candidates = of_type(results, media_type)
    same_title = [m for m in candidates if normalise_title(m.title) == wanted]
    if year is None:
        return same_title[0] if same_title else None
    for media in same_title:
        if media.year == year:
            return media
    for media in candidates:
        name = normalise_title(media.title)
        if media.year == year and (contains_words(name, wanted) or contains_words(wanted, name)):
            return media
    off_by_one = [m for m in same_title if m.year is not None and abs(m.year - year) == 1]
    return off_by_one[0] if len(off_by_one) == 1 else None
