from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from lists.models import FollowedList, ListItem, SourceCache, Title
from syncing.jobs import enqueue_sync


class ListItemInline(admin.TabularInline):
    model = ListItem
    fields = readonly_fields = (
        "position",
        "title_text",
        "year",
        "media_type",
        "title",
        "matched_by",
        "removed_at",
    )
    extra = 0
    can_delete = False
    show_change_link = True
    max_num = 0


@admin.register(FollowedList)
class FollowedListAdmin(admin.ModelAdmin):
    list_display = ["__str__", "source", "enabled", "item_count", "last_fetched_at", "last_error"]
    list_filter = ["source", "enabled", "media_types"]
    search_fields = ["name", "url", "key"]
    readonly_fields = [
        "source",
        "key",
        "url",
        "created_at",
        "last_fetched_at",
        "last_fetch_route",
        "item_count",
        "last_error",
        "last_error_at",
    ]
    actions = ["sync_now"]

    @admin.action(description="Sync the selected lists now")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[FollowedList]) -> None:
        for followed in queryset:
            enqueue_sync(list_id=followed.pk)
        self.message_user(
            request, f"Queued a sync of {queryset.count()} list(s).", messages.SUCCESS
        )


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "media_type",
        "tmdb_id",
        "imdb_id",
        "server_status",
        "status_checked_at",
        "never_request",
    ]
    list_filter = ["media_type", "server_status", "never_request"]
    search_fields = ["title", "imdb_id", "=tmdb_id"]
    readonly_fields = ["status_checked_at", "created_at"]
    list_editable = ["never_request"]


@admin.register(ListItem)
class ListItemAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "followed_list",
        "title",
        "matched_by",
        "first_seen",
        "last_seen",
        "removed_at",
    ]
    list_filter = ["followed_list", "matched_by"]
    search_fields = ["title_text", "imdb_id", "identity"]
    raw_id_fields = ["title"]
    list_select_related = ["followed_list", "title"]


@admin.register(SourceCache)
class SourceCacheAdmin(admin.ModelAdmin):
    list_display = ["__str__", "data", "stored_at"]
    list_filter = ["source"]
    search_fields = ["key"]
