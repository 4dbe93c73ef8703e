"""API tokens: a script or another program calls the JSON API with one of these.

Only a SHA-256 of each token's secret is stored: the secret is shown once, when it is made, and
cannot be read back from the database, the admin or the token page."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SECRET_PREFIX = "lst_"  # makes a leaked token recognisable (secret scanners, logs)
# last_used_at is written at most this often per token: not a database write per API call.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text="The API acts as this user; the token stops working if the user is made "
        "inactive.",
    )
    name = models.CharField(
        max_length=100, help_text="What uses this token, e.g. “Home Assistant”."
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def new_secret(self) -> str:
        """Give the token a fresh secret (call before saving it); returns the secret, which is
        not kept anywhere."""
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        self.token_hash = hash_secret(secret)
        return secret

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """A new token for `user`, and its secret (to show once)."""
        token = cls(user=user, name=name)
        secret = token.new_secret()
        token.save()
        return token, secret

    @classmethod
    def find(cls, secret: str) -> ApiToken | None:
        """The token with this secret, if its user may still sign in."""
        return (
            cls.objects.select_related("user")
            .filter(token_hash=hash_secret(secret), user__is_active=True)
            .first()
        )

    def mark_used(self) -> None:
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= LAST_USED_PRECISION:
            self.last_used_at = now
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
