"""What the API answers: each object as JSON, in the shapes the OpenAPI document describes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.text import slugify

from lists.models import FollowedList
from lists.titles import LastOutcome, TitleRow
from lists.views import source_label
from providers import Item
from syncing import analytics
from syncing.models import Outcome, ServerConnection, SyncRun, SyncSettings, mask_secret
from syncing.schedule import WorkerStatus

Json = dict[str, Any]


def when(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def page(
    rows: QuerySet[Any] | Sequence[Any],
    number: int,
    size: int,
    serialize: Callable[[list[Any]], list[Json]],
) -> Json:
    """One page of `rows`: {count, page, page_size, pages, results}. A page past the last is
    empty (and costs no query beyond the count)."""
    count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    start = (number - 1) * size
    selected = list(rows[start : start + size]) if start < count else []
    return {
        "count": count,
        "page": number,
        "page_size": size,
        "pages": -(-count // size),
        "results": serialize(selected),
    }


def list_json(followed: FollowedList) -> Json:
    return {
        "id": followed.pk,
        "name": followed.name,
        "display_name": str(followed),
        "source": followed.source,
        "source_label": source_label(followed.source),
        "key": followed.key,
        "url": followed.url,
        "enabled": followed.enabled,
        "media_types": followed.media_types,
        "request_user_id": followed.request_user_id,
        "is_4k": followed.is_4k,
        "seasons_policy": followed.seasons_policy,
        "manual_items": followed.manual_items if followed.source == "manual" else None,
        "created_at": when(followed.created_at),
        "last_fetched_at": when(followed.last_fetched_at),
        "last_fetch_route": followed.last_fetch_route,
        "item_count": followed.item_count,
        "last_error": followed.last_error,
        "last_error_at": when(followed.last_error_at),
    }


def item_json(item: Item) -> Json:
    return {
        "title": item.title,
        "year": item.year,
        "media_type": item.media_type,
        "imdb_id": item.imdb_id,
        "tmdb_id": item.tmdb_id,
        "tvdb_id": item.tvdb_id,
    }


def list_ref_json(followed: FollowedList | None) -> Json | None:
    return {"id": followed.pk, "name": str(followed)} if followed else None


def run_json(run: SyncRun) -> Json:
    """A run (select_related("followed_list"), so its list costs no query)."""
    return {
        "id": run.pk,
        "trigger": run.trigger,
        "state": run.state,
        "dry_run": run.dry_run,
        "list": list_ref_json(run.followed_list),
        "started_at": when(run.started_at),
        "finished_at": when(run.finished_at),
        "duration_seconds": run.duration,
        "total": run.total,
        "done": run.done,
        "counts": run.counts,
        "error": run.error,
        "cancel_requested": run.cancel_requested,
    }


def runs_json(runs: Sequence[SyncRun]) -> list[Json]:
    return [run_json(run) for run in runs]


def outcomes_json(outcomes: Sequence[Outcome]) -> list[Json]:
    """Outcomes (select_related("list_item"), for the list each came from)."""
    return [
        {
            "id": outcome.pk,
            "title_id": outcome.title_id,
            "list_id": outcome.list_item.followed_list_id if outcome.list_item else None,
            "label": outcome.label,
            "kind": outcome.kind,
            "matched_by": outcome.matched_by,
            "seasons": outcome.seasons,
            "message": outcome.message,
            "created_at": when(outcome.created_at),
        }
        for outcome in outcomes
    ]


def last_outcome_json(outcome: LastOutcome | None) -> Json | None:
    if outcome is None:
        return None
    return {
        "run_id": outcome.run_id,
        "kind": outcome.kind,
        "matched_by": outcome.matched_by,
        "created_at": when(outcome.created_at),
    }


def title_json(row: TitleRow) -> Json:
    title = row.title
    return {
        "id": title.pk,
        "title": title.title,
        "year": title.year,
        "media_type": title.media_type,
        "tmdb_id": title.tmdb_id,
        "imdb_id": title.imdb_id or None,
        "tvdb_id": title.tvdb_id,
        "server_status": title.server_status,
        "status_checked_at": when(title.status_checked_at),
        "never_request": title.never_request,
        "created_at": when(title.created_at),
        "lists": [{"id": pk, "name": name} for pk, name in row.lists],
        "last_outcome": last_outcome_json(row.last_outcome),
        "matched_by": row.matched_by,
        "links": {
            "server": row.server_link or None,
            "imdb": row.imdb_link or None,
            "tmdb": row.tmdb_link,
        },
    }


def worker_json(worker: WorkerStatus) -> Json:
    return {
        "alive": worker.alive,
        "clusters": worker.clusters,
        "queued": worker.queued,
        "hosts": list(worker.hosts),
    }


def settings_json(
    server: ServerConnection, stored: SyncSettings, next_sync: datetime | None
) -> Json:
    """The settings, every secret masked."""
    return {
        "server": {
            "url": server.url,
            "api_key": mask_secret(server.api_key),
            "default_user_id": server.default_user_id,
            "is_4k": server.is_4k,
            "fork": server.fork,
            "version": server.version,
            "checked_at": when(server.checked_at),
        },
        "sync": {
            "interval_minutes": stored.interval_minutes,
            "trakt_client_id": mask_secret(stored.trakt_client_id),
            "mdblist_api_key": mask_secret(stored.mdblist_api_key),
            "next_sync_at": when(next_sync),
        },
    }


def group_key(group: analytics.OutcomeGroup) -> str:
    return slugify(group.label).replace("-", "_")


OUTCOME_GROUP_KEYS = [group_key(group) for group in analytics.OUTCOME_GROUPS]


def analytics_json(days: int) -> Json:
    """The analytics page's figures for the last `days` days (without its charts)."""
    daily = analytics.daily_outcomes(days)
    durations = analytics.run_durations(days)
    headline = analytics.headline(daily, durations)
    return {
        "days": days,
        "since": when(analytics.first_day(days)),
        "headline": {
            "requests": headline.requests,
            "runs": headline.runs,
            "success_rate": headline.success_rate,
            "median_seconds": headline.median_seconds,
            "p95_seconds": headline.p95_seconds,
        },
        "outcome_groups": [
            {"key": group_key(group), "label": group.label, "kinds": list(group.kinds)}
            for group in analytics.OUTCOME_GROUPS
        ],
        "daily": [
            {
                "day": when(day.day),
                "runs": day.runs,
                "outcomes": dict(zip(OUTCOME_GROUP_KEYS, day.groups, strict=True)),
            }
            for day in daily
        ],
        "lists": [
            {
                "list": list_ref_json(row.followed_list),
                "succeeded": row.good,
                "not_found": row.not_found,
                "failed": row.failed,
                "skipped": row.skipped,
                "success_rate": row.rate,
            }
            for row in analytics.list_success(days)
        ],
        "durations": [
            {
                "run_id": run.run_id,
                "started_at": when(run.started_at),
                "seconds": run.seconds,
                "titles": run.titles,
                "state": run.state,
            }
            for run in durations
        ],
        "routes": [
            {"source": route.source, "route": route.route, "lists": route.lists}
            for route in analytics.fetch_routes()
        ],
        "failing_lists": [
            {
                "list": list_ref_json(followed),
                "last_error": followed.last_error,
                "last_error_at": when(followed.last_error_at),
            }
            for followed in analytics.failing_lists()
        ],
    }
