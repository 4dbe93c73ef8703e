import json

import pytest

from lists.models import ListItem
from lists.services import add_list, refresh_list
from providers import FetchContext, FetchError, ListInputError, parse_list
from providers.stevenlu import StevenLu
from tests.servers import Page, StaticSite

FEED = [
    {"title": "The Matrix", "imdb_id": "tt0133093", "poster_url": "https://x/1.jpg"},
    {"title": "Heat", "imdb_id": "tt0113277", "poster_url": "https://x/2.jpg", "tmdb_id": 949},
    {"title": "No id", "poster_url": "https://x/3.jpg"},
]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("stevenlu", "movies.json"),
        ("StevenLu:imdb-min7", "movies-imdb-min7.json"),
        ("stevenlu:metacritic-min60", "movies-metacritic-min60.json"),
        ("https://s3.amazonaws.com/popular-movies/movies.json", "movies.json"),
        ("https://popular-movies-data.stevenlu.com/movies.json", "movies.json"),
        ("https://popular-movies-data.stevenlu.com/movies-imdb-min7.json", "movies-imdb-min7.json"),
        (
            "https://s3.amazonaws.com/popular-movies/movies-rottentomatoes-min80.json",
            "movies-rottentomatoes-min80.json",
        ),
    ],
)
def test_accepted_forms(text, key):
    ref = parse_list(text)
    assert (ref.source, ref.key) == ("stevenlu", key)
    assert ref.url == f"https://s3.amazonaws.com/popular-movies/{key}"


@pytest.mark.parametrize(
    "text",
    [
        "https://popular-movies-data.stevenlu.com/movies-imdb-min9.json",
        "https://popular-movies-data.stevenlu.com/../etc/passwd",
        "stevenlu:imdb-min9",
    ],
)
def test_other_files_on_the_feed_host_are_refused(text):
    with pytest.raises(
        ListInputError, match="not one of Steven Lu's feeds|Not a Steven Lu|names no Steven Lu feed"
    ):
        parse_list(text)


def test_other_hosts_are_not_this_source():
    assert StevenLu().parse("https://evil.example/popular-movies/movies.json") is None
    assert StevenLu().parse("https://s3.amazonaws.com/other-bucket/movies.json") is None


def test_fetches_from_the_base_url_setting(settings):
    body = json.dumps(FEED).encode()
    with StaticSite({"/popular-movies/movies-imdb-min7.json": Page(body)}) as site:
        settings.LISTSYNC_STEVENLU_URL = site.url + "/popular-movies/movies.json"
        result = StevenLu().fetch(
            parse_list("https://s3.amazonaws.com/popular-movies/movies-imdb-min7.json"),
            FetchContext(),
        )
    assert site.hits == ["/popular-movies/movies-imdb-min7.json"]
    assert [(i.imdb_id, i.tmdb_id, i.media_type) for i in result.items] == [
        ("tt0133093", None, "movie"),
        ("tt0113277", 949, "movie"),
    ]
    assert result.warnings == ["1 entries without an IMDb id were left out"]
    assert result.name == "Popular movies (imdb-min7)"


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        (Page(b'{"movies": []}'), "not a JSON array any more"),
        (Page(b'[{"name": "x"}]'), "none with an imdb_id"),
        (Page(b"<html></html>", content_type="text/html"), "answered text/html, not JSON"),
        (Page(b"{}", status=404), "does not exist \\(HTTP 404\\)"),
    ],
)
def test_a_changed_or_missing_feed_is_a_loud_error(settings, page, problem):
    with StaticSite({"/movies.json": page}) as site:
        settings.LISTSYNC_STEVENLU_URL = site.url + "/movies.json"
        with pytest.raises(FetchError, match=problem):
            StevenLu().fetch(parse_list("stevenlu"), FetchContext())


@pytest.mark.django_db
def test_a_failed_fetch_keeps_the_items_and_stores_the_error(settings):
    with StaticSite({"/movies.json": Page(json.dumps(FEED).encode())}) as site:
        settings.LISTSYNC_STEVENLU_URL = site.url + "/movies.json"
        followed, _ = add_list("stevenlu")
        assert refresh_list(followed, FetchContext()) is not None
        assert followed.item_count == 2 and followed.name == "Popular movies"
        site.pages["/movies.json"] = Page(b"[]")
        assert refresh_list(followed, FetchContext()) is None
    followed.refresh_from_db()
    assert "none with an imdb_id" in followed.last_error
    assert ListItem.objects.filter(followed_list=followed, removed_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_following_the_same_feed_twice_is_refused():
    add_list("stevenlu")
    with pytest.raises(ListInputError, match="followed already"):
        add_list("https://s3.amazonaws.com/popular-movies/movies.json")


@pytest.mark.django_db  # fetchlist reads the stored source keys
def test_fetchlist_prints_the_items_as_json(settings):
    import io

    from django.core.management import call_command

    with StaticSite({"/movies.json": Page(json.dumps(FEED).encode())}) as site:
        settings.LISTSYNC_STEVENLU_URL = site.url + "/movies.json"
        out = io.StringIO()
        call_command("fetchlist", "stevenlu", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["name"] == "Popular movies" and result["route"] == "json"
    assert result["items"][1] == {
        "title": "Heat",
        "year": None,
        "media_type": "movie",
        "imdb_id": "tt0113277",
        "tmdb_id": 949,
        "tvdb_id": None,
        "source_id": "tt0113277",
    }
