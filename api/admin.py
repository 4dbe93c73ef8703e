from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created_at", "last_used_at"]
    list_filter = ["user"]
    search_fields = ["name", "user__username"]
    fields = ["name", "user", "created_at", "last_used_at"]
    readonly_fields = ["created_at", "last_used_at"]
    raw_id_fields = ["user"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, str | list[str]]:
        return {"user": str(request.user.pk)}

    def save_model(self, request: HttpRequest, obj: ApiToken, form: object, change: bool) -> None:
        if not change:
            # Kept on the object only until response_add shows it.
            obj.shown_secret = obj.new_secret()  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        """Show the new token's secret once, on the page that answers the save (not in a
        message, which could be stored in a cookie)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "secret": obj.shown_secret,  # type: ignore[attr-defined]
            "title": "API token made",
        }
        response = TemplateResponse(request, "admin/api/apitoken/made.html", context)
        response["Cache-Control"] = "no-store"
        return response
