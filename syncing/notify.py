"""Notifications after a sync: a Discord embed through the webhook, and the same in plain text to
every Apprise URL (Telegram, ntfy, Gotify, e-mail…), sent when the settings' mode says so.

Nothing here ever fails a sync: a problem is logged and stored on NotificationSettings, where
the notifications page shows it. Discord is called through listsync.http (timeouts, retries,
Retry-After on 429); Apprise makes its own HTTP calls, with its own timeouts and no retries.
No URL is logged or stored: they carry the tokens.
"""

from __future__ import annotations

import contextlib
import logging
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import apprise
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from lists.models import FollowedList
from listsync import http
from listsync.templatetags.ui import duration, tone
from syncing.models import (
    NotificationSettings,
    NotifyMode,
    OutcomeKind,
    RunState,
    SyncRun,
    mask_secret,
)

log = logging.getLogger(__name__)

FIRST_FAILURES = 5
# Discord's own green, blurple, yellow and red for the tones the pages use.
COLOURS = {"ok": 0x57F287, "info": 0x5865F2, "warn": 0xFEE75C, "bad": 0xED4245}
APPRISE_TYPES = {
    "ok": apprise.NotifyType.SUCCESS,
    "info": apprise.NotifyType.INFO,
    "warn": apprise.NotifyType.WARNING,
    "bad": apprise.NotifyType.FAILURE,
}
# Discord refuses an embed with a longer title, description or field value.
TITLE_LIMIT, DESCRIPTION_LIMIT, FIELD_LIMIT = 256, 4096, 1024
LINE_LIMIT = 300
# Runs of URL characters this long are treated as tokens (Gotify's are 15 characters).
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-]{12,}")


class DeliveryError(Exception):
    """A target did not take the notification; the message says why, for a person."""


@dataclass
class Message:
    """What to say, built once and shaped for each kind of target."""

    title: str
    tone: str
    description: str
    link: str
    counts: list[tuple[str, int]] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    timestamp: datetime | None = None


# --- whether to send ---------------------------------------------------------------------------


def unreadable_lists(run: SyncRun) -> list[FollowedList]:
    """The run's lists whose fetch failed while it ran."""
    lists = FollowedList.objects.filter(last_error_at__gte=run.started_at)
    if run.followed_list_id:
        lists = lists.filter(pk=run.followed_list_id)
    return list(lists.order_by("pk"))


def went_wrong(run: SyncRun, unreadable: list[FollowedList]) -> bool:
    return (
        run.state == RunState.FAILED or bool(run.counts.get(OutcomeKind.FAILED)) or bool(unreadable)
    )


def requested_something(run: SyncRun) -> bool:
    counts = run.counts
    return bool(counts.get(OutcomeKind.REQUESTED) or counts.get(OutcomeKind.PARTIALLY_AVAILABLE))


def should_send(mode: str, run: SyncRun, *, problems: bool) -> bool:
    """A dry run only in "always" mode; "requested" includes problems, so a sync that breaks
    is never silent unless notifications are off."""
    if mode == NotifyMode.ALWAYS:
        return True
    if mode == NotifyMode.OFF or run.dry_run:
        return False
    return problems or (mode == NotifyMode.REQUESTED and requested_something(run))


# --- what to say -------------------------------------------------------------------------------


def run_message(run: SyncRun, unreadable: list[FollowedList]) -> Message:
    problems = went_wrong(run, unreadable)
    run_tone = tone(run.state) or "info"
    if run.state == RunState.SUCCEEDED:
        run_tone = "warn" if problems else ("info" if run.dry_run else "ok")
    dry = " (dry run)" if run.dry_run else ""
    description = [run.error] if run.error else []
    description.append(f"{run.get_trigger_display()} · {duration(run.duration)}")
    if run.dry_run:
        description.append("Dry run: nothing was requested.")
    sections = [
        ("Lists", list_lines(run)),
        ("Failures", failure_lines(run)),
        ("Lists that could not be read", [f"{f}: {f.last_error}" for f in unreadable]),
    ]
    return Message(
        title=f"Sync #{run.pk}{dry} {run.get_state_display().lower()}",
        tone=run_tone,
        description="\n".join(description),
        link=settings.SITE_ROOT + reverse("syncing:run", args=[run.pk]),
        counts=counted(run.counts),
        sections=[(heading, lines) for heading, lines in sections if lines],
        timestamp=run.finished_at,
    )


def counted(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(label, count) of each outcome kind that occurred, in the kinds' order."""
    return [(kind.label, counts[kind]) for kind in OutcomeKind if counts.get(kind)]


def list_lines(run: SyncRun) -> list[str]:
    """One line for each list the run synced, e.g. My list: 3 requested, 1 failed."""
    per_list = run.list_counts or {}
    names = FollowedList.objects.in_bulk([int(pk) for pk in per_list])
    lines = []
    for pk, counts in per_list.items():
        summary = ", ".join(f"{n} {label.lower()}" for label, n in counted(counts))
        name = names.get(int(pk), f"list #{pk}")
        lines.append(f"{name}: {summary}")
    if not lines and run.followed_list:
        lines.append(str(run.followed_list))
    return lines


def failure_lines(run: SyncRun) -> list[str]:
    failed = run.outcomes.filter(kind=OutcomeKind.FAILED).order_by("pk")
    lines = [f"{o.label}: {o.message}" for o in failed[:FIRST_FAILURES]]
    more = run.counts.get(OutcomeKind.FAILED, 0) - len(lines)
    if more > 0:
        lines.append(f"… and {more} more on the sync's page")
    return lines


def sample_message() -> Message:
    return Message(
        title="ListSync test notification",
        tone="info",
        description="Notifications from ListSync arrive here.",
        link=settings.SITE_ROOT + reverse("dashboard"),
        timestamp=timezone.now(),
    )


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def discord_payload(message: Message) -> dict[str, Any]:
    fields = [{"name": label, "value": str(n), "inline": True} for label, n in message.counts]
    fields += [
        {
            "name": heading,
            "value": clip("\n".join(clip(line, LINE_LIMIT) for line in lines), FIELD_LIMIT),
            "inline": False,
        }
        for heading, lines in message.sections
    ]
    embed: dict[str, Any] = {
        "title": clip(message.title, TITLE_LIMIT),
        "url": message.link,
        "description": clip(message.description, DESCRIPTION_LIMIT),
        "color": COLOURS[message.tone],
        "fields": fields,
        "footer": {"text": "ListSync"},
    }
    if message.timestamp:
        embed["timestamp"] = message.timestamp.isoformat()
    # No @everyone or role pings, whatever a list or title is called.
    return {"username": "ListSync", "embeds": [embed], "allowed_mentions": {"parse": []}}


def plain_text(message: Message) -> str:
    parts = [message.description]
    if message.counts:
        parts.append("\n".join(f"{label}: {n}" for label, n in message.counts))
    for heading, lines in message.sections:
        parts.append(f"{heading}:\n" + "\n".join(f"- {clip(line, LINE_LIMIT)}" for line in lines))
    parts.append(message.link)
    return "\n\n".join(parts)


# --- sending -----------------------------------------------------------------------------------


def post_to_discord(url: str, message: Message) -> None:
    with http.new_session() as session:
        response = http.call(session, "POST", url, json=discord_payload(message))
    if not response.ok:
        try:
            reason = response.json().get("message", "")
        except ValueError:
            reason = ""
        raise DeliveryError(f"Discord answered {response.status_code} {reason or response.reason}")


def send_with_apprise(url: str, message: Message) -> None:
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise DeliveryError("Apprise does not know this URL")
    # Apprise says why a send failed only in its log.
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        sent = notifier.notify(
            body=plain_text(message),
            title=message.title,
            notify_type=APPRISE_TYPES[message.tone],
            body_format=apprise.NotifyFormat.TEXT,
        )
    if not sent:
        reason = " ".join(captured.getvalue().split())
        raise DeliveryError(f"not sent: {reason or 'Apprise gave no reason'}")


Sender = Callable[[str, Message], None]


def targets(stored: NotificationSettings) -> list[tuple[str, str, Sender]]:
    """(name for a person, URL, how to send) of every place to notify."""
    found: list[tuple[str, str, Sender]] = []
    if stored.discord_webhook_url:
        found.append(("Discord webhook", stored.discord_webhook_url, post_to_discord))
    for number, url in enumerate(stored.apprise_url_list, start=1):
        name = f"Apprise URL {number} ({urlsplit(url).scheme}://)"
        found.append((name, url, send_with_apprise))
    return found


def describe_targets(stored: NotificationSettings) -> str:
    """Where notifications go, in words for the page: the Discord webhook and 2 Apprise URLs."""
    parts = ["the Discord webhook"] if stored.discord_webhook_url else []
    count = len(stored.apprise_url_list)
    if count:
        parts.append(f"{count} Apprise URL{'s' if count > 1 else ''}")
    return " and ".join(parts) or "nowhere yet"


def scrub(text: str, stored: NotificationSettings | None) -> str:
    """The text with every URL and token-like part of one masked."""
    if stored is None:
        return text
    for _, url, _ in targets(stored):
        for secret in [url, *TOKEN_LIKE.findall(url)]:
            text = text.replace(secret, mask_secret(secret))
    return text


def scrubbed_traceback(exc: Exception, stored: NotificationSettings | None) -> str:
    return scrub("".join(traceback.format_exception(exc)), stored)


def deliver(stored: NotificationSettings, message: Message) -> list[str]:
    """Send to every target; the problems, one line per target that failed."""
    problems = []
    for name, url, send in targets(stored):
        try:
            send(url, message)
        except (DeliveryError, http.HttpError) as exc:
            problems.append(f"{name}: {exc}")
        except Exception as exc:  # a notifier's bug must not keep the others from sending
            details = scrubbed_traceback(exc, stored)
            log.error("%s failed:\n%s", name, details, extra={"event": "notification_crashed"})
            problems.append(f"{name}: unexpected error {exc!r}")
    return [scrub(problem, stored) for problem in problems]


def record(problems: list[str]) -> None:
    """Keep the result where the notifications page shows it (an update, so a settings form
    saved meanwhile is not overwritten)."""
    now = timezone.now()
    rows = NotificationSettings.objects.filter(pk=1)
    if problems:
        log.warning(
            "notification not delivered: %s",
            "; ".join(problems),
            extra={"event": "notification_failed"},
        )
        rows.update(last_error="\n".join(problems), last_error_at=now)
    else:
        rows.update(last_sent_at=now, last_error="", last_error_at=None)


def notify_after_run(run: SyncRun) -> None:
    """Tell every target what a finished run did, if the mode says so. Never raises: a failing
    notifier must not fail the sync."""
    stored: NotificationSettings | None = None
    try:
        stored = NotificationSettings.get()
        if not targets(stored):
            return
        unreadable = unreadable_lists(run)
        if should_send(stored.mode, run, problems=went_wrong(run, unreadable)):
            record(deliver(stored, run_message(run, unreadable)))
    except Exception as exc:
        details = scrubbed_traceback(exc, stored)
        log.error(
            "notifying about sync #%s failed:\n%s",
            run.pk,
            details,
            extra={"event": "notification_crashed"},
        )
        with contextlib.suppress(Exception):  # the database may be what failed
            record([scrub(f"Unexpected error: {exc!r}", stored)])


def send_test() -> list[str]:
    """Send a test message to every stored target; the problems (empty: all arrived)."""
    stored = NotificationSettings.get()
    if not targets(stored):
        return ["Nothing to send to: add a Discord webhook or an Apprise URL, and save."]
    problems = deliver(stored, sample_message())
    record(problems)
    return problems
