from django.urls import path

from lists import titles, views

app_name = "lists"
urlpatterns = [
    path("lists/", views.index, name="index"),
    path("lists/add/", views.add, name="add"),
    path("lists/<int:pk>/", views.edit, name="edit"),
    path("lists/<int:pk>/delete/", views.delete, name="delete"),
    path("titles/", titles.index, name="titles"),
    path("titles/export.csv", titles.export_csv, name="titles_csv"),
    path("titles/<int:pk>/never/", titles.never_request, name="title_never"),
    path("titles/<int:pk>/retry/", titles.retry, name="title_retry"),
]
