"""The forms of the lists pages: following a list, and changing a followed list's options."""

from __future__ import annotations

from typing import Any

from django import forms

import providers
from lists.models import FollowedList
from lists.services import add_list, check_manual_items
from providers import ListInputError, ListRef
from providers.manual import FORMS
from syncing.server import server_users, user_choices

OPTION_FIELDS = ["name", "enabled", "media_types", "request_user_id", "is_4k", "seasons_policy"]


class ListOptionsForm(forms.ModelForm):
    """A followed list's options (and, for a manual list, its titles)."""

    request_user_id = forms.TypedChoiceField(
        label="Request as",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="The server user this list's requests are made as. The default user is the "
        "one chosen in Settings.",
    )

    class Meta:
        model = FollowedList
        fields = [*OPTION_FIELDS, "manual_items"]
        labels = {
            "media_types": "Request",
            "is_4k": "Request in 4K",
            "seasons_policy": "Seasons of a show",
            "manual_items": "Titles",
        }
        help_texts = {
            "name": "Shown in ListSync only. Empty: the list's own name, once it is read.",
            "enabled": "A paused list is kept, but not read or requested from.",
            "is_4k": "Only when the request server has a 4K Radarr/Sonarr.",
            "seasons_policy": "Which seasons to request when the list holds a show.",
            "manual_items": f"One title per line: {FORMS}. Lines starting with # are notes.",
        }
        widgets = {"manual_items": forms.Textarea(attrs={"rows": 10, "spellcheck": "false"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line_warnings: list[str] = []
        field = self.fields["request_user_id"]
        assert isinstance(field, forms.ChoiceField)
        users = server_users()
        field.choices = user_choices("Default user", self.instance.request_user_id, users)
        if not users:
            field.help_text += (
                " The request server could not be reached to list its users: check Settings, "
                "or keep the default user."
            )
        if self.instance.pk and self.instance.source != "manual":
            del self.fields["manual_items"]

    def clean_manual_items(self) -> str:
        """The same rule as lists.services.add_list: at least one line must be a title; the
        lines that are not are left out, and said so."""
        text: str = self.cleaned_data["manual_items"]
        try:
            self.line_warnings = check_manual_items(text)
        except ListInputError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text


class AddListForm(ListOptionsForm):
    """Follow a list: its URL or id (or the word manual, with typed titles), and its options.

    Saving goes through lists.services.add_list; nothing is fetched until the list syncs."""

    list_input = forms.CharField(
        label="List URL or id",
        max_length=500,
        widget=forms.TextInput(
            attrs={"placeholder": "https://trakt.tv/users/…/lists/…", "autofocus": True}
        ),
        help_text="Paste the address of the list's page, or type manual to type titles in.",
    )
    field_order = ["list_input"]

    class Meta(ListOptionsForm.Meta):
        help_texts = {
            **ListOptionsForm.Meta.help_texts,
            "manual_items": f"Manual lists only. {ListOptionsForm.Meta.help_texts['manual_items']}",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manual_items"].required = False  # add_list says what a manual list lacks
        self.ref: ListRef | None = None

    def clean_list_input(self) -> str:
        text: str = self.cleaned_data["list_input"].strip()
        try:
            self.ref = providers.parse_list(text)
        except ListInputError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text

    def clean_manual_items(self) -> str:
        return str(self.cleaned_data["manual_items"])  # checked by add_list, manual lists only

    @property
    def is_manual(self) -> bool:
        return self.ref is not None and self.ref.source == "manual"

    def follow(self) -> tuple[FollowedList, list[str]] | None:
        """Follow the list (call after is_valid()). Returns it and the manual lines left out,
        or None with add_list's reason (a duplicate, a manual list without titles) on the form."""
        data = self.cleaned_data
        try:
            followed, warnings = add_list(
                data["list_input"],
                name=data["name"] or ("Manual list" if self.is_manual else ""),
                media_types=data["media_types"],
                request_user_id=data["request_user_id"],
                is_4k=data["is_4k"],
                seasons_policy=data["seasons_policy"],
                manual_items=data["manual_items"] if self.is_manual else "",
                enabled=data["enabled"],
            )
        except ListInputError as exc:
            self.add_error("manual_items" if self.is_manual else "list_input", str(exc))
            return None
        return followed, warnings
