from django.urls import path

from syncing import analytics, notify_views, views

app_name = "syncing"
urlpatterns = [
    path("sync/", views.sync_now, name="sync_now"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run, name="run"),
    path("runs/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("analytics/", analytics.page, name="analytics"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/test/", views.test_connection, name="test_connection"),
    path("settings/notifications/", notify_views.notifications_page, name="notifications"),
    path(
        "settings/notifications/test/",
        notify_views.send_test_notification,
        name="test_notification",
    ),
    path("server/", views.server_status, name="server_status"),
]
