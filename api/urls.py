from django.urls import path, re_path

from api import pages, views

app_name = "api"
urlpatterns = [
    path("docs/", pages.docs, name="docs"),
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.revoke_token, name="revoke_token"),
    path("openapi.json", views.openapi, name="openapi"),
    path("health/", views.health, name="health"),
    path("lists/", views.lists, name="lists"),
    path("lists/validate/", views.validate_list, name="validate_list"),
    path("lists/preview/", views.preview, name="preview_list"),
    path("lists/<int:pk>/", views.list_detail, name="list"),
    path("sync/", views.sync, name="sync"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/cancel/", views.cancel_run, name="cancel_run"),
    path("titles/", views.titles, name="titles"),
    path("analytics/", views.analytics, name="analytics"),
    path("settings/", views.settings, name="settings"),
    # Last: any other path under /api/ gets a JSON 404, not the web pages' HTML one.
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
