"""The JSON API under /api/: token auth, every operation's answers and errors, the OpenAPI
document and its docs page, and the token pages (UI and admin)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from django_q.models import OrmQ
from openapi_spec_validator import validate

from api.models import ApiToken
from lists.models import FollowedList, ListItem, ServerStatus
from lists.services import refresh_list
from providers import PROVIDERS, FetchContext, parse_list
from syncing.models import Outcome, OutcomeKind, RunState, ServerConnection, SyncRun, SyncSettings
from tests.factories import connect, manual_list, title
from tests.servers import Page, StaticSite

pytestmark = pytest.mark.django_db

FEED_PATH = "/popular-movies/movies.json"
FEED = [
    {"title": f"Film number {n:02d}", "imdb_id": f"tt{1000000 + n:07d}", "tmdb_id": 500 + n}
    for n in range(1, 31)
]


class Api:
    """The test client, calling with a token and JSON bodies."""

    def __init__(self, client: Client, secret: str) -> None:
        self.client, self.secret = client, secret

    def __call__(self, method: str, path: str, body: object = None, **query: object):
        send = getattr(self.client, method.lower())
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"}
        if method == "GET":
            return send(path, query, **headers)
        if body is None:
            return send(path, "", content_type="application/json", **headers)
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return send(path, data, content_type="application/json", **headers)


@pytest.fixture
def robot():
    return get_user_model().objects.create_user("robot")


@pytest.fixture
def token_and_secret(robot):
    return ApiToken.issue(robot, "tests")


@pytest.fixture
def api(client, token_and_secret):
    return Api(client, token_and_secret[1])


@pytest.fixture
def feed_site(settings):
    with StaticSite({FEED_PATH: Page(json.dumps(FEED).encode())}) as site:
        settings.LISTSYNC_STEVENLU_URL = site.url + FEED_PATH
        yield site


def finished_run(**fields) -> SyncRun:
    fields.setdefault("state", RunState.SUCCEEDED)
    run = SyncRun.objects.create(trigger="manual", **fields)
    SyncRun.objects.filter(pk=run.pk).update(finished_at=run.started_at + timedelta(seconds=30))
    run.refresh_from_db()
    return run


# ---- tokens --------------------------------------------------------------------------------------


def test_a_token_is_stored_only_as_the_sha256_of_its_secret(robot):
    token, secret = ApiToken.issue(robot, "Home Assistant")
    stored = ApiToken.objects.values_list("token_hash", flat=True).get(pk=token.pk)
    assert secret.startswith("lst_") and len(secret) > 40
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    assert ApiToken.find(secret) == token and ApiToken.find(secret + "x") is None


def test_a_call_with_a_token_works_and_marks_it_used(api, token_and_secret):
    token, _ = token_and_secret
    assert token.last_used_at is None
    response = api("GET", "/api/lists/")
    assert response.status_code == 200 and response.json() == {"count": 0, "results": []}
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "This needs an API token"),
        ("Token abc", "Authorization: Bearer <token>"),
        ("Bearer ", "Authorization: Bearer <token>"),
        ("Bearer lst_not-a-real-one", "not valid"),
    ],
)
def test_a_call_without_a_valid_token_is_refused_with_a_reason(client, header, message):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/lists/", **headers)
    assert response.status_code == 401
    assert message in response.json()["error"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_session_cookie_does_not_authenticate_the_api(admin_client):
    response = admin_client.post("/api/sync/", "{}", content_type="application/json")
    assert response.status_code == 401
    assert OrmQ.objects.count() == 0


def test_a_revoked_token_or_an_inactive_user_is_refused(api, token_and_secret, robot):
    robot.is_active = False
    robot.save()
    assert api("GET", "/api/lists/").status_code == 401
    robot.is_active = True
    robot.save()
    assert api("GET", "/api/lists/").status_code == 200
    token_and_secret[0].delete()
    assert api("GET", "/api/lists/").status_code == 401


def test_the_token_page_shows_a_new_secret_once_and_lists_tokens(client, robot):
    client.force_login(robot)
    made = client.post("/api/tokens/", {"name": "Home Assistant"})
    page = made.content.decode()
    token = ApiToken.objects.get(user=robot)
    secret = page.split('<code id="new-secret">')[1].split("</code>")[0]
    assert ApiToken.find(secret) == token and token.name == "Home Assistant"
    assert made["Cache-Control"] == "no-store"
    again = client.get("/api/tokens/").content.decode()
    assert "Home Assistant" in again and secret not in again and "Never" in again


def test_the_token_page_shows_only_your_tokens_and_revokes_them(client, robot):
    other, _ = ApiToken.issue(get_user_model().objects.create_user("other"), "Not yours")
    mine, _ = ApiToken.issue(robot, "Mine")
    client.force_login(robot)
    assert "Not yours" not in client.get("/api/tokens/").content.decode()
    assert client.post(f"/api/tokens/{other.pk}/revoke/").status_code == 404
    response = client.post(f"/api/tokens/{mine.pk}/revoke/", follow=True)
    assert "Revoked the token “Mine”" in response.content.decode()
    assert list(ApiToken.objects.all()) == [other]


def test_the_token_page_needs_a_login_and_a_csrf_token(client, robot):
    assert client.get("/api/tokens/").status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(robot)
    assert strict.post("/api/tokens/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_admin_shows_a_new_tokens_secret_once(admin_client, admin_user):
    response = admin_client.post(
        "/admin/api/apitoken/add/", {"name": "Script", "user": admin_user.pk}
    )
    page = response.content.decode()
    secret = page.split('<code id="new-secret" style="font-size: 1.1em">')[1].split("</code>")[0]
    assert ApiToken.find(secret).name == "Script"
    listing = admin_client.get("/admin/api/apitoken/").content.decode()
    assert "Script" in listing and secret not in listing


# ---- health, document, docs, errors --------------------------------------------------------------


def test_health_and_the_document_are_open(client):
    health = client.get("/api/health/").json()
    assert health == {"status": "ok", "database": "ok", "worker": "not running"}
    document = client.get("/api/openapi.json").json()
    validate(document)  # a valid OpenAPI 3.1 document
    assert document["openapi"] == "3.1.0"
    assert document["paths"]["/api/health/"]["get"]["security"] == []
    assert "security" not in document["paths"]["/api/lists/"]["get"]  # the default: a token


def test_every_documented_path_is_served_and_every_api_path_documented():
    from django.urls import get_resolver, resolve

    from api import views
    from api.openapi import openapi_document

    document = openapi_document()
    for path, item in document["paths"].items():
        view = resolve(path.replace("{id}", "1")).func
        assert view is not views.not_found, path
        for method in ("get", "post", "patch", "delete"):
            allowed = Client().generic(method.upper(), path.replace("{id}", "1"))
            assert (allowed.status_code != 405) == (method in item), (path, method)
    api_patterns = get_resolver("api.urls").url_patterns
    served = {str(p.pattern) for p in api_patterns if p.callback.__module__ == "api.views"}
    documented = {p.removeprefix("/api/").replace("{id}", "<int:pk>") for p in document["paths"]}
    assert served - {"^(?P<rest>.*)$"} == documented


def test_the_docs_page_shows_every_operation_from_the_document(admin_client):
    from api.openapi import openapi_document

    page = admin_client.get("/api/docs/").content.decode()
    for path, item in openapi_document()["paths"].items():
        for method, spec in item.items():
            if method != "parameters":
                assert f'id="{method}-' in page and f"<code>{path}</code>" in page
                assert escape(spec["summary"]) in page
    assert (
        "page_size" in page and 'id="schema-Title"' in page and "//" not in page.split("<pre>")[0]
    )


def test_errors_are_json_wrong_method_unknown_path_and_missing_slash(api):
    wrong = api("PUT", "/api/lists/")
    assert wrong.status_code == 405 and wrong["Allow"] == "GET, POST"
    assert "PUT is not allowed here" in wrong.json()["error"]
    unknown = api("GET", "/api/nothing/here/")
    assert unknown.status_code == 404 and "No such API path" in unknown.json()["error"]
    slash = api("GET", "/api/lists")
    assert slash.status_code == 404 and "end with a slash: /api/lists/" in slash.json()["error"]
    huge = api("GET", "/api/lists/" + "9" * 30 + "/")
    assert huge.status_code == 404 and huge.json() == {
        "error": f"There is no followed list #{'9' * 30}."
    }
    negative = api("GET", "/api/lists/-1/")
    assert negative.status_code == 404 and "No such API path" in negative.json()["error"]


# ---- lists ---------------------------------------------------------------------------------------


def test_follow_a_list_and_read_it_back(api):
    response = api(
        "POST", "/api/lists/", {"url": "stevenlu", "media_types": "movie", "is_4k": True}
    )
    assert response.status_code == 201
    body = response.json()
    followed = FollowedList.objects.get()
    assert body["list"]["id"] == followed.pk and followed.source == "stevenlu"
    assert followed.media_types == "movie" and followed.is_4k
    assert body["warnings"] == [] and body["list"]["manual_items"] is None
    assert api("GET", f"/api/lists/{followed.pk}/").json() == body["list"]
    assert api("GET", "/api/lists/").json()["results"] == [body["list"]]


def test_follow_a_manual_list_says_which_lines_were_left_out(api):
    response = api("POST", "/api/lists/", {"url": "manual", "manual_items": "tt0133093\ntt12"})
    body = response.json()
    assert response.status_code == 201 and body["list"]["name"] == "Manual list"
    assert len(body["warnings"]) == 1 and "tt12" in body["warnings"][0]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"url": "https://example.com/list"}, 400, "is not a list ListSync can follow"),
        ({"url": "manual"}, 400, "The manual list cannot be saved"),
        ({"url": "stevenlu", "manual_items": "tt0133093"}, 400, "manual lists only"),
        ({"url": "stevenlu", "colour": "red"}, 400, "Unknown field colour"),
        ({"url": "stevenlu", "is_4k": "yes"}, 400, "is_4k must be true or false, not a string"),
        ({"url": "stevenlu", "media_types": "books"}, 400, "media_types must be one of all"),
        (
            {"url": "stevenlu", "request_user_id": True},
            400,
            "request_user_id must be a whole number or null, not a boolean",
        ),
        ({"url": "stevenlu", "name": "x" * 201}, 400, "name must be at most 200 characters"),
        ({"url": "stevenlu", "name": "a\x00b"}, 400, "without NUL characters"),
        ({"name": "No url"}, 400, "Missing field url"),
        ([1, 2], 400, "must be a JSON object, not a list"),
        ("{not json", 400, "must be a JSON object"),
    ],
)
def test_following_refuses_bad_input_with_a_clear_message(api, body, status, message):
    response = api("POST", "/api/lists/", body)
    assert response.status_code == status and message in response.json()["error"]
    assert not FollowedList.objects.exists()


def test_a_body_over_the_upload_limit_is_refused(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api("POST", "/api/lists/", {"url": "manual", "manual_items": "tt0133093\n" * 20})
    assert response.status_code == 400 and response.json() == {"error": "The body is too large."}


def test_following_a_list_twice_is_a_conflict(api):
    api("POST", "/api/lists/", {"url": "stevenlu"})
    again = api("POST", "/api/lists/", {"url": "stevenlu"})
    assert again.status_code == 409 and "followed already" in again.json()["error"]


def test_change_a_lists_options_and_a_manual_lists_titles(api):
    followed = manual_list("tt0133093")
    response = api(
        "PATCH",
        f"/api/lists/{followed.pk}/",
        {"enabled": False, "seasons_policy": "first", "manual_items": "tt0133093\ntt12"},
    )
    assert response.status_code == 200 and len(response.json()["warnings"]) == 1
    followed.refresh_from_db()
    assert not followed.enabled and followed.seasons_policy == "first"
    assert followed.manual_items == "tt0133093\ntt12"
    empty = api("PATCH", f"/api/lists/{followed.pk}/", {"manual_items": "# only a note"})
    assert empty.status_code == 400 and "cannot be saved" in empty.json()["error"]


def test_a_fetched_list_has_no_manual_items_to_change(api):
    followed = FollowedList.objects.create(source="stevenlu", key="movies", name="Popular")
    response = api("PATCH", f"/api/lists/{followed.pk}/", {"manual_items": "tt0133093"})
    assert response.status_code == 400 and "Unknown field manual_items" in response.json()["error"]


def test_delete_a_list(api):
    followed = manual_list("tt0133093")
    refresh_list(followed, FetchContext())
    assert api("DELETE", f"/api/lists/{followed.pk}/").status_code == 204
    assert not FollowedList.objects.exists() and not ListItem.objects.exists()
    gone = api("GET", f"/api/lists/{followed.pk}/")
    assert gone.status_code == 404 and gone.json() == {
        "error": f"There is no followed list #{followed.pk}."
    }


def test_validate_a_list_url_without_fetching_it(api):
    ref = parse_list("stevenlu")
    followed = FollowedList.objects.create(source=ref.source, key=ref.key)
    good = api("POST", "/api/lists/validate/", {"url": "stevenlu"}).json()
    assert good == {
        "valid": True,
        "source": "stevenlu",
        "source_label": PROVIDERS["stevenlu"].label,
        "key": ref.key,
        "url": ref.url,
        "followed_list_id": followed.pk,
    }
    followed.delete()
    assert (
        api("POST", "/api/lists/validate/", {"url": "stevenlu"}).json()["followed_list_id"] is None
    )
    bad = api("POST", "/api/lists/validate/", {"url": "https://imdb.example/ls1"}).json()
    assert bad["valid"] is False and "is not a list ListSync can follow" in bad["message"]


def test_preview_reads_the_list_without_following_it(api, feed_site):
    response = api("POST", "/api/lists/preview/", {"url": "stevenlu"})
    body = response.json()
    assert response.status_code == 200 and body["count"] == 30 and len(body["items"]) == 25
    assert body["items"][0] == {
        "title": "Film number 01",
        "year": None,
        "media_type": "movie",
        "imdb_id": "tt1000001",
        "tmdb_id": 501,
        "tvdb_id": None,
    }
    assert body["source"] == "stevenlu" and body["complete"] is True
    assert not FollowedList.objects.exists()


def test_preview_of_a_list_that_cannot_be_read_says_why(api, settings):
    settings.LISTSYNC_STEVENLU_URL = "http://127.0.0.1:9/movies.json"  # nothing listens there
    response = api("POST", "/api/lists/preview/", {"url": "stevenlu"})
    assert response.status_code == 422 and response.json()["error"]
    manual = api("POST", "/api/lists/preview/", {"url": "manual"})
    assert manual.status_code == 400 and "nothing to fetch" in manual.json()["error"]


# ---- syncing -------------------------------------------------------------------------------------


def test_start_a_sync_of_every_list_or_one(api):
    followed = manual_list("tt0133093")
    every = api("POST", "/api/sync/")
    assert every.status_code == 202 and every.json()["list_id"] is None
    one = api("POST", "/api/sync/", {"list_id": followed.pk})
    assert one.status_code == 202 and one.json()["queued"] is True
    assert OrmQ.objects.count() == 2
    missing = api("POST", "/api/sync/", {"list_id": followed.pk + 1})
    assert missing.status_code == 404 and OrmQ.objects.count() == 2


def test_sync_status_shows_the_running_sync_and_the_worker(api):
    followed = manual_list("tt0133093")
    finished_run()
    running = SyncRun.objects.create(trigger="manual", followed_list=followed, total=10, done=4)
    body = api("GET", "/api/sync/").json()
    assert body["running"]["id"] == running.pk == body["latest"]["id"]
    assert body["running"]["list"] == {"id": followed.pk, "name": str(followed)}
    assert body["running"]["done"] == 4 and body["worker"]["alive"] is False
    SyncRun.objects.filter(pk=running.pk).update(state=RunState.SUCCEEDED)
    assert api("GET", "/api/sync/").json()["running"] is None


def test_runs_are_paginated_and_filtered(api):
    runs = [finished_run(counts={"requested": n}) for n in range(5)]
    failed = finished_run(state=RunState.FAILED, error="The server is down")
    first = api("GET", "/api/runs/", page_size=2).json()
    assert first["count"] == 6 and first["pages"] == 3
    assert [r["id"] for r in first["results"]] == [failed.pk, runs[-1].pk]
    last = api("GET", "/api/runs/", page_size=2, page=3).json()["results"]
    assert [r["id"] for r in last] == [runs[1].pk, runs[0].pk]
    assert api("GET", "/api/runs/", page=9).json()["results"] == []
    only_failed = api("GET", "/api/runs/", state="failed").json()["results"]
    assert [(r["id"], r["error"]) for r in only_failed] == [(failed.pk, "The server is down")]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"page": "0"}, "page must be at least 1, not 0"),
        ({"page": "two"}, "page must be a whole number"),
        ({"page_size": "201"}, "page_size must be at most 200"),
        ({"state": "sleeping"}, "state must be one of running"),
        ({"colour": "red"}, "Unknown query parameter colour"),
    ],
)
def test_runs_refuse_bad_query_parameters(api, query, message):
    response = api("GET", "/api/runs/", **query)
    assert response.status_code == 400 and message in response.json()["error"]


def test_a_run_with_its_outcomes_a_page_at_a_time(api):
    followed = manual_list("tt0133093", "tt0000002", "tt0000003")
    refresh_list(followed, FetchContext())
    run = finished_run(counts={"requested": 2, "failed": 1})
    for n, item in enumerate(followed.items.order_by("position")):
        kind = OutcomeKind.FAILED if n == 0 else OutcomeKind.REQUESTED
        Outcome.objects.create(
            run=run, title=title(n + 1), list_item=item, label=f"Film {n}", kind=kind
        )
    body = api("GET", f"/api/runs/{run.pk}/", page_size=2).json()
    assert body["run"]["counts"] == {"requested": 2, "failed": 1}
    assert body["run"]["duration_seconds"] == 30.0
    assert body["outcomes"]["count"] == 3 and len(body["outcomes"]["results"]) == 2
    assert body["outcomes"]["results"][0]["list_id"] == followed.pk
    failed = api("GET", f"/api/runs/{run.pk}/", kind="failed").json()["outcomes"]["results"]
    assert [o["label"] for o in failed] == ["Film 0"]
    assert api("GET", f"/api/runs/{run.pk + 1}/").status_code == 404


def test_cancel_a_running_sync_but_not_a_finished_one(api):
    running = SyncRun.objects.create(trigger="manual")
    response = api("POST", f"/api/runs/{running.pk}/cancel/")
    assert response.status_code == 202
    running.refresh_from_db()
    assert running.cancel_requested
    done = finished_run()
    refused = api("POST", f"/api/runs/{done.pk}/cancel/")
    assert refused.status_code == 409 and "not running any more" in refused.json()["error"]


# ---- titles, analytics, settings -----------------------------------------------------------------


def test_titles_with_filters_sort_and_pages(api):
    connect("http://seerr.local:5055")
    followed = manual_list("tmdb:movie:1", "tmdb:movie:2")
    refresh_list(followed, FetchContext())
    matrix = title(1, title="The Matrix", year=1999, imdb_id="tt0133093")
    title(2, title="Alien", year=1979, server_status=ServerStatus.AVAILABLE, never_request=True)
    title(3, title="Heat", year=1995)
    ListItem.objects.filter(followed_list=followed, tmdb_id=1).update(title=matrix)
    everything = api("GET", "/api/titles/", sort="-year").json()
    assert [t["title"] for t in everything["results"]] == ["The Matrix", "Heat", "Alien"]
    found = api("GET", "/api/titles/", q="tt0133093").json()["results"]
    assert [t["title"] for t in found] == ["The Matrix"]
    assert found[0]["lists"] == [{"id": followed.pk, "name": str(followed)}]
    assert found[0]["links"]["server"] == "http://seerr.local:5055/movie/1"
    by_list = api("GET", "/api/titles/", list=followed.pk).json()["results"]
    assert [t["title"] for t in by_list] == ["The Matrix"]
    never = api("GET", "/api/titles/", never="true", status="available").json()["results"]
    assert [t["title"] for t in never] == ["Alien"]
    second = api("GET", "/api/titles/", page=2, page_size=2).json()
    assert second["pages"] == 2 and [t["title"] for t in second["results"]] == ["The Matrix"]
    bad = api("GET", "/api/titles/", never="yes")
    assert bad.status_code == 400 and "never must be true or false" in bad.json()["error"]


def test_titles_cost_the_same_queries_for_3_or_30_rows(api, django_assert_num_queries):
    def titles_with_outcomes(start: int, count: int) -> None:
        run = finished_run()
        for n in range(start, start + count):
            Outcome.objects.create(run=run, title=title(n), label=f"T{n}", kind="requested")

    titles_with_outcomes(1, 3)
    api("GET", "/api/titles/")  # once first: rows made on first use settle
    with django_assert_num_queries(7):
        assert len(api("GET", "/api/titles/").json()["results"]) == 3
    titles_with_outcomes(100, 27)
    with django_assert_num_queries(7):
        assert len(api("GET", "/api/titles/").json()["results"]) == 30


def test_analytics_sum_the_period(api):
    followed = manual_list("tt0133093")
    finished_run(
        counts={"requested": 3, "failed": 1},
        list_counts={str(followed.pk): {"requested": 3, "failed": 1}},
    )
    body = api("GET", "/api/analytics/", days=7).json()
    assert body["days"] == 7 and len(body["daily"]) == 7
    assert body["headline"]["requests"] == 3 and body["headline"]["success_rate"] == 75
    assert body["daily"][-1]["outcomes"]["requested"] == 3
    assert body["daily"][-1]["outcomes"]["failed"] == 1
    assert body["lists"][0]["list"]["id"] == followed.pk and body["lists"][0]["success_rate"] == 75
    assert body["durations"][0]["seconds"] == 30.0
    wrong = api("GET", "/api/analytics/", days=8)
    assert wrong.status_code == 400 and "days must be one of 7, 30, 90" in wrong.json()["error"]


def test_settings_are_read_with_every_secret_masked(api):
    connect("http://seerr.local:5055", api_key="server-secret-key-123")
    stored = SyncSettings.get()
    stored.trakt_client_id = "trakt-client-id-456"
    stored.save()
    response = api("GET", "/api/settings/")
    body = response.json()
    raw = response.content.decode()
    assert "server-secret-key-123" not in raw and "trakt-client-id-456" not in raw
    assert body["server"]["api_key"] == "se••••••••23"
    assert body["server"]["url"] == "http://seerr.local:5055"
    assert body["sync"]["trakt_client_id"] == "tr••••••••56"
    assert body["sync"]["mdblist_api_key"] == ""


def test_settings_change_a_secret_keep_it_or_forget_it(api):
    connect("http://seerr.local:5055", api_key="old-secret-key-000")
    changed = api(
        "PATCH",
        "/api/settings/",
        {
            "server": {"api_key": "new-secret-key-999", "is_4k": True},
            "sync": {"interval_minutes": 60},
        },
    )
    assert changed.status_code == 200 and "new-secret-key-999" not in changed.content.decode()
    server = ServerConnection.get()
    assert server.api_key == "new-secret-key-999" and server.is_4k
    assert server.url == "http://seerr.local:5055"  # not given: kept
    assert SyncSettings.get().interval_minutes == 60
    api("PATCH", "/api/settings/", {"server": {"default_user_id": 3}})
    assert ServerConnection.get().api_key == "new-secret-key-999"  # not given: kept
    api("PATCH", "/api/settings/", {"server": {"api_key": ""}})
    assert ServerConnection.get().api_key == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"server": {"url": "overseerr"}}, "server: url: Enter the address you open the server at"),
        ({"server": {"url": "http://seerr/api/v1"}}, "Leave out /api/v1"),
        ({"sync": {"interval_minutes": 5}}, "interval_minutes must be at least 30"),
        ({"sync": {"api_key": "x"}}, "Unknown field api_key"),
        ({"sever": {}}, "Unknown section sever"),
        ({"server": "http://seerr"}, "server must be an object"),
    ],
)
def test_settings_refuse_bad_values_and_save_nothing(api, changes, message):
    connect("http://seerr.local:5055")
    interval = SyncSettings.get().interval_minutes
    # A valid change beside the bad one: saved only if everything is valid.
    response = api("PATCH", "/api/settings/", {"sync": {"interval_minutes": 45}, **changes})
    assert response.status_code == 400 and message in response.json()["error"]
    assert SyncSettings.get().interval_minutes == interval
    assert ServerConnection.get().url == "http://seerr.local:5055"


def test_the_token_can_be_old_and_last_used_is_written_at_most_once_a_minute(api, token_and_secret):
    token, _ = token_and_secret
    earlier = timezone.now() - timedelta(seconds=10)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    api("GET", "/api/lists/")
    token.refresh_from_db()
    assert token.last_used_at == earlier
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier - timedelta(minutes=2))
    api("GET", "/api/lists/")
    token.refresh_from_db()
    assert token.last_used_at > earlier
