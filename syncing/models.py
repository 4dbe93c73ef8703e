from __future__ import annotations

from typing import Self
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from lists.models import FollowedList, ListItem, Title


class Fork(models.TextChoices):
    OVERSEERR = "overseerr", "Overseerr"
    JELLYSEERR = "jellyseerr", "Jellyseerr"
    SEERR = "seerr", "Seerr"


class SingleRow(models.Model):
    """A table of one row (pk 1), made on first use from `first_values()` (the environment)."""

    class Meta:
        abstract = True

    @classmethod
    def first_values(cls) -> dict[str, object]:
        return {}

    @classmethod
    def get(cls) -> Self:
        row, _ = cls._default_manager.get_or_create(pk=1, defaults=cls.first_values())
        return row


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def validate_server_url(value: str) -> None:
    # Not URLValidator: it refuses one-word hosts such as http://overseerr:5055 (Docker).
    if not is_http_url(value):
        raise ValidationError(
            "Enter the address you open the server at, e.g. http://overseerr:5055.",
            code="invalid",
        )
    if urlsplit(value).path.rstrip("/").endswith("/api/v1"):
        raise ValidationError("Leave out /api/v1: ListSync adds it itself.", code="invalid")


class ServerConnection(SingleRow):
    """The request server ListSync talks to. One row; first filled from the environment."""

    url = models.CharField(
        "server URL",
        max_length=300,
        blank=True,
        validators=[validate_server_url],
        help_text="The address you open it at, e.g. http://overseerr:5055",
    )
    api_key = models.CharField("API key", max_length=200, blank=True)
    default_user_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="Request as this user; empty: the API key's own user."
    )
    is_4k = models.BooleanField("request 4K", default=False)
    fork = models.CharField(max_length=12, choices=Fork.choices, blank=True)
    version = models.CharField(max_length=40, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "request server"

    def __str__(self) -> str:
        return self.url or "(no request server set)"

    @classmethod
    def first_values(cls) -> dict[str, object]:
        return {
            "url": settings.LISTSYNC_SERVER_URL,
            "api_key": settings.LISTSYNC_SERVER_API_KEY,
            "default_user_id": settings.LISTSYNC_SERVER_USER,
        }

    @property
    def masked_api_key(self) -> str:
        return mask_secret(self.api_key)


MIN_INTERVAL_MINUTES = 30
MAX_INTERVAL_MINUTES = 7 * 24 * 60


class SyncSettings(SingleRow):
    """How often the schedule syncs, and the keys some sources need. One row, first filled
    from the environment; the settings page edits it and it counts without a restart."""

    interval_minutes = models.PositiveIntegerField(
        "sync every (minutes)",
        default=360,
        validators=[
            MinValueValidator(MIN_INTERVAL_MINUTES),
            MaxValueValidator(MAX_INTERVAL_MINUTES),
        ],
        help_text="From 30 minutes to 7 days (10080 minutes).",
    )
    trakt_client_id = models.CharField("Trakt client id", max_length=200, blank=True)
    mdblist_api_key = models.CharField("MDBList API key", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "sync settings"

    def __str__(self) -> str:
        return "Sync settings"

    @classmethod
    def first_values(cls) -> dict[str, object]:
        return {
            "interval_minutes": settings.LISTSYNC_SYNC_INTERVAL_MINUTES,
            "trakt_client_id": settings.LISTSYNC_TRAKT_CLIENT_ID,
            "mdblist_api_key": settings.LISTSYNC_MDBLIST_API_KEY,
        }

    def source_keys(self) -> dict[str, str]:
        """The credentials handed to the sources (providers.FetchContext `keys`)."""
        return {
            "trakt_client_id": self.trakt_client_id,
            "mdblist_api_key": self.mdblist_api_key,
        }


def mask_secret(secret: str) -> str:
    """Enough of a secret to recognise it, never enough to use it."""
    if not secret:
        return ""
    if len(secret) <= 8:
        return "•" * 8
    return f"{secret[:2]}{'•' * 8}{secret[-2:]}"


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Manual"
    CLI = "cli", "Command line"


class RunState(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"
    CANCELLED = "cancelled", "Cancelled"


class SyncRun(models.Model):
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    state = models.CharField(max_length=12, choices=RunState.choices, default=RunState.RUNNING)
    dry_run = models.BooleanField(default=False)
    followed_list = models.ForeignKey(
        FollowedList,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="Set when the run synced one list only.",
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0, help_text="Titles this run decides on.")
    done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    list_counts = models.JSONField(
        default=dict,
        blank=True,
        help_text="Outcome counts per list: {list id: {kind: count}}, written as the run ends.",
    )
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # The database itself guarantees one running sync, across processes and machines.
            models.UniqueConstraint(
                fields=["state"],
                condition=models.Q(state="running"),
                name="one_running_sync",
            )
        ]

    def __str__(self) -> str:
        return f"Sync #{self.pk} ({self.get_state_display().lower()})"

    @property
    def duration(self) -> float | None:
        if not self.finished_at:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class OutcomeKind(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ALREADY_REQUESTED = "already_requested", "Already requested"
    ALREADY_AVAILABLE = "already_available", "Already available"
    PARTIALLY_AVAILABLE = "partially_available", "Partially available"
    SKIPPED = "skipped", "Skipped"
    NOT_FOUND = "not_found", "Not found"
    FAILED = "failed", "Failed"
    WOULD_REQUEST = "would_request", "Would request (dry run)"


class MatchedBy(models.TextChoices):
    TMDB = "tmdb", "TMDB id"
    IMDB = "imdb", "IMDb id"
    TVDB = "tvdb", "TVDB id"
    TITLE_YEAR = "title_year", "Title and year"
    TITLE = "title", "Title only"


class Outcome(models.Model):
    """What one run did with one title (or with a list entry the server could not find)."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="outcomes")
    title = models.ForeignKey(
        Title, null=True, blank=True, on_delete=models.CASCADE, related_name="outcomes"
    )
    list_item = models.ForeignKey(
        ListItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="The list entry this came from (the first, when several lists hold it).",
    )
    label = models.CharField(max_length=320, help_text="The title as the list named it.")
    kind = models.CharField(max_length=20, choices=OutcomeKind.choices)
    matched_by = models.CharField(max_length=10, choices=MatchedBy.choices, blank=True)
    seasons = models.JSONField(
        default=list, blank=True, help_text="Partially available shows: the seasons requested."
    )
    message = models.TextField(blank=True, help_text="Why skipped, or what failed.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["run", "kind"]),
            # "requested this week" on the dashboard and outcomes over time on analytics.
            models.Index(fields=["kind", "created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "title"],
                condition=models.Q(title__isnull=False),
                name="one_outcome_per_title_per_run",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.get_kind_display()}"


# --- notifications after a run ----------------------------------------------------------------


class NotifyMode(models.TextChoices):
    ALWAYS = "always", "After every sync (dry runs too)"
    REQUESTED = "requested", "When something was requested or went wrong"
    ERRORS = "errors", "Only when something went wrong"
    OFF = "off", "Never"


def discord_webhook_bases() -> list[str]:
    """Where a Discord webhook URL may point: LISTSYNC_DISCORD_BASE_URL (a test server can
    stand in), and for the real Discord also its old domain, which still serves webhooks."""
    base = settings.LISTSYNC_DISCORD_BASE_URL.rstrip("/")
    return [base, "https://discordapp.com"] if base == "https://discord.com" else [base]


def validate_discord_webhook_url(value: str) -> None:
    parts = urlsplit(value)
    segments = parts.path.strip("/").split("/")  # api, webhooks, the webhook's id, its token
    well_formed = (
        len(segments) == 4 and segments[:2] == ["api", "webhooks"] and segments[2].isdigit()
    )
    if f"{parts.scheme}://{parts.netloc}" not in discord_webhook_bases() or not well_formed:
        raise ValidationError(
            "Paste the URL Discord gives under Server settings → Integrations → Webhooks → "
            f"Copy webhook URL: {discord_webhook_bases()[0]}/api/webhooks/<id>/<token>.",
            code="invalid",
        )


def url_lines(text: str) -> list[str]:
    """The URLs of a one-per-line text field, without blank lines."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def validate_apprise_urls(value: str) -> None:
    # Imported here: Apprise loads its hundred-odd services on first use, which every process
    # importing the models (the CLI, the worker) would pay for otherwise.
    import apprise

    for number, url in enumerate(url_lines(value), start=1):
        if not apprise.Apprise().add(url):
            raise ValidationError(
                f"Line {number} ({mask_secret(url)}) is not a URL Apprise knows: see "
                "github.com/caronc/apprise/wiki for each service's form (tgram://, ntfy://, "
                "gotify://, mailto://…).",
                code="invalid",
            )


class NotificationSettings(SingleRow):
    """Where and when to say what a sync did. One row; the notifications page edits it."""

    mode = models.CharField(
        "send a notification",
        max_length=10,
        choices=NotifyMode.choices,
        default=NotifyMode.REQUESTED,
    )
    discord_webhook_url = models.CharField(
        "Discord webhook URL",
        max_length=300,
        blank=True,
        validators=[validate_discord_webhook_url],
    )
    apprise_urls = models.TextField(
        "Apprise URLs",
        blank=True,
        validators=[validate_apprise_urls],
        help_text="Any other service, one URL a line: tgram://, ntfy://, gotify://, mailto://…",
    )
    last_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When a notification last reached every target."
    )
    last_error = models.TextField(blank=True, help_text="What went wrong the last time.")
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return "Notification settings"

    @property
    def apprise_url_list(self) -> list[str]:
        return url_lines(self.apprise_urls)

    @property
    def masked_discord_webhook_url(self) -> str:
        return mask_secret(self.discord_webhook_url)
