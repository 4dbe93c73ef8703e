"""Small template helpers shared by every page."""

from __future__ import annotations

from django import template

register = template.Library()

# The colour of a state, an outcome or a server status (CSS classes of .badge and .dot).
TONES = {
    "succeeded": "ok",
    "requested": "ok",
    "available": "ok",
    "already_available": "ok",
    "running": "info",
    "already_requested": "info",
    "would_request": "info",
    "partially_available": "warn",
    "skipped": "warn",
    "interrupted": "warn",
    "cancelled": "warn",
    "declined": "warn",
    "deleted": "warn",
    "blocklisted": "warn",
    "failed": "bad",
    "not_found": "bad",
}


@register.filter
def tone(value: object) -> str:
    return TONES.get(str(value), "")


@register.filter
def duration(seconds: float | None) -> str:
    """12.3 → "12 s", 75 → "1 min 15 s", 7260 → "2 h 1 min"."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@register.filter
def percent(part: float | None, whole: float | None) -> int:
    if not part or not whole:
        return 0
    return max(0, min(100, round(100 * part / whole)))


@register.filter
def outcome_label(kind: str) -> str:
    """The words for an outcome kind stored as its value (SyncRun.counts keys)."""
    from syncing.models import OutcomeKind

    return OutcomeKind(kind).label if kind in OutcomeKind.values else kind


@register.filter
def status_label(status: str) -> str:
    from lists.models import ServerStatus

    return ServerStatus(status).label if status in ServerStatus.values else status
