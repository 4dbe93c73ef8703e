from __future__ import annotations

from django.db import models
from django.utils import timezone


class LogEvent(models.Model):
    """A warning or error from ListSync's own code, kept in the database so the log page can
    show it (container logs rotate away; files may not be readable)."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    level = models.CharField(max_length=10)
    logger = models.CharField(max_length=100)
    event = models.CharField(max_length=60, blank=True, help_text="A stable name, for counting.")
    message = models.TextField()
    run_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    context = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["event", "created_at"])]

    def __str__(self) -> str:
        return f"{self.level} {self.logger}: {self.message[:80]}"
