"""Login: every page and endpoint but the health check needs it; CSRF is enforced."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

OPEN = {"/health/", "/login/"}
# The JSON API answers to a token, not a login (tests/test_api.py checks its 401s); its two
# pages, the docs and the tokens, need a login like every other page.
API_PAGES = ("/api/docs/", "/api/tokens/")


def every_path(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """One concrete path per URL pattern of the project (1 for every number in it)."""
    paths = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = re.sub(r"<(\w+:)?\w+>", "1", prefix + str(entry.pattern))
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue  # the admin has its own login, checked below
            paths += every_path(entry, route)
        elif isinstance(entry, URLPattern):
            paths.append("/" + route)
    return paths


def test_every_page_but_health_and_login_needs_a_login(client):
    paths = every_path()
    assert "/titles/export.csv" in paths and "/runs/1/cancel/" in paths  # the walk is complete
    for path in paths:
        if path in OPEN or (path.startswith("/api/") and not path.startswith(API_PAGES)):
            continue
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 302, (method, path)
            assert response["Location"].startswith("/login/?next="), path
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_logging_in_and_out(client):
    get_user_model().objects.create_user("alice", password="a-long-password-1")
    page = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert "Please enter a correct username and password" in page.content.decode()

    response = client.post(
        "/login/", {"username": "alice", "password": "a-long-password-1", "next": "/runs/"}
    )
    assert response["Location"] == "/runs/"
    assert client.get("/runs/").status_code == 200

    assert client.get("/logout/").status_code == 405  # logging out takes a POST (CSRF)
    client.post("/logout/")
    assert client.get("/runs/").status_code == 302


def test_posts_need_the_csrf_token():
    user = get_user_model().objects.create_user("bob", password="a-long-password-2")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/sync/").status_code == 403
    page = strict.get("/").content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in page  # htmx sends the token on every request


def test_the_admin_link_is_for_staff_only(client, admin_client):
    user = get_user_model().objects.create_user("carol", password="a-long-password-3")
    client.force_login(user)
    assert 'href="/admin/"' not in client.get("/").content.decode()
    assert 'href="/admin/"' in admin_client.get("/").content.decode()
