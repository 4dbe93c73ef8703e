"""Forms for the request server and the sync settings, shared by the settings page and the
admin. Secrets are never shown back: an empty field keeps the stored value."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

from syncing.models import ServerConnection, SyncSettings, mask_secret
from syncing.server import server_users, user_choices


class KeepsSecrets(forms.ModelForm):
    """Shows `secret_fields` as empty password inputs, keeps the stored value when left empty,
    and offers a "forget" box for each (to go back to no key)."""

    secret_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            field = self.fields[name]
            field.required = False
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
            stored = getattr(self.instance, name, "")
            if stored:
                field.help_text = f"Stored: {mask_secret(stored)}. Leave empty to keep it."
                self.fields[f"forget_{name}"] = forms.BooleanField(
                    label=f"Forget the stored {field.label}", required=False
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.secret_fields:
            if cleaned.get(f"forget_{name}"):
                cleaned[name] = ""
            elif not cleaned.get(name):
                cleaned[name] = getattr(self.instance, name, "")
        return cleaned


class ServerConnectionForm(KeepsSecrets):
    secret_fields = ("api_key",)

    class Meta:
        model = ServerConnection
        fields = ["url", "api_key", "default_user_id", "is_4k"]


class ServerSettingsForm(ServerConnectionForm):
    """The settings page's version: the default user is picked from the server's users."""

    default_user_id = forms.TypedChoiceField(
        label="Request as",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="The server user requests are made as, unless a list says otherwise.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["default_user_id"]
        assert isinstance(field, forms.ChoiceField)
        users = server_users()
        field.choices = user_choices("The API key's own user", self.instance.default_user_id, users)
        if not users:
            field.help_text += " (The server could not be asked for its users.)"


class SyncSettingsForm(KeepsSecrets):
    secret_fields = ("trakt_client_id", "mdblist_api_key")

    class Meta:
        model = SyncSettings
        fields = ["interval_minutes", "trakt_client_id", "mdblist_api_key"]
        help_texts = {
            "trakt_client_id": "Needed for Trakt lists: the Client ID of an API app made at "
            "trakt.tv/oauth/applications (not its secret).",
            "mdblist_api_key": "Optional: reads MDBList lists through its API "
            "(mdblist.com, Preferences). Without it the public JSON is used.",
        }
