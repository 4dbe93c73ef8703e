"""Stopping ListSync while a sync runs: the sync ends `interrupted` within a second or two,
instead of holding the shutdown up until it is done (a container gets ten seconds) or being
killed halfway and left `running`.

django-q2 does not tell its job processes that the cluster is stopping: on SIGTERM or SIGINT its
main process lets each job process finish the job it has, however long, before handing it a
poison pill. Its sentinel and helper processes ignore SIGINT. So scripts/serve runs the worker
in a process group of its own and stops it with SIGINT to the whole group: the main process stops
the cluster as on SIGTERM, and each job process, which handles SIGINT here, notes that ListSync
is stopping. The sync checks that note at every heartbeat (Sync.beat). SIGTERM keeps its default
in job processes: django-q2 uses it to end one that overran its timeout.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django_q.signals import post_spawn

_stopping = threading.Event()


class Stopping(Exception):
    def __init__(self) -> None:
        super().__init__(
            "ListSync was stopping, so this sync ended early; the next one carries on from here."
        )


def stop_requested() -> bool:
    return _stopping.is_set()


def request_stop(signum: int, frame: FrameType | None) -> None:
    """The signal handler. For good: a job process told to stop does no more work (a sync it
    is handed after this ends at its first heartbeat)."""
    _stopping.set()


def handle_stop_signal(**kwargs: Any) -> None:
    """In each django-q2 job process as it starts (its post_spawn signal)."""
    signal.signal(signal.SIGINT, request_stop)


post_spawn.connect(handle_stop_signal, dispatch_uid="listsync-stop-signal")
