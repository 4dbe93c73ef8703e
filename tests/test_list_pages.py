"""The lists pages: the followed lists, adding one with a preview, editing, deleting."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from django.utils.html import escape

from lists.models import FollowedList, ListItem, ServerStatus, Title
from lists.services import add_list
from providers import PROVIDERS, ListInputError, parse_list
from syncing.models import ServerConnection
from tests.factories import connect, manual_list, title
from tests.servers import Page, StaticSite

pytestmark = pytest.mark.django_db

FEED_PATH = "/popular-movies/movies.json"
# 30 films with an IMDb id and one without: the preview shows 25 and says one was left out.
FEED = [
    {"title": f"Film number {n:02d}", "imdb_id": f"tt{1000000 + n:07d}", "tmdb_id": 500 + n}
    for n in range(1, 31)
] + [{"title": "No id at all"}]
OPTIONS = {"enabled": "on", "media_types": "all", "seasons_policy": "all", "request_user_id": ""}


@pytest.fixture(autouse=True)
def own_cache(settings):
    """The server's users are cached: each test starts without another test's answers."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    cache.clear()
    ServerConnection.get()  # made once here, so the pages' query counts do not include it


@pytest.fixture
def user_client(client):
    """Signed in, without the cost of hashing a password."""
    client.force_login(get_user_model().objects.create_user("viewer"))
    return client


@pytest.fixture
def feed_site(settings):
    with StaticSite({FEED_PATH: Page(json.dumps(FEED).encode())}) as site:
        settings.LISTSYNC_STEVENLU_URL = site.url + FEED_PATH
        yield site


def followed_lists(count: int, start: int = 0) -> list[FollowedList]:
    return [manual_list(f"tmdb:movie:{n}", name=f"List {n}") for n in range(start, start + count)]


def entries(followed: FollowedList, count: int, start: int = 0) -> None:
    """`count` current entries, every other one matched to a title."""
    for n in range(start, start + count):
        matched = title(n + 1, server_status=ServerStatus.AVAILABLE) if n % 2 else None
        ListItem.objects.create(
            followed_list=followed,
            identity=f"tmdb:movie:{n + 1}",
            position=n,
            tmdb_id=n + 1,
            media_type="movie",
            title_text=f"Entry {n:03d}",
            title=matched,
        )


def add(client, text: str, **fields: str):
    return client.post("/lists/add/", {**OPTIONS, "list_input": text, **fields})


# ---- index -----------------------------------------------------------------------------------


def test_index_shows_every_list_with_its_facts(user_client):
    fetched = timezone.now() - timedelta(hours=3)
    feed, _ = add_list("stevenlu:imdb-min7", media_types="movie", is_4k=True)
    FollowedList.objects.filter(pk=feed.pk).update(
        name="Popular (IMDb 7+)", item_count=42, last_fetched_at=fetched, last_fetch_route="json"
    )
    typed = manual_list("tt0133093", name="Weekend picks")
    FollowedList.objects.filter(pk=typed.pk).update(enabled=False)

    page = user_client.get("/lists/").content.decode()

    assert f'href="/lists/{feed.pk}/">Popular (IMDb 7+)</a>' in page
    assert f'href="/lists/{typed.pk}/">Weekend picks</a>' in page
    assert "Steven Lu popular movies" in page and "Manual" in page
    assert "Movies only" in page and "4K" in page
    assert ">42<" in page and "3\xa0hours ago" in page and "via json" in page
    assert "Paused" in page and "Enabled" in page
    assert 'action="/sync/"' in page
    assert f'name="list_id" value="{feed.pk}"' in page
    assert f'name="list_id" value="{typed.pk}"' in page
    assert "Sync all" in page and 'href="/lists/add/"' in page


def test_index_shows_a_failed_fetch_and_warnings_apart(user_client):
    now = timezone.now()
    broken = manual_list("tt0133093", name="Broken")
    FollowedList.objects.filter(pk=broken.pk).update(
        last_error="Trakt says this list is private: make it public.",
        last_error_at=now,
        last_fetched_at=now - timedelta(days=2),
    )
    warned = manual_list("tt0133093", name="Warned")
    FollowedList.objects.filter(pk=warned.pk).update(
        last_error="line 2: not a title", last_error_at=now, last_fetched_at=now
    )

    page = user_client.get("/lists/").content.decode()

    failed_at = page.index("Trakt says this list is private: make it public.")
    assert page.rindex('class="notice bad"', 0, failed_at) > page.index("Broken")
    assert "The last fetch failed" in page
    warned_at = page.index("line 2: not a title")
    assert page.rindex('class="notice warn"', 0, warned_at) > page.index("Warned")
    assert "The last fetch had warnings" in page


def test_index_without_lists_says_how_to_add_one(user_client):
    page = user_client.get("/lists/").content.decode()

    assert 'class="card empty"' in page and "No lists yet" in page
    assert "Add your first list" in page
    assert escape(PROVIDERS["stevenlu"].accepted_forms) in page
    assert "manual (then one title per line" in page
    assert "Sync all" not in page


def test_index_takes_the_same_queries_for_3_or_30_lists(user_client, django_assert_num_queries):
    followed_lists(3)
    with django_assert_num_queries(3):  # session, user, lists
        assert user_client.get("/lists/").content.decode().count("List ") >= 3
    FollowedList.objects.update(last_error="failed", last_error_at=timezone.now())
    followed_lists(27, start=100)
    with django_assert_num_queries(3):
        page = user_client.get("/lists/").content.decode()
    assert page.count('name="list_id"') == 30


# ---- add: preview ----------------------------------------------------------------------------


def test_preview_reads_the_list_without_following_it(user_client, feed_site):
    response = add(user_client, "stevenlu", preview="1")
    page = response.content.decode()

    assert feed_site.hits == [FEED_PATH]
    assert "<html" in page  # without JavaScript: the whole page, with the preview
    assert "Popular movies" in page and "Steven Lu popular movies" in page
    assert "<dd>30</dd>" in page and "<code>json</code>" in page
    assert "1 entries without an IMDb id were left out" in page
    assert "Film number 01" in page and "tt1000025" in page and "tmdb:525" in page
    assert "Film number 26" not in page
    assert "The first 25 of 30 titles." in page
    assert 'value="stevenlu"' in page  # the form keeps what was typed
    assert not FollowedList.objects.exists()


def test_preview_via_htmx_answers_only_the_preview(user_client, feed_site):
    response = user_client.post(
        "/lists/add/", {**OPTIONS, "list_input": "stevenlu", "preview": "1"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()

    assert "<html" not in page and 'id="add-list"' not in page
    assert "Film number 01" in page
    assert 'form="add-list"' in page  # its Follow button submits the page's form


@pytest.mark.parametrize("htmx", [True, False])
def test_preview_of_bad_input_shows_the_providers_message(user_client, htmx):
    with pytest.raises(ListInputError) as refused:
        parse_list("stevenlu:imdb-min9")
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = user_client.post(
        "/lists/add/", {**OPTIONS, "list_input": "stevenlu:imdb-min9", "preview": "1"}, **headers
    )

    assert escape(str(refused.value)) in response.content.decode()
    assert ("<html" in response.content.decode()) is not htmx


def test_preview_of_a_list_that_cannot_be_read_shows_why(user_client, settings):
    with StaticSite({}) as site:
        settings.LISTSYNC_STEVENLU_URL = site.url + FEED_PATH
        response = add(user_client, "stevenlu:imdb-min7", preview="1", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert 'class="notice bad"' in page
    assert "movies-imdb-min7.json does not exist (HTTP 404)" in page


def test_preview_of_a_manual_list_shows_its_titles_and_bad_lines(user_client):
    lines = "tt0133093\nHeat (1995)\nThe Thing (82)\ntmdb:tv:1399"
    response = add(user_client, "manual", manual_items=lines, preview="1", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert "Manual list" in page and "<dd>3</dd>" in page
    assert "tt0133093" in page and "Heat" in page and "tmdb:1399" in page
    assert escape("line 3: 'The Thing (82)': write the year as Title (Year)") in page


# ---- add: following --------------------------------------------------------------------------


def test_following_saves_the_options_and_fetches_nothing(user_client, feed_site):
    response = add(
        user_client,
        "https://popular-movies-data.stevenlu.com/movies-imdb-min7.json",
        name="Good films",
        enabled="",
        media_types="movie",
        is_4k="on",
        seasons_policy="first",
    )

    followed = FollowedList.objects.get()
    assert response.status_code == 302 and response.url == f"/lists/{followed.pk}/"
    assert (followed.source, followed.key) == ("stevenlu", "movies-imdb-min7.json")
    assert followed.url == "https://s3.amazonaws.com/popular-movies/movies-imdb-min7.json"
    assert followed.name == "Good films" and followed.enabled is False
    assert (followed.media_types, followed.is_4k, followed.seasons_policy) == (
        "movie",
        True,
        "first",
    )
    assert followed.request_user_id is None
    assert feed_site.hits == []
    assert "Now following Good films" in user_client.get(response.url).content.decode()


def test_a_list_followed_already_is_refused(user_client):
    existing, _ = add_list("stevenlu")

    response = add(user_client, "https://s3.amazonaws.com/popular-movies/movies.json")

    assert response.status_code == 200
    assert f"That list is followed already, as list #{existing.pk}." in response.content.decode()
    assert FollowedList.objects.count() == 1


def test_a_manual_list_is_saved_without_its_bad_lines_and_says_so(user_client):
    response = add(user_client, "manual", manual_items="tt0133093\nThe Thing (82)\nHeat (1995)")

    followed = FollowedList.objects.get()
    assert followed.source == "manual" and followed.name == "Manual list"
    assert "Heat (1995)" in followed.manual_items
    page = user_client.get(response.url).content.decode()
    assert "Left out 1 line that is not a title: line 2:" in page


def test_a_manual_list_without_a_single_title_is_not_saved(user_client):
    response = add(user_client, "manual", manual_items="The Thing (82)")

    page = response.content.decode()
    assert "The manual list cannot be saved: line 1:" in page
    assert "<details open>" in page  # the titles box is shown with its error
    assert not FollowedList.objects.exists()


def test_request_as_offers_the_servers_users(user_client, sandbox_factory):
    server = sandbox_factory()
    connect(server.url)

    page = user_client.get("/lists/add/").content.decode()

    assert '<option value="" selected>Default user</option>' in page
    assert '<option value="2">requester (#2)</option>' in page
    assert "could not be reached" not in page
    response = add(user_client, "stevenlu", request_user_id="2")
    assert response.status_code == 302
    assert FollowedList.objects.get().request_user_id == 2


def test_request_as_without_a_server_offers_the_default_and_says_why(user_client):
    page = user_client.get("/lists/add/").content.decode()

    assert '<option value="" selected>Default user</option>' in page
    assert "could not be reached" in page
    assert 'value="2"' not in page


# ---- edit ------------------------------------------------------------------------------------


def test_edit_changes_the_options(user_client):
    followed = manual_list("tt0133093", name="Old name")

    response = user_client.post(
        f"/lists/{followed.pk}/",
        {
            "name": "New name",
            "media_types": "tv",
            "request_user_id": "",
            "seasons_policy": "latest",
            "manual_items": "tmdb:tv:1399\ntvdb:81189\nnot a (title",
        },
    )

    assert response.status_code == 302
    followed.refresh_from_db()
    assert (followed.name, followed.enabled, followed.media_types) == ("New name", False, "tv")
    assert followed.seasons_policy == "latest" and followed.manual_items.startswith("tmdb:tv:1399")
    page = user_client.get(response.url).content.decode()
    assert (
        "Saved the options of New name." in page
        and "Left out 1 line that is not a title: line 3:" in page
    )


def test_edit_refuses_manual_titles_that_are_all_bad(user_client):
    followed = manual_list("tt0133093", name="Keep me")

    response = user_client.post(
        f"/lists/{followed.pk}/", {**OPTIONS, "name": "Renamed", "manual_items": "tt12"}
    )

    assert "The manual list cannot be saved: line 1:" in response.content.decode()
    assert "<h1>Keep me</h1>" in response.content.decode()
    followed.refresh_from_db()
    assert (followed.name, followed.manual_items) == ("Keep me", "tt0133093")


def test_edit_page_shows_the_facts_the_error_and_the_entries(user_client):
    followed, _ = add_list("stevenlu")
    FollowedList.objects.filter(pk=followed.pk).update(
        name="Popular",
        last_error="Steven Lu's feed answered HTTP 503",
        last_error_at=timezone.now(),
    )
    entries(followed, 3)
    ListItem.objects.filter(position=2).update(removed_at=timezone.now())

    page = user_client.get(f"/lists/{followed.pk}/").content.decode()

    assert 'href="https://s3.amazonaws.com/popular-movies/movies.json"' in page
    assert "Steven Lu popular movies" in page
    assert 'class="notice bad"' in page and "answered HTTP 503" in page
    assert "Entry 000" in page and "not matched yet" in page
    assert "Entry 001" in page and '<span class="badge ok">Available</span>' in page
    assert "Entry 002" not in page  # no longer on the list
    assert f'name="list_id" value="{followed.pk}"' in page and "Sync this list" in page
    assert f'href="/lists/{followed.pk}/delete/"' in page
    assert 'name="manual_items"' not in page  # only manual lists have typed titles


def test_edit_page_shows_50_entries_a_page(user_client):
    followed = manual_list("tt0133093", name="Long")
    entries(followed, 60)

    first = user_client.get(f"/lists/{followed.pk}/").content.decode()
    second = user_client.get(f"/lists/{followed.pk}/?page=2").content.decode()

    assert "Entry 049" in first and "Entry 050" not in first and "?page=2" in first
    assert "Entry 050" in second and "Entry 059" in second and "Entry 049" not in second


def test_edit_page_takes_the_same_queries_for_3_or_30_entries(
    user_client, django_assert_num_queries
):
    followed = manual_list("tt0133093", name="Counted")
    entries(followed, 3)
    # session, user, list, server connection (request-as users), entries count, entries page
    with django_assert_num_queries(6):
        user_client.get(f"/lists/{followed.pk}/")
    entries(followed, 27, start=3)
    with django_assert_num_queries(6):
        page = user_client.get(f"/lists/{followed.pk}/").content.decode()
    assert "Entry 029" in page


# ---- delete ----------------------------------------------------------------------------------


def test_delete_asks_first_then_deletes_the_list_and_its_entries(user_client):
    followed = manual_list("tt0133093", name="Going away")
    entries(followed, 3)

    confirm = user_client.get(f"/lists/{followed.pk}/delete/").content.decode()
    assert "Delete Going away?" in confirm and "its 3 entries" in confirm
    assert FollowedList.objects.exists()

    response = user_client.post(f"/lists/{followed.pk}/delete/")

    assert response.status_code == 302 and response.url == "/lists/"
    assert not FollowedList.objects.exists() and not ListItem.objects.exists()
    assert Title.objects.count() == 1  # the matched title stays
    assert "No longer following Going away" in user_client.get("/lists/").content.decode()
    assert user_client.get(f"/lists/{followed.pk}/").status_code == 404


# ---- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/lists/", "/lists/add/", "/lists/1/", "/lists/1/delete/"])
def test_pages_need_a_login(client, path):
    manual_list("tt0133093")

    response = client.get(path)

    assert response.status_code == 302 and response.url == f"/login/?next={path}"
