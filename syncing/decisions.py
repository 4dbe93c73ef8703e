"""What to do with one title, given what the server says about it. Pure functions: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

from lists.models import SeasonsPolicy, ServerStatus
from syncing.models import OutcomeKind
from syncing.seerr import (
    ACTIVE_REQUEST_STATUSES,
    REQUEST_DECLINED,
    Media,
    MediaState,
    RequestAnswer,
    RequestResult,
)


@dataclass(frozen=True)
class Options:
    """How a title is requested: taken from the first list holding it that takes its type."""

    user_id: int | None = None
    is_4k: bool = False
    seasons_policy: str = SeasonsPolicy.ALL


@dataclass
class Verdict:
    """The outcome for a title; with `request` set, the request to make first."""

    kind: str
    message: str = ""
    status: str | None = None  # the ServerStatus to remember; None: learnt nothing
    seasons: list[int] = field(default_factory=list)
    request: bool = False
    request_seasons: list[int] | str | None = None
    partial: bool = False


def needs_details(media: Media, fork: str, options: Options) -> bool:
    """Whether a search result says too little to decide: requests (a decline) and seasons
    come only with the details call."""
    if media.from_details:
        return False
    state = media.state(fork, options.is_4k)
    if state in (MediaState.UNKNOWN, MediaState.PARTIALLY_AVAILABLE):
        return True
    wants_latest = options.seasons_policy == SeasonsPolicy.LATEST
    return media.media_type == "tv" and state is None and wants_latest


def decide(media: Media, fork: str, options: Options, *, rerequest_removed: bool) -> Verdict:
    state = media.state(fork, options.is_4k)
    requests = media.requests(options.is_4k)
    active = [r for r in requests if r.get("status") in ACTIVE_REQUEST_STATUSES]
    declined = any(r.get("status") == REQUEST_DECLINED for r in requests)
    if state in (MediaState.PENDING, MediaState.PROCESSING) or (
        state in (None, MediaState.UNKNOWN) and active
    ):
        return Verdict(OutcomeKind.ALREADY_REQUESTED, status=ServerStatus.REQUESTED)
    if state == MediaState.AVAILABLE or (
        state == MediaState.PARTIALLY_AVAILABLE and media.media_type == "movie"
    ):
        return Verdict(OutcomeKind.ALREADY_AVAILABLE, status=ServerStatus.AVAILABLE)
    if state == MediaState.BLOCKLISTED:
        return Verdict(
            OutcomeKind.SKIPPED, "blocklisted on the server", status=ServerStatus.BLOCKLISTED
        )
    if state == MediaState.DELETED and not rerequest_removed:
        return Verdict(
            OutcomeKind.SKIPPED,
            "deleted on the server; not requested again unless asked to",
            status=ServerStatus.DELETED,
        )
    if state == MediaState.UNKNOWN and declined and not rerequest_removed:
        return Verdict(
            OutcomeKind.SKIPPED,
            "declined on the server; not requested again unless asked to",
            status=ServerStatus.DECLINED,
        )
    if state == MediaState.PARTIALLY_AVAILABLE:
        return partial_show(media, options, active)
    return Verdict(
        OutcomeKind.REQUESTED,
        status=ServerStatus.REQUESTED,
        request=True,
        request_seasons=seasons_for(media, options.seasons_policy),
    )


def seasons_for(media: Media, policy: str) -> list[int] | str | None:
    if media.media_type != "tv":
        return None
    if policy == SeasonsPolicy.FIRST:
        return [1]
    if policy == SeasonsPolicy.LATEST and media.seasons:
        return [max(media.seasons)]
    return "all"  # the server leaves out season 0 (specials) itself


def partial_show(media: Media, options: Options, active: list[dict]) -> Verdict:
    """A partially available show: request the seasons it lacks (within the list's policy)."""
    key = "status4k" if options.is_4k else "status"
    have = {
        s.get("seasonNumber")
        for s in (media.info or {}).get("seasons") or []
        if isinstance(s, dict) and s.get(key) in (2, 3, 4, 5)
    }
    for request in active:
        have.update(s.get("seasonNumber") for s in request.get("seasons") or [])
    wanted = media.seasons or []
    if options.seasons_policy == SeasonsPolicy.FIRST:
        wanted = wanted[:1]
    elif options.seasons_policy == SeasonsPolicy.LATEST:
        wanted = wanted[-1:]
    missing = [n for n in wanted if n not in have]
    if not missing:
        return Verdict(
            OutcomeKind.PARTIALLY_AVAILABLE,
            "no missing season to request",
            status=ServerStatus.PARTIALLY_AVAILABLE,
        )
    return Verdict(
        OutcomeKind.PARTIALLY_AVAILABLE,
        status=ServerStatus.PARTIALLY_AVAILABLE,
        seasons=missing,
        request=True,
        request_seasons=missing,
        partial=True,
    )


def after_request(verdict: Verdict, result: RequestResult) -> Verdict:
    """The outcome once the server answered the request the verdict asked for."""
    if result.answer == RequestAnswer.CREATED:
        return Verdict(verdict.kind, status=verdict.status, seasons=verdict.seasons)
    if result.answer in (RequestAnswer.NOTHING_NEW, RequestAnswer.EXISTS):
        # 202 and 409 both mean: nothing new was requested.
        kind = OutcomeKind.PARTIALLY_AVAILABLE if verdict.partial else OutcomeKind.ALREADY_REQUESTED
        return Verdict(kind, result.message, status=verdict.status)
    if result.answer == RequestAnswer.BLOCKLISTED:
        return Verdict(OutcomeKind.SKIPPED, result.message, status=ServerStatus.BLOCKLISTED)
    return Verdict(OutcomeKind.FAILED, f"the server refused the request: {result.message}")


CACHED_VERDICTS = {
    ServerStatus.AVAILABLE: Verdict(OutcomeKind.ALREADY_AVAILABLE),
    ServerStatus.REQUESTED: Verdict(OutcomeKind.ALREADY_REQUESTED),
    ServerStatus.PARTIALLY_AVAILABLE: Verdict(
        OutcomeKind.PARTIALLY_AVAILABLE, "missing seasons requested earlier"
    ),
    ServerStatus.BLOCKLISTED: Verdict(OutcomeKind.SKIPPED, "blocklisted on the server"),
    ServerStatus.DECLINED: Verdict(OutcomeKind.SKIPPED, "declined on the server"),
    ServerStatus.DELETED: Verdict(OutcomeKind.SKIPPED, "deleted on the server"),
}
REMOVED_STATUSES = frozenset({ServerStatus.DECLINED, ServerStatus.DELETED})


def cached_verdict(status: str, *, rerequest_removed: bool) -> Verdict | None:
    """The verdict a recent check still gives, without asking the server again."""
    if rerequest_removed and status in REMOVED_STATUSES:
        return None
    return CACHED_VERDICTS.get(ServerStatus(status)) if status in CACHED_VERDICTS else None
