from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from listsync import monitoring, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("health/", views.health, name="health"),
    path("metrics", monitoring.metrics, name="metrics"),
    path("logs/", monitoring.log_page, name="logs"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("lists.urls")),
    path("", include("syncing.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
