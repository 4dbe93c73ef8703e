from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from syncing.engine import request_cancel
from syncing.models import Outcome, ServerConnection, SyncRun, mask_secret


class ServerConnectionForm(forms.ModelForm):
    api_key = forms.CharField(
        label="API key",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the stored key.",
    )

    class Meta:
        model = ServerConnection
        fields = ["url", "api_key", "default_user_id", "is_4k"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.api_key if self.instance.pk else ""
        if stored:
            self.fields[
                "api_key"
            ].help_text = f"Stored: {mask_secret(stored)}. Leave empty to keep it."

    def clean_api_key(self) -> str:
        # An empty field keeps the stored key: the form never shows the key back.
        return self.cleaned_data["api_key"] or (self.instance.api_key if self.instance.pk else "")


@admin.register(ServerConnection)
class ServerConnectionAdmin(admin.ModelAdmin):
    form = ServerConnectionForm
    list_display = ["url", "masked_api_key", "default_user_id", "is_4k", "fork", "version"]
    readonly_fields = ["fork", "version", "checked_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ServerConnection.objects.exists()


class OutcomeInline(admin.TabularInline):
    model = Outcome
    fields = readonly_fields = ("label", "kind", "matched_by", "seasons", "message")
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "trigger",
        "state",
        "dry_run",
        "started_at",
        "finished_at",
        "done",
        "total",
    ]
    list_filter = ["state", "trigger", "dry_run"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]
    actions = ["cancel"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Cancel the selected running syncs")
    def cancel(self, request: HttpRequest, queryset: QuerySet[SyncRun]) -> None:
        cancelled = sum(request_cancel(run.pk) for run in queryset)
        self.message_user(request, f"Asked {cancelled} running sync(s) to stop.", messages.INFO)


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "matched_by", "run", "message"]
    list_filter = ["kind", "matched_by"]
    search_fields = ["label", "message"]
    raw_id_fields = ["run", "title", "list_item"]
    list_select_related = ["run"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
