from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class SyncingConfig(AppConfig):
    name = "syncing"
    verbose_name = "Syncing"

    def ready(self) -> None:
        from syncing import (
            checks,  # noqa: F401  (registers the system checks)
            shutdown,  # noqa: F401  (stops a sync when the worker is stopped)
        )
        from syncing.models import ServerConnection, SyncSettings

        post_migrate.connect(create_schedule, sender=self)
        # Settings count at once, whichever page changed them (settings page or admin).
        post_save.connect(follow_new_settings, sender=SyncSettings)
        post_save.connect(forget_old_server, sender=ServerConnection)


def create_schedule(**kwargs: Any) -> None:
    from syncing.schedule import ensure_schedule

    ensure_schedule()


def follow_new_settings(created: bool, raw: bool, **kwargs: Any) -> None:
    if not (created or raw):
        create_schedule()


def forget_old_server(raw: bool, **kwargs: Any) -> None:
    from syncing.server import forget_server_answers

    if not raw:
        forget_server_answers()
