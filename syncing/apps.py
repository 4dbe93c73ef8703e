from django.apps import AppConfig


class SyncingConfig(AppConfig):
    name = "syncing"
    verbose_name = "Syncing"

    def ready(self) -> None:
        from syncing import checks  # noqa: F401  (registers the system checks)
