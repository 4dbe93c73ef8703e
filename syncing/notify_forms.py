"""The notification settings form, shared by the notifications page and the admin. The webhook
and the Apprise URLs carry tokens: never shown back, kept when left empty."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms

from syncing.forms import KeepsSecrets
from syncing.models import NotificationSettings


class UnshownTextarea(forms.Textarea):
    """A textarea that, like a password input, never puts its value back into the page."""

    def format_value(self, value: Any) -> None:
        return None


class NotificationSettingsForm(KeepsSecrets):
    secret_fields = ("discord_webhook_url", "apprise_urls")

    class Meta:
        model = NotificationSettings
        fields = ["mode", "discord_webhook_url", "apprise_urls"]
        help_texts = {
            "discord_webhook_url": "Server settings → Integrations → Webhooks → New webhook → "
            "Copy webhook URL.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["apprise_urls"]
        # Several lines: a textarea, not KeepsSecrets' password input.
        field.widget = UnshownTextarea(
            attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}
        )
        stored = self.instance.apprise_url_list
        if stored:
            schemes = ", ".join(f"{urlsplit(url).scheme}://" for url in stored)
            field.help_text = (
                f"Stored: {len(stored)} ({schemes}). Leave empty to keep them; "
                "anything typed here replaces them all."
            )
