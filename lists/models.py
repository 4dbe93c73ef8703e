from __future__ import annotations

from django.db import models
from django.utils import timezone

from providers.base import ListRef


class MediaType(models.TextChoices):
    MOVIE = "movie", "Movie"
    TV = "tv", "TV show"


class MediaFilter(models.TextChoices):
    ALL = "all", "Movies and shows"
    MOVIE = "movie", "Movies only"
    TV = "tv", "Shows only"


class SeasonsPolicy(models.TextChoices):
    ALL = "all", "All seasons"
    FIRST = "first", "First season"
    LATEST = "latest", "Latest season"


class FollowedList(models.Model):
    """A list on a source site (or typed in by hand) whose titles ListSync requests."""

    source = models.CharField(max_length=20)
    key = models.CharField(max_length=500, help_text="The list's normalised id at its source.")
    url = models.URLField(max_length=500, blank=True)
    name = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    media_types = models.CharField(
        max_length=5, choices=MediaFilter.choices, default=MediaFilter.ALL
    )
    request_user_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="Request as this server user; empty: the default user."
    )
    is_4k = models.BooleanField("4K", default=False)
    seasons_policy = models.CharField(
        max_length=6, choices=SeasonsPolicy.choices, default=SeasonsPolicy.ALL
    )
    manual_items = models.TextField(blank=True, help_text="Manual lists only: one title per line.")
    created_at = models.DateTimeField(default=timezone.now)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_fetch_route = models.CharField(max_length=40, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "key"],
                condition=~models.Q(source="manual"),
                name="one_followed_list_per_source_key",
            )
        ]

    def __str__(self) -> str:
        if self.source == "manual":
            return self.name or f"Manual list #{self.pk}"
        return self.name or self.url or f"{self.source}:{self.key}"

    @property
    def ref(self) -> ListRef:
        return ListRef(source=self.source, key=self.key, url=self.url)

    def takes(self, media_type: str | None) -> bool:
        """Whether this list's options let a title of `media_type` be requested."""
        return self.media_types == MediaFilter.ALL or media_type == self.media_types


class ServerStatus(models.TextChoices):
    """What the request server last said about a title, in ListSync's own words."""

    UNCHECKED = "unchecked", "Not checked yet"
    MISSING = "missing", "Not requested"
    REQUESTED = "requested", "Requested"
    PARTIALLY_AVAILABLE = "partially_available", "Partially available"
    AVAILABLE = "available", "Available"
    DECLINED = "declined", "Declined on the server"
    DELETED = "deleted", "Deleted on the server"
    BLOCKLISTED = "blocklisted", "Blocklisted on the server"


class Title(models.Model):
    """A movie or show, identified by media type and TMDB id (the ids repeat across the two)."""

    media_type = models.CharField(max_length=5, choices=MediaType.choices)
    tmdb_id = models.PositiveIntegerField("TMDB id")
    imdb_id = models.CharField("IMDb id", max_length=16, blank=True, db_index=True)
    tvdb_id = models.PositiveIntegerField("TVDB id", null=True, blank=True, db_index=True)
    title = models.CharField(max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    server_status = models.CharField(
        max_length=20, choices=ServerStatus.choices, default=ServerStatus.UNCHECKED
    )
    status_checked_at = models.DateTimeField(null=True, blank=True)
    never_request = models.BooleanField(
        default=False, help_text="Never request this title, whatever list holds it."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "year"]
        constraints = [
            models.UniqueConstraint(fields=["media_type", "tmdb_id"], name="one_title_per_tmdb_id")
        ]
        # The Titles page: its default sort, its filters and its other sorts.
        indexes = [
            models.Index(fields=["title", "year"], name="title_by_name"),
            models.Index(fields=["server_status", "title", "year"], name="title_by_status"),
            models.Index(fields=["media_type", "title", "year"], name="title_by_media_type"),
            models.Index(fields=["year", "title"], name="title_by_year"),
            models.Index(fields=["created_at"], name="title_by_created_at"),
            models.Index(fields=["status_checked_at"], name="title_by_status_checked_at"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title or f"tmdb {self.tmdb_id}"


class ListItem(models.Model):
    """One entry of a followed list as its source gave it, and the title it resolved to.

    Kept when a fetch fails, so a list that cannot be read keeps its titles; `removed_at` is set
    only when a complete fetch no longer has the entry."""

    followed_list = models.ForeignKey(FollowedList, on_delete=models.CASCADE, related_name="items")
    title = models.ForeignKey(
        Title, null=True, blank=True, on_delete=models.SET_NULL, related_name="list_items"
    )
    identity = models.CharField(max_length=400)
    position = models.PositiveIntegerField(default=0)
    source_id = models.CharField(max_length=200, blank=True)
    imdb_id = models.CharField(max_length=16, blank=True)
    tmdb_id = models.PositiveIntegerField(null=True, blank=True)
    tvdb_id = models.PositiveIntegerField(null=True, blank=True)
    title_text = models.CharField(max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    media_type = models.CharField(max_length=5, choices=MediaType.choices, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    matched_by = models.CharField(max_length=10, blank=True, help_text="How it was matched.")
    resolve_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the server last failed to find this entry."
    )

    class Meta:
        ordering = ["followed_list", "position"]
        # The Titles page's list filter: a list's current titles.
        indexes = [
            models.Index(fields=["followed_list", "removed_at", "title"], name="item_by_list_title")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["followed_list", "identity"], name="one_item_per_list_identity"
            )
        ]

    def __str__(self) -> str:
        if self.title_text:
            return f"{self.title_text} ({self.year})" if self.year else self.title_text
        if self.imdb_id:
            return self.imdb_id
        if self.tmdb_id:
            return f"tmdb:{self.media_type}:{self.tmdb_id}"
        return f"tvdb:{self.tvdb_id}" if self.tvdb_id else self.identity


class SourceCache(models.Model):
    """Facts a source gives once and for good (a Letterboxd film's TMDB and IMDb ids), so they
    are fetched once per film, not once per sync."""

    source = models.CharField(max_length=20)
    key = models.CharField(max_length=300)
    data = models.JSONField(default=dict)
    stored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="one_cache_entry_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.key}"
