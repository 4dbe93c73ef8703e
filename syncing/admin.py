from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from syncing.engine import request_cancel
from syncing.forms import ServerConnectionForm, SyncSettingsForm
from syncing.models import NotificationSettings, Outcome, ServerConnection, SyncRun, SyncSettings
from syncing.notify_forms import NotificationSettingsForm


class SingleRowAdmin(admin.ModelAdmin):
    """The settings tables have one row: it can be changed, not added to."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not self.model.objects.exists()


@admin.register(ServerConnection)
class ServerConnectionAdmin(SingleRowAdmin):
    form = ServerConnectionForm
    list_display = ["url", "masked_api_key", "default_user_id", "is_4k", "fork", "version"]
    readonly_fields = ["fork", "version", "checked_at"]


@admin.register(SyncSettings)
class SyncSettingsAdmin(SingleRowAdmin):
    form = SyncSettingsForm


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(SingleRowAdmin):
    form = NotificationSettingsForm
    readonly_fields = ["last_sent_at", "last_error", "last_error_at"]


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
