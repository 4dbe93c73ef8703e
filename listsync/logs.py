"""Logging: one line per event, each with the sync run it belongs to, and warnings and errors
also kept in the database for the log page.

Code logs as usual, naming the event and its facts when they are worth counting:
`log.warning("...", extra={"event": "fetch_failed", "context": {"source": "imdb"}})`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

# The run being carried out in this process (one sync at a time per process, so a plain
# global reaches the sync's worker threads too, which a context variable would not).
_current_run: int | None = None

KEPT_EVENTS = 10_000  # the log page keeps the newest this many
PRUNE_EVERY = 200


@contextmanager
def run_context(run_id: int) -> Iterator[None]:
    global _current_run
    _current_run = run_id
    try:
        yield
    finally:
        _current_run = None


class RunFilter(logging.Filter):
    """Puts the current run id (or the one passed in `extra`) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "run_id", None) is None:
            record.run_id = _current_run
        return True


def logfmt_value(value: object) -> str:
    text = str(value)
    if text and all(c.isalnum() or c in "-_.:/@+" for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class LineFormatter(logging.Formatter):
    """logfmt: `ts=… level=warning logger=syncing.engine run=42 event=… msg="…" source=imdb`."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        run_id = getattr(record, "run_id", None)
        if run_id is not None:
            fields["run"] = run_id
        event = getattr(record, "event", None)
        if event:
            fields["event"] = event
        fields["msg"] = record.getMessage()
        fields.update(getattr(record, "context", None) or {})
        line = " ".join(f"{key}={logfmt_value(value)}" for key, value in fields.items())
        if record.exc_info:
            line += " exc=" + json.dumps(self.formatException(record.exc_info))
        return line


class DatabaseHandler(logging.Handler):
    """Stores records in listsync.models.LogEvent. Never raises, never logs about itself."""

    def __init__(self, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.busy = threading.local()
        self.writes = 0

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self.busy, "active", False):
            return  # a log record made while storing one
        self.busy.active = True
        try:
            self.store(record)
        except Exception:
            pass  # the database may be down, locked or not set up yet: the console has it
        finally:
            self.busy.active = False

    def store(self, record: logging.LogRecord) -> None:
        from django.db import transaction

        from listsync.models import LogEvent

        with transaction.atomic():  # a savepoint inside a caller's transaction
            LogEvent.objects.create(
                level=record.levelname,
                logger=record.name[:100],
                event=str(getattr(record, "event", "") or "")[:60],
                message=record.getMessage(),
                run_id=getattr(record, "run_id", None),
                context=getattr(record, "context", None) or {},
            )
        self.writes += 1
        if self.writes % PRUNE_EVERY == 0:
            prune()


def prune() -> None:
    from listsync.models import LogEvent

    cutoff = LogEvent.objects.values_list("id", flat=True).order_by("-id")[
        KEPT_EVENTS : KEPT_EVENTS + 1
    ]
    if cutoff:
        LogEvent.objects.filter(id__lte=cutoff[0]).delete()
