"""Following lists and keeping their items: what the admin, the commands and the jobs call."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

import providers
from lists.cache import DatabaseCache
from lists.models import FollowedList, ListItem, MediaFilter, SeasonsPolicy
from providers import FetchContext, FetchError, FetchResult, Item, ListInputError
from providers.manual import parse_lines

log = logging.getLogger(__name__)


def add_list(
    text: str,
    *,
    name: str = "",
    media_types: str = MediaFilter.ALL,
    request_user_id: int | None = None,
    is_4k: bool = False,
    seasons_policy: str = SeasonsPolicy.ALL,
    manual_items: str = "",
    enabled: bool = True,
) -> tuple[FollowedList, list[str]]:
    """Follow the list `text` names. Returns it and warnings (manual lines that were left out).

    Raises ListInputError with a message for a person when the input is not a list."""
    ref = providers.parse_list(text)
    warnings: list[str] = []
    if ref.source == "manual":
        warnings = check_manual_items(manual_items)
    try:
        with transaction.atomic():
            followed = FollowedList.objects.create(
                source=ref.source,
                key=ref.key,
                url=ref.url,
                name=name,
                enabled=enabled,
                media_types=media_types,
                request_user_id=request_user_id,
                is_4k=is_4k,
                seasons_policy=seasons_policy,
                manual_items=manual_items,
            )
    except IntegrityError:  # the database's one-list-per-source-key rule
        existing = FollowedList.objects.filter(source=ref.source, key=ref.key).first()
        number = f", as list #{existing.pk}" if existing else ""
        raise ListInputError(f"That list is followed already{number}.") from None
    return followed, warnings


def check_manual_items(text: str) -> list[str]:
    """The lines of a manual list that are not titles (left out). Raises ListInputError when
    no line is a title."""
    items, warnings = parse_lines(text)
    if not items:
        problem = "; ".join(warnings[:5]) or "it has no titles"
        raise ListInputError(f"The manual list cannot be saved: {problem}.")
    return warnings


def preview_list(text: str, keys: Mapping[str, str]) -> FetchResult:
    """Fetch the list `text` names without following it (the add form's preview, fetchlist).

    Raises ListInputError for input that is not a list and FetchError when it cannot be read.
    `keys`: the source credentials (syncing.models.SyncSettings.source_keys())."""
    ref = providers.parse_list(text)
    if ref.source not in providers.PROVIDERS:
        raise ListInputError("A manual list has nothing to fetch: its items are typed.")
    with FetchContext(DatabaseCache(), keys=keys) as context:
        return providers.fetch(ref, context)


def fetch_items(followed: FollowedList, context: FetchContext) -> FetchResult:
    if followed.source == "manual":
        return providers.MANUAL.read(followed.manual_items, followed.name)
    if followed.source not in providers.PROVIDERS:
        raise FetchError(f"ListSync has no source called {followed.source!r} any more.")
    return providers.fetch(followed.ref, context)


def refresh_list(followed: FollowedList, context: FetchContext) -> FetchResult | None:
    """Fetch a list and store its items. On failure the error is stored on the list, its items
    are kept as they were, and None is returned."""
    now = timezone.now()
    try:
        result = fetch_items(followed, context)
    except FetchError as exc:
        log.warning(
            "list %s: %s",
            followed.pk,
            exc,
            extra={
                "event": "fetch_failed",
                "context": {"source": followed.source, "list": followed.pk},
            },
        )
        followed.last_error = str(exc)
        followed.last_error_at = now
        # update(), not save(): a list deleted while it was fetched must stay deleted.
        FollowedList.objects.filter(pk=followed.pk).update(
            last_error=followed.last_error, last_error_at=now
        )
        return None
    with transaction.atomic():
        if not FollowedList.objects.filter(pk=followed.pk).exists():
            return None  # deleted while it was fetched
        store_items(followed, result.items, complete=result.complete, now=now)
        problems = list(result.warnings)
        if not result.complete:
            problems.insert(0, "Only part of the list could be read; the rest was kept as it was.")
        followed.last_error = "; ".join(problems)
        followed.last_error_at = now if problems else None
        followed.name = followed.name or result.name
        followed.last_fetched_at = now
        followed.last_fetch_route = result.route
        followed.item_count = followed.items.filter(removed_at__isnull=True).count()
        followed.save(
            update_fields=[
                "last_error",
                "last_error_at",
                "name",
                "last_fetched_at",
                "last_fetch_route",
                "item_count",
            ]
        )
    return result


def store_items(
    followed: FollowedList, items: list[Item], *, complete: bool, now: datetime
) -> None:
    """Record a fetch: new entries added, seen ones touched, and (only after a complete fetch)
    entries that are gone marked removed. Nothing is deleted."""
    known = {i.identity: i for i in followed.items.all()}
    seen: dict[str, int] = {}  # identity -> position, first occurrence wins
    for position, item in enumerate(items):
        seen.setdefault(item.identity, position)
    new_rows = []
    changed_rows = []
    for position, item in enumerate(items):
        identity = item.identity
        if seen[identity] != position:
            continue
        row = known.get(identity)
        if row is None:
            new_rows.append(item_row(followed, item, position, now))
        elif row.position != position or row.removed_at is not None:
            row.position = position
            row.removed_at = None
            changed_rows.append(row)
    ListItem.objects.bulk_create(new_rows, batch_size=500)
    ListItem.objects.bulk_update(changed_rows, ["position", "removed_at"], batch_size=500)
    seen_ids = [known[i].pk for i in seen if i in known]
    for start in range(0, len(seen_ids), 500):
        ListItem.objects.filter(pk__in=seen_ids[start : start + 500]).update(last_seen=now)
    if complete:
        gone = [row.pk for identity, row in known.items() if identity not in seen]
        for start in range(0, len(gone), 500):
            ListItem.objects.filter(
                pk__in=gone[start : start + 500], removed_at__isnull=True
            ).update(removed_at=now)


def item_row(followed: FollowedList, item: Item, position: int, now: datetime) -> ListItem:
    return ListItem(
        followed_list=followed,
        identity=item.identity,
        position=position,
        source_id=item.source_id[:200],
        imdb_id=item.imdb_id or "",
        tmdb_id=item.tmdb_id,
        tvdb_id=item.tvdb_id,
        title_text=item.title[:300],
        year=item.year,
        media_type=item.media_type or "",
        first_seen=now,
        last_seen=now,
    )
