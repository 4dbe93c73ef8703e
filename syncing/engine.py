"""The sync: the enabled lists' items become exactly the right requests, one outcome each.

Steps: claim the run (one at a time, in the database) → check the server → fetch the lists →
group the entries into titles → answer what recent checks already know without a call → find
the rest on the server (ids first) → decide and request, several calls in flight. Workers only
talk HTTP; this thread alone writes to the database, as each result comes in, so a crash loses
at most the calls in flight and the next run picks up from there without duplicate requests
(it asks the server before every request).
"""

from __future__ import annotations

import logging
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from lists.cache import DatabaseCache
from lists.models import FollowedList, ListItem, Title
from lists.services import refresh_list
from listsync import http
from listsync.logs import run_context
from providers import FetchContext
from syncing import matching, shutdown
from syncing.decisions import (
    Options,
    Verdict,
    after_request,
    cached_verdict,
    decide,
    needs_details,
)
from syncing.models import (
    MatchedBy,
    Outcome,
    OutcomeKind,
    RunState,
    ServerConnection,
    SyncRun,
    SyncSettings,
)
from syncing.notify import notify_after_run
from syncing.seerr import Media, SeerrClient, ServerProblem

log = logging.getLogger(__name__)

ProgressCallback = Callable[[SyncRun], None]


class SyncAlreadyRunning(Exception):
    def __init__(self, run: SyncRun | None) -> None:
        started = f" (#{run.pk}, started {run.started_at:%Y-%m-%d %H:%M})" if run else ""
        super().__init__(f"A sync is already running{started}.")
        self.run = run


class Cancelled(Exception):
    pass


# --- claiming a run -------------------------------------------------------------------


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_stale_runs() -> int:
    """Runs left 'running' by a crash become 'interrupted': their process is gone (same host)
    or their heartbeat stopped."""
    hostname = socket.gethostname()
    stale_before = timezone.now() - timedelta(seconds=settings.LISTSYNC_STALE_RUN_SECONDS)
    marked = 0
    for run in SyncRun.objects.filter(state=RunState.RUNNING):
        dead = run.hostname == hostname and run.pid and not process_alive(run.pid)
        if dead or run.heartbeat_at < stale_before:
            marked += SyncRun.objects.filter(pk=run.pk, state=RunState.RUNNING).update(
                state=RunState.INTERRUPTED,
                finished_at=timezone.now(),
                error="The process running this sync stopped before it finished.",
            )
    return marked


def claim_run(
    trigger: str, *, dry_run: bool = False, followed_list: FollowedList | None = None
) -> SyncRun:
    """A new running SyncRun, or SyncAlreadyRunning. The database's unique index on running
    runs makes this atomic across processes and machines."""
    mark_stale_runs()
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                trigger=trigger,
                dry_run=dry_run,
                followed_list=followed_list,
                hostname=socket.gethostname(),
                pid=os.getpid(),
            )
    except IntegrityError:
        raise SyncAlreadyRunning(SyncRun.objects.filter(state=RunState.RUNNING).first()) from None


def request_cancel(run_id: int) -> bool:
    return bool(
        SyncRun.objects.filter(pk=run_id, state=RunState.RUNNING).update(cancel_requested=True)
    )


def sync(
    trigger: str,
    *,
    list_id: int | None = None,
    dry_run: bool = False,
    rerequest_removed: bool = False,
    on_progress: ProgressCallback | None = None,
) -> SyncRun:
    """Claim a run and carry it out: what the command, the admin and the jobs call."""
    followed = FollowedList.objects.get(pk=list_id) if list_id is not None else None
    run = claim_run(trigger, dry_run=dry_run, followed_list=followed)
    return execute_run(run, rerequest_removed=rerequest_removed, on_progress=on_progress)


def execute_run(
    run: SyncRun,
    *,
    rerequest_removed: bool = False,
    on_progress: ProgressCallback | None = None,
) -> SyncRun:
    """Carry out a claimed run. Whatever happens, the run ends in a final state."""
    with run_context(run.pk):
        log.info(
            "sync started",
            extra={
                "event": "sync_started",
                "context": {"trigger": run.trigger, "dry_run": run.dry_run},
            },
        )
        state, error = work_through(run, rerequest_removed, on_progress)
        run.state = state
        run.error = error
        run.finished_at = timezone.now()
        run.list_counts = counts_by_list(run)
        run.save()
        log.log(
            logging.INFO if state in (RunState.SUCCEEDED, RunState.CANCELLED) else logging.WARNING,
            "sync %s%s",
            state,
            f": {error}" if error else "",
            extra={
                "event": "sync_finished",
                "context": {"state": state, "seconds": round(run.duration or 0, 1), **run.counts},
            },
        )
        notify_after_run(run)  # never raises: a failing notifier never fails the sync
    if on_progress:
        on_progress(run)
    return run


def work_through(
    run: SyncRun, rerequest_removed: bool, on_progress: ProgressCallback | None
) -> tuple[str, str]:
    """The run's work; returns its final state and error."""
    try:
        work = Sync(run, rerequest_removed=rerequest_removed, on_progress=on_progress)
        work.carry_out()
    except ServerProblem as exc:
        return RunState.FAILED, str(exc)
    except Cancelled:
        return RunState.CANCELLED, ""
    except shutdown.Stopping as exc:  # the worker is being stopped (syncing/shutdown.py)
        return RunState.INTERRUPTED, str(exc)
    except Exception as exc:
        log.exception("sync %s failed", run.pk, extra={"event": "sync_crashed"})
        return RunState.FAILED, f"Unexpected error: {exc!r}"
    failed = run.counts.get(OutcomeKind.FAILED, 0)
    if failed and failed == work.asked:
        return RunState.FAILED, "Every title the server was asked about failed."
    return RunState.SUCCEEDED, ""


def counts_by_list(run: SyncRun) -> dict[str, dict[str, int]]:
    """{list id: {outcome kind: count}} of a run's outcomes, kept on the run so analytics
    never has to aggregate the whole outcome history."""
    rows = (
        Outcome.objects.filter(run=run, list_item__isnull=False)
        .values_list("list_item__followed_list_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, dict[str, int]] = {}
    for list_id, kind, n in rows:
        counts.setdefault(str(list_id), {})[kind] = n
    return counts


# --- the work -------------------------------------------------------------------------


@dataclass
class Unit:
    """One title to decide on in this run, and the list entries that name it."""

    items: list[ListItem]
    title: Title | None = None
    media: Media | None = None
    matched_by: str = ""

    @property
    def first(self) -> ListItem:
        return self.items[0]

    @property
    def media_type(self) -> str | None:
        if self.media:
            return self.media.media_type
        if self.title:
            return self.title.media_type
        return next((i.media_type for i in self.items if i.media_type), None)

    @property
    def label(self) -> str:
        if self.title:
            return str(self.title)
        return str(self.first)[:320]

    def options(self, media_type: str | None, connection: ServerConnection) -> Options | None:
        """The request options of the first list that takes this type; None if none does."""
        for item in self.items:
            followed = item.followed_list
            if followed.takes(media_type):
                return Options(
                    user_id=followed.request_user_id or connection.default_user_id,
                    is_4k=followed.is_4k or connection.is_4k,
                    seasons_policy=followed.seasons_policy,
                )
        return None


@dataclass
class Found:
    """What a worker learnt about a unit."""

    unit: Unit
    verdict: Verdict
    media: Media | None = None
    matched_by: str = ""
    asked_server: bool = True


class Sync:
    def __init__(
        self,
        run: SyncRun,
        *,
        rerequest_removed: bool,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.run = run
        self.rerequest_removed = rerequest_removed
        self.on_progress = on_progress
        self.connection = ServerConnection.get()
        self.counts: Counter[str] = Counter()
        self.asked = 0  # titles the server was asked about in this run
        self.outcome_titles: set[int] = set()
        self.fresh_after = timezone.now() - timedelta(hours=settings.LISTSYNC_REFRESH_HOURS)
        self.last_beat = timezone.now()
        self.fork = ""
        self.client: SeerrClient

    def carry_out(self) -> None:
        if not self.connection.url:
            raise ServerProblem(
                "No request server is set: set LISTSYNC_SERVER_URL and LISTSYNC_SERVER_API_KEY, "
                "or fill in the request server in the admin."
            )
        with SeerrClient(self.connection.url, self.connection.api_key) as client:
            self.client = client
            info = client.check(self.connection.default_user_id)
            ServerConnection.objects.filter(pk=self.connection.pk).update(
                fork=info.fork, version=info.version, checked_at=timezone.now()
            )
            self.fork = info.fork
            lists = self.lists()
            keys = SyncSettings.get().source_keys()
            with FetchContext(DatabaseCache(), on_call=self.beat, keys=keys) as context:
                for followed in lists:
                    refresh_list(followed, context)
            units = self.units(lists)
            self.run.total = len(units)
            self.beat(force=True)
            to_find: list[Unit] = []
            to_settle: list[Unit] = []
            for unit in units:
                found = self.without_server(unit)
                if found:
                    self.record(found)
                elif unit.title is None and not has_tmdb_id(unit):
                    to_find.append(unit)
                else:
                    to_settle.append(unit)
            settling = {tmdb_key(u): u for u in to_settle}
            for found in self.in_parallel(self.find, to_find):
                if found_unit := self.after_find(found, settling):
                    to_settle.append(found_unit)
            for found in self.in_parallel(self.settle, to_settle):
                self.record(found)
            self.beat(force=True)

    def lists(self) -> list[FollowedList]:
        if self.run.followed_list_id:
            return list(FollowedList.objects.filter(pk=self.run.followed_list_id))
        return list(FollowedList.objects.filter(enabled=True))

    def units(self, lists: list[FollowedList]) -> list[Unit]:
        """The titles the lists' current entries name, each once. Entries are matched to known
        titles locally first (an id or an earlier match), so a title is found on the server
        once and never again."""
        items = list(
            ListItem.objects.filter(followed_list__in=lists, removed_at__isnull=True)
            .select_related("title", "followed_list")
            .order_by("followed_list_id", "position")
        )
        local = LocalTitles(i for i in items if i.title is None)
        units: dict[str, Unit] = {}
        for item in items:
            title, matched_by = (item.title, item.matched_by) if item.title else local.find(item)
            if title and item.title is None:
                item.title, item.matched_by = title, matched_by
                ListItem.objects.filter(pk=item.pk).update(title=title, matched_by=matched_by)
            key = f"title:{title.pk}" if title else f"entry:{item.identity}"
            unit = units.setdefault(key, Unit(items=[], title=title, matched_by=matched_by))
            unit.items.append(item)
        return list(units.values())

    def without_server(self, unit: Unit) -> Found | None:
        """The outcome when it needs no call: never-request, excluded, or recently checked."""
        title = unit.title
        if title and title.never_request:
            return Found(
                unit, Verdict(OutcomeKind.SKIPPED, "marked never request"), asked_server=False
            )
        media_type = unit.media_type
        if media_type and unit.options(media_type, self.connection) is None:
            return Found(unit, excluded(media_type), asked_server=False)
        recent = self.fresh_after
        if title and title.status_checked_at and title.status_checked_at >= recent:
            verdict = cached_verdict(title.server_status, rerequest_removed=self.rerequest_removed)
            if verdict:
                return Found(unit, verdict, matched_by=unit.matched_by, asked_server=False)
        checked = [i.resolve_checked_at for i in unit.items]
        if title is None and all(c and c >= recent for c in checked):
            return Found(unit, not_found_verdict(unit, recently=True), asked_server=False)
        return None

    # Workers: HTTP only, no database.

    def find(self, unit: Unit) -> Found:
        """Find an entry the server's way: by id first, by title and year last."""
        item = unit.first
        media_type = item.media_type or None
        try:
            for kind, value in (("imdb", item.imdb_id), ("tvdb", item.tvdb_id)):
                if value:
                    media = matching.pick_by_id(self.client.search(f"{kind}:{value}"), media_type)
                    if media:
                        # Search results carry no external ids: keep the one that found it.
                        if kind == "imdb":
                            media.imdb_id = media.imdb_id or item.imdb_id
                        else:
                            media.tvdb_id = media.tvdb_id or item.tvdb_id
                        return Found(unit, Verdict(""), media=media, matched_by=kind)
            if item.title_text:
                results = self.client.search(item.title_text)
                media = matching.pick_by_title(results, item.title_text, item.year, media_type)
                if media:
                    how = MatchedBy.TITLE_YEAR if item.year else MatchedBy.TITLE
                    return Found(unit, Verdict(""), media=media, matched_by=how)
        except http.HttpError as exc:
            return Found(unit, Verdict(OutcomeKind.FAILED, f"finding it failed: {exc}"))
        return Found(unit, not_found_verdict(unit))

    def settle(self, unit: Unit) -> Found:
        """Decide with what the server says, and request when the decision is to."""
        media_type = unit.media_type or "movie"
        options = unit.options(media_type, self.connection) or Options()
        media = unit.media
        tmdb_id = unit.title.tmdb_id if unit.title else (unit.first.tmdb_id or 0)
        try:
            if media is None or needs_details(media, self.fork, options):
                media = self.client.details(media_type, tmdb_id)
                if media is None:
                    verdict = Verdict(
                        OutcomeKind.NOT_FOUND,
                        f"the server knows no {media_type} with TMDB id {tmdb_id}",
                    )
                    return Found(unit, verdict, matched_by=unit.matched_by or MatchedBy.TMDB)
            verdict = decide(media, self.fork, options, rerequest_removed=self.rerequest_removed)
            if verdict.request and self.run.dry_run:
                verdict = Verdict(
                    OutcomeKind.WOULD_REQUEST,
                    seasons=verdict.seasons,
                    status=None,
                )
            elif verdict.request:
                answer = self.client.request(
                    media,
                    seasons=verdict.request_seasons,
                    is_4k=options.is_4k,
                    user_id=options.user_id,
                )
                verdict = after_request(verdict, answer)
        except http.HttpError as exc:
            return Found(
                unit,
                Verdict(OutcomeKind.FAILED, str(exc)),
                media=media,
                matched_by=unit.matched_by or MatchedBy.TMDB,
            )
        return Found(unit, verdict, media=media, matched_by=unit.matched_by or MatchedBy.TMDB)

    # Back in this thread: the database.

    def after_find(self, found: Found, settling: dict[tuple[str, int], Unit]) -> Unit | None:
        """A found entry becomes a title to settle, unless another entry of this run already
        is that title (then its entries join that one) or a recent check answers it."""
        unit = found.unit
        if found.media is None:
            self.record(found)
            return None
        title = upsert_title(found.media)
        ListItem.objects.filter(pk__in=[i.pk for i in unit.items]).update(
            title=title, matched_by=found.matched_by, resolve_checked_at=None
        )
        for item in unit.items:
            item.title, item.matched_by = title, found.matched_by
        unit.title, unit.media, unit.matched_by = title, found.media, found.matched_by
        same = settling.get(tmdb_key(unit))
        if same is not None or title.pk in self.outcome_titles:
            # Another entry of this run is the same title: one outcome, one request.
            if same is not None:
                same.items.extend(unit.items)
            self.run.total -= 1
            return None
        settling[tmdb_key(unit)] = unit
        early = self.without_server(unit)
        if early:
            self.record(early)
            return None
        return unit

    def record(self, found: Found) -> None:
        unit, verdict = found.unit, found.verdict
        now = timezone.now()
        title = unit.title
        if found.media:
            title = refresh_title(title, found.media) if title else upsert_title(found.media)
        if title and verdict.status:
            title.server_status = verdict.status
            title.status_checked_at = now
            title.save(update_fields=["server_status", "status_checked_at"])
        item_ids = [i.pk for i in unit.items]
        if verdict.kind == OutcomeKind.NOT_FOUND and title is None and found.asked_server:
            ListItem.objects.filter(pk__in=item_ids).update(resolve_checked_at=now)
        elif title and any(i.title_id != title.pk for i in unit.items):
            ListItem.objects.filter(pk__in=item_ids).update(
                title=title, matched_by=found.matched_by or unit.matched_by
            )
        if title and title.pk in self.outcome_titles:
            return
        Outcome.objects.create(
            run=self.run,
            title=title,
            list_item=unit.first,
            label=(str(title) if title else unit.label)[:320],
            kind=verdict.kind,
            matched_by=found.matched_by or unit.matched_by,
            seasons=verdict.seasons,
            message=verdict.message,
        )
        if title:
            self.outcome_titles.add(title.pk)
        self.counts[verdict.kind] += 1
        if found.asked_server:
            self.asked += 1
        self.run.done += 1
        self.beat()

    def beat(self, force: bool = False) -> None:
        """Progress and liveness, at most once a second; and the place a cancel or a shutdown
        is noticed (a shutdown at once: the progress so far is saved, then the run ends)."""
        stopping = shutdown.stop_requested()
        now = timezone.now()
        if not force and not stopping and (now - self.last_beat).total_seconds() < 1.0:
            return
        self.last_beat = now
        self.run.counts = dict(self.counts)
        self.run.heartbeat_at = now
        SyncRun.objects.filter(pk=self.run.pk).update(
            heartbeat_at=now, done=self.run.done, total=self.run.total, counts=self.run.counts
        )
        if self.on_progress:
            self.on_progress(self.run)
        if stopping:
            raise shutdown.Stopping
        if SyncRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists():
            raise Cancelled

    def in_parallel(self, work: Callable[[Unit], Found], units: list[Unit]) -> Iterator[Found]:
        """Results of `work` over the units as they finish, at most the concurrency setting in
        flight; a heartbeat at least once a second meanwhile."""
        if not units:
            return
        with ThreadPoolExecutor(max_workers=settings.LISTSYNC_CONCURRENCY) as pool:
            pending: set[Future[Found]] = {pool.submit(work, unit) for unit in units}
            try:
                while pending:
                    done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield future.result()
                    self.beat()
            finally:
                for future in pending:
                    future.cancel()
        self.run.counts = dict(self.counts)


def tmdb_key(unit: Unit) -> tuple[str, int]:
    """(media type, TMDB id): what makes two units the same title."""
    if unit.title:
        return unit.title.media_type, unit.title.tmdb_id
    return unit.first.media_type, unit.first.tmdb_id or 0


def has_tmdb_id(unit: Unit) -> bool:
    item = unit.first
    return bool(item.tmdb_id and item.media_type)


def excluded(media_type: str) -> Verdict:
    kind = "shows" if media_type == "tv" else "movies"
    return Verdict(OutcomeKind.SKIPPED, f"excluded: no list holding it takes {kind}")


def not_found_verdict(unit: Unit, *, recently: bool = False) -> Verdict:
    item = unit.first
    if item.imdb_id or item.tvdb_id:
        ids = " / ".join(
            x for x in (item.imdb_id, f"tvdb {item.tvdb_id}" if item.tvdb_id else "") if x
        )
        what = f"nothing with {ids}"
        if item.title_text:
            what += f" nor titled {item.title_text!r}" + (f" ({item.year})" if item.year else "")
    else:
        what = f"no {item.media_type or 'movie or show'} titled {item.title_text!r}"
        what += f" from {item.year}" if item.year else ""
    when = " (checked recently; asked again after the refresh window)" if recently else ""
    return Verdict(OutcomeKind.NOT_FOUND, f"the server found {what}{when}")


class LocalTitles:
    """Known titles for entries not matched yet: by their ids, or by an earlier match of the
    same entry in any list."""

    def __init__(self, items: Iterable[ListItem]) -> None:
        pending = list(items)
        self.by_tmdb = {
            (t.media_type, t.tmdb_id): t
            for t in chunked_in(Title.objects, "tmdb_id", {i.tmdb_id for i in pending if i.tmdb_id})
        }
        self.by_imdb = {
            t.imdb_id: t
            for t in chunked_in(Title.objects, "imdb_id", {i.imdb_id for i in pending if i.imdb_id})
        }
        self.by_tvdb = {
            t.tvdb_id: t
            for t in chunked_in(Title.objects, "tvdb_id", {i.tvdb_id for i in pending if i.tvdb_id})
        }
        matched = ListItem.objects.filter(title__isnull=False).select_related("title")
        self.by_identity = {
            i.identity: (i.title, i.matched_by)
            for i in chunked_in(matched, "identity", {i.identity for i in pending})
        }

    def find(self, item: ListItem) -> tuple[Title | None, str]:
        by_tmdb = self.by_tmdb.get((item.media_type, item.tmdb_id or 0))
        if by_tmdb:
            return by_tmdb, MatchedBy.TMDB
        if item.imdb_id and (title := self.by_imdb.get(item.imdb_id)):
            return title, MatchedBy.IMDB
        if item.tvdb_id and (title := self.by_tvdb.get(item.tvdb_id)):
            return title, MatchedBy.TVDB
        earlier = self.by_identity.get(item.identity)
        if earlier and earlier[0] is not None:
            return earlier
        return None, ""


def chunked_in(queryset: Any, field_name: str, values: set[Any]) -> Iterator[Any]:
    """`field__in` in chunks that stay under SQLite's limit on query parameters."""
    ordered = sorted(values, key=str)
    for start in range(0, len(ordered), 500):
        yield from queryset.filter(**{f"{field_name}__in": ordered[start : start + 500]})


def upsert_title(media: Media) -> Title:
    title, created = Title.objects.get_or_create(
        media_type=media.media_type,
        tmdb_id=media.tmdb_id,
        defaults={
            "imdb_id": media.imdb_id or "",
            "tvdb_id": media.tvdb_id,
            "title": media.title[:300],
            "year": media.year,
        },
    )
    return title if created else refresh_title(title, media)


def refresh_title(title: Title, media: Media) -> Title:
    """Fill in what the server told us and the title lacked."""
    changed = []
    for name, value in (
        ("imdb_id", media.imdb_id),
        ("tvdb_id", media.tvdb_id),
        ("title", media.title[:300]),
        ("year", media.year),
    ):
        if value and not getattr(title, name):
            setattr(title, name, value)
            changed.append(name)
    if changed:
        title.save(update_fields=changed)
    return title
