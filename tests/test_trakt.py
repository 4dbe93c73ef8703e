"""Trakt: every URL form, the real API captures, paging past 250, watchlists, each chart shape,
the headers the API requires, and one clear error per failure."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from providers.base import (
    FetchError,
    Item,
    ListInputError,
    ListRef,
    ListUnavailable,
    PageChanged,
    RateLimited,
)
from providers.context import FetchContext
from providers.trakt import CHART_CAP, HOSTS, Trakt
from tests.trakt_site import CLIENT_ID, Answer, FakeTrakt, list_entries, movie, show

FIXTURES = Path(__file__).parent / "data" / "fixtures" / "trakt"
LIST_FIXTURE = "api_users_sean_lists_star-wars-in-machete-order_items_DOCS-EXAMPLE"
TRAKT = Trakt()


@pytest.fixture
def site(settings):
    with FakeTrakt() as fake:
        settings.LISTSYNC_TRAKT_API_URL = fake.url
        settings.LISTSYNC_TRAKT_CLIENT_ID = CLIENT_ID
        yield fake


def fetch(url: str):
    context = FetchContext()
    result = TRAKT.fetch(TRAKT.parse(url), context)
    return result, context


def pages_header(count: int, limit: int = 10, page_count: int = 1) -> dict[str, str]:
    return {
        "X-Pagination-Page": "1",
        "X-Pagination-Limit": str(limit),
        "X-Pagination-Page-Count": str(page_count),
        "X-Pagination-Item-Count": str(count),
    }


# -- parse ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            "https://trakt.tv/users/sean/lists/star-wars-in-machete-order",
            "users/sean/lists/star-wars-in-machete-order",
        ),
        (
            "https://www.trakt.tv/users/Sean/lists/Star-Wars-In-Machete-Order/?sort=rank,asc",
            "users/sean/lists/star-wars-in-machete-order",
        ),
        ("https://app.trakt.tv/users/sean/lists/my_list.2", "users/sean/lists/my_list.2"),
        ("trakt.tv/users/sean/lists/1248149", "users/sean/lists/1248149"),
        ("http://trakt.tv/lists/1248149", "lists/1248149"),
        ("https://app.trakt.tv/lists/20764798?sort=added,desc", "lists/20764798"),
        (
            "https://trakt.tv/lists/official/james-bond-collection?sort=rank,asc",
            "lists/official/james-bond-collection",
        ),
        ("https://app.trakt.tv/lists/official/41", "lists/official/41"),
        ("https://trakt.tv/users/sean/watchlist?sort=added,asc", "users/sean/watchlist"),
        ("https://app.trakt.tv/users/sean/watchlist", "users/sean/watchlist"),
        ("https://trakt.tv/movies/trending", "movies/trending"),
        ("https://trakt.tv/shows/trending/", "shows/trending"),
        ("https://trakt.tv/movies/popular", "movies/popular"),
        ("https://app.trakt.tv/shows/popular", "shows/popular"),
        ("https://trakt.tv/movies/anticipated", "movies/anticipated"),
        ("https://trakt.tv/shows/anticipated", "shows/anticipated"),
        ("https://trakt.tv/movies/boxoffice", "movies/boxoffice"),
        ("https://trakt.tv/movies/watched/monthly", "movies/watched/monthly"),
        ("https://trakt.tv/movies/watched", "movies/watched/weekly"),
        ("https://trakt.tv/shows/played/all", "shows/played/all"),
        ("https://trakt.tv/shows/played", "shows/played/weekly"),
        ("https://trakt.tv/shows/collected/yearly#top", "shows/collected/yearly"),
        ("https://trakt.tv/movies/collected/daily", "movies/collected/daily"),
    ],
)
def test_accepted_forms(text, key):
    ref = TRAKT.parse(text)
    assert ref == ListRef(source="trakt", key=key, url=f"https://trakt.tv/{key}")
    assert TRAKT.parse(ref.url) == ref  # the canonical URL reads back to the same list


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("https://trakt.tv/shows/boxoffice", "box office chart for movies only"),
        ("https://trakt.tv/movies/watched/fortnightly", "not a period"),
        ("https://trakt.tv/movies/watched/weekly/extra", "not a Trakt chart"),
        ("https://trakt.tv/movies/trending/weekly", "not a Trakt chart"),
        ("https://trakt.tv/movies/recommended", "not a Trakt chart"),
        ("https://trakt.tv/movies/the-matrix-1999", "not a Trakt chart"),
        ("https://trakt.tv/users/sean/lists", "page of lists"),
        ("https://trakt.tv/users/sean", "not a Trakt list"),
        ("https://trakt.tv/lists/star-wars", "lists/<number>"),
        ("https://trakt.tv/", "not a Trakt list"),
        ("https://trakt.tv/users/se%20an/lists/x", "not a Trakt user name"),
        ("https://trakt.tv/users/sean/lists/..", "not a Trakt list"),
        ("https://api.trakt.tv/users/sean/lists/x/items", "not a page address"),
        ("ftp://trakt.tv/users/sean/lists/x", "not a web address"),
    ],
)
def test_malformed_trakt_addresses_say_what_is_accepted(text, problem):
    with pytest.raises(ListInputError, match=problem):
        TRAKT.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/users/sean/lists/x",
        "https://nottrakt.tv/users/sean/lists/x",
        "https://mdblist.com/lists/sean/x",
        "star wars in machete order",
        "tt0076759",
        "http://[::1",
    ],
)
def test_other_addresses_are_not_trakt(text):
    assert TRAKT.parse(text) is None


@given(st.text(max_size=200))
@hsettings(max_examples=300)
def test_parse_of_any_text_is_a_ref_none_or_input_error(text):
    try:
        ref = TRAKT.parse(text)
    except ListInputError:
        return
    assert ref is None or (ref.source == "trakt" and ref.url == "https://trakt.tv/" + ref.key)


SEGMENT = st.sampled_from(
    [
        "users",
        "lists",
        "official",
        "watchlist",
        "movies",
        "shows",
        "trending",
        "popular",
        "anticipated",
        "boxoffice",
        "watched",
        "played",
        "collected",
        "daily",
        "weekly",
        "all",
        "sean",
        "Star-Wars",
        "123",
        "",
        "..",
        "%2F",
        "ü",
    ]
) | st.text(max_size=10)


@given(
    scheme=st.sampled_from(["https", "http", "HTTPS", "ftp", ""]),
    host=st.sampled_from(sorted(HOSTS) + ["TRAKT.TV", "App.Trakt.tv", "api.trakt.tv"]),
    segments=st.lists(SEGMENT, max_size=6),
    query=st.text(max_size=20),
)
@hsettings(max_examples=400)
def test_parse_of_any_url_on_a_trakt_host_is_a_ref_or_input_error(scheme, host, segments, query):
    url = (f"{scheme}://" if scheme else "") + host + "/" + "/".join(segments)
    if query:
        url += "?" + query
    try:
        ref = TRAKT.parse(url)
    except ListInputError as exc:
        assert str(exc)
        return
    assert isinstance(ref, ListRef)  # a Trakt host is never "not this source"
    assert ref.url == "https://trakt.tv/" + ref.key
    assert TRAKT.parse(ref.url) == ref


# -- the real captures ----------------------------------------------------------------------


def expected_items(name: str) -> list[Item]:
    """What the `.expected.json` lists, as ListSync items: a season or episode is its show,
    a person is left out, a show that is already there counts once."""
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text())
    items: list[Item] = []
    for entry in expected["items"]:
        if entry["type"] == "person":
            continue
        title = entry["show"] if entry["type"] in ("season", "episode") else entry
        item = Item(
            title=title["title"],
            year=title["year"],
            media_type="movie" if title["type"] == "movie" else "tv",
            imdb_id=title.get("imdb_id"),
            tmdb_id=title.get("tmdb_id"),
            tvdb_id=title.get("tvdb_id"),
            source_id=str(title["trakt_id"]),
        )
        if item not in items:
            items.append(item)
    return items


def test_the_trakt_docs_list_example_gives_its_expected_items(site):
    body = (FIXTURES / f"{LIST_FIXTURE}.json").read_bytes()
    path = "/users/sean/lists/star-wars-in-machete-order"
    site.fixed[path + "/items"] = Answer(body, headers=pages_header(5, limit=250))
    site.fixed[path] = Answer(b'{"name": "Star Wars in machete order", "item_count": 5}')
    result, _ = fetch("https://trakt.tv/users/sean/lists/star-wars-in-machete-order")
    assert result.items == expected_items(LIST_FIXTURE)
    assert [i.title for i in result.items] == [
        "Star Wars: Episode IV - A New Hope",
        "The Walking Dead",
        "Breaking Bad",
    ]
    assert result.name == "Star Wars in machete order"
    assert (result.route, result.complete) == ("api", True)
    assert result.warnings == [
        "1 people on the list were left out (only titles are requested)",
        "2 season or episode entries were counted as their show",
    ]


@pytest.mark.parametrize(
    ("url", "path", "name", "media_type"),
    [
        (
            "https://trakt.tv/movies/trending",
            "/movies/trending",
            "api_movies_trending_2017",
            "movie",
        ),
        ("https://trakt.tv/shows/popular", "/shows/popular", "api_shows_popular_2017", "tv"),
    ],
)
def test_the_real_chart_captures_give_their_expected_items(site, url, path, name, media_type):
    site.fixed[path] = Answer((FIXTURES / f"{name}.json").read_bytes(), headers=pages_header(10))
    result, context = fetch(url)
    assert result.items == expected_items(name)
    assert len(result.items) == 10 and {i.media_type for i in result.items} == {media_type}
    assert result.warnings == [] and result.complete
    assert context.requests_made == 1


# -- paging --------------------------------------------------------------------------------


def test_a_list_of_620_items_is_read_over_three_pages(site):
    site.paged["/users/bob/lists/big-list/items"] = list_entries(620)
    site.fixed["/users/bob/lists/big-list"] = Answer(b'{"name": "Big list", "item_count": 620}')
    result, context = fetch("https://trakt.tv/users/bob/lists/big-list")
    assert len(result.items) == 620
    assert [int(i.source_id) for i in result.items] == list(range(1, 621))
    assert result.items[0] == Item(
        title="Movie 1",
        year=1951,
        media_type="movie",
        imdb_id="tt1000001",
        tmdb_id=500001,
        tvdb_id=None,
        source_id="1",
    )
    assert result.items[619].media_type == "tv" and result.items[619].tvdb_id == 300620
    assert result.name == "Big list" and result.complete and result.warnings == []
    pages = sorted(
        (int(r.query["page"]), r.query["limit"]) for r in site.requests if r.path.endswith("/items")
    )
    assert pages == [(1, "250"), (2, "250"), (3, "250")]
    assert context.requests_made == 4 == len(site.requests)  # 3 pages and the list's record


def test_a_clamped_limit_still_reads_every_page(site):
    site.max_limit = 100
    site.paged["/users/bob/lists/big-list/items"] = list_entries(620)
    result, context = fetch("https://trakt.tv/users/bob/lists/big-list")
    assert [int(i.source_id) for i in result.items] == list(range(1, 621))
    assert context.requests_made == 7 + 1
    assert result.name == "Big list"  # no record (404): the name comes from the slug


def test_without_pagination_headers_pages_are_read_until_a_short_one(site):
    site.pagination_headers = False
    site.paged["/users/bob/lists/big-list/items"] = list_entries(520)
    result, _ = fetch("https://trakt.tv/users/bob/lists/big-list")
    assert len(result.items) == 520 and result.complete
    item_pages = [r.query["page"] for r in site.requests if r.path.endswith("/items")]
    assert item_pages == ["1", "2", "3"]


def test_fewer_entries_than_trakt_counted_is_an_incomplete_fetch(site):
    entries = list_entries(10)
    site.fixed["/lists/77/items"] = Answer(json.dumps(entries).encode(), headers=pages_header(12))
    result, _ = fetch("https://trakt.tv/lists/77")
    assert len(result.items) == 10
    assert result.complete is False
    assert result.warnings == [
        "Trakt counted 12 entries but gave 10: the items seen before are kept, and the list "
        "is read again on the next sync"
    ]


# -- lists by id, official lists, watchlists ------------------------------------------------


def test_lists_by_id_and_official_lists_use_the_lists_endpoint(site):
    site.paged["/lists/1248149/items"] = list_entries(3)
    site.paged["/lists/james-bond-collection/items"] = list_entries(2)
    site.fixed["/lists/james-bond-collection"] = Answer(b'{"name": "James Bond Collection"}')
    by_id, _ = fetch("https://trakt.tv/lists/1248149")
    official, _ = fetch("https://trakt.tv/lists/official/james-bond-collection")
    assert len(by_id.items) == 3 and by_id.name == "Trakt list 1248149"
    assert len(official.items) == 2 and official.name == "James Bond Collection"
    assert site.paths() == [
        "/lists/1248149/items",
        "/lists/1248149",
        "/lists/james-bond-collection/items",
        "/lists/james-bond-collection",
    ]


def test_a_watchlist_gives_its_movies_and_shows(site):
    entries = [
        {"rank": 1, "type": "movie", "movie": movie(1)},
        {"rank": 2, "type": "show", "show": show(2)},
        {"rank": 3, "type": "season", "season": {"number": 1, "ids": {}}, "show": show(3)},
        {"rank": 4, "type": "episode", "episode": {"ids": {"trakt": 9}}, "show": show(2)},
    ]
    site.paged["/users/sean/watchlist"] = entries
    result, context = fetch("https://app.trakt.tv/users/sean/watchlist")
    assert [(i.media_type, i.source_id) for i in result.items] == [
        ("movie", "1"),
        ("tv", "2"),
        ("tv", "3"),
    ]
    assert result.name == "sean's Trakt watchlist"
    assert site.paths() == ["/users/sean/watchlist"] and context.requests_made == 1
    assert result.warnings == ["2 season or episode entries were counted as their show"]


# -- charts --------------------------------------------------------------------------------


def wrapped(key: str, kind: str, count: int) -> list[dict]:
    objects = [movie(n) if kind == "movie" else show(n) for n in range(1, count + 1)]
    return [{key: 100 - n, kind: obj} for n, obj in enumerate(objects)]


def counts(kind: str, count: int) -> list[dict]:
    objects = [movie(n) if kind == "movie" else show(n) for n in range(1, count + 1)]
    return [
        {"watcher_count": 9, "play_count": 20, "collected_count": 3, kind: obj} for obj in objects
    ]


@pytest.mark.parametrize(
    ("url", "api_path", "entries"),
    [
        ("https://trakt.tv/movies/trending", "/movies/trending", wrapped("watchers", "movie", 12)),
        ("https://trakt.tv/shows/trending", "/shows/trending", wrapped("watchers", "show", 12)),
        ("https://trakt.tv/movies/popular", "/movies/popular", [movie(n) for n in range(1, 13)]),
        ("https://trakt.tv/shows/popular", "/shows/popular", [show(n) for n in range(1, 13)]),
        (
            "https://trakt.tv/movies/anticipated",
            "/movies/anticipated",
            wrapped("list_count", "movie", 12),
        ),
        (
            "https://trakt.tv/shows/anticipated",
            "/shows/anticipated",
            wrapped("list_count", "show", 12),
        ),
        ("https://trakt.tv/movies/watched", "/movies/watched/weekly", counts("movie", 12)),
        ("https://trakt.tv/shows/watched/daily", "/shows/watched/daily", counts("show", 12)),
        ("https://trakt.tv/movies/played/all", "/movies/played/all", counts("movie", 12)),
        ("https://trakt.tv/shows/played/monthly", "/shows/played/monthly", counts("show", 12)),
        (
            "https://trakt.tv/movies/collected/yearly",
            "/movies/collected/yearly",
            counts("movie", 12),
        ),
        ("https://trakt.tv/shows/collected/weekly", "/shows/collected/weekly", counts("show", 12)),
    ],
)
def test_each_chart_is_read_from_its_endpoint(site, url, api_path, entries):
    site.paged[api_path] = entries
    result, _ = fetch(url)
    kind = "movie" if api_path.startswith("/movies") else "tv"
    assert [(i.media_type, i.source_id) for i in result.items] == [
        (kind, str(n)) for n in range(1, 13)
    ]
    assert all(i.imdb_id and i.tmdb_id for i in result.items)
    assert site.paths() == [api_path]
    assert site.requests[0].query == {"page": "1", "limit": str(CHART_CAP)}
    assert result.name.startswith("Trakt: ") and f"top {CHART_CAP}" in result.name


def test_boxoffice_has_no_pages_and_is_read_in_one_call(site):
    # Trakt's boxoffice: the weekend's top 10, `[{revenue, movie}]`, no pagination headers.
    site.fixed["/movies/boxoffice"] = Answer(json.dumps(wrapped("revenue", "movie", 10)).encode())
    result, context = fetch("https://trakt.tv/movies/boxoffice")
    assert len(result.items) == 10 and result.items[0].title == "Movie 1"
    assert context.requests_made == 1
    assert result.name == f"Trakt: Box office movies (top {CHART_CAP})"


def test_a_chart_is_cut_at_its_cap(site):
    site.paged["/movies/trending"] = wrapped("watchers", "movie", 300)
    result, context = fetch("https://trakt.tv/movies/trending")
    assert [i.source_id for i in result.items] == [str(n) for n in range(1, CHART_CAP + 1)]
    assert context.requests_made == 1 and result.complete


def test_the_period_is_part_of_the_chart_name(site):
    site.paged["/shows/watched/monthly"] = counts("show", 2)
    result, _ = fetch("https://trakt.tv/shows/watched/monthly")
    assert result.name == f"Trakt: Most watched shows (top {CHART_CAP}, monthly)"


# -- headers and the client id --------------------------------------------------------------


def test_every_call_carries_the_client_id_and_api_version(site):
    site.paged["/users/bob/lists/big-list/items"] = list_entries(300)
    fetch("https://trakt.tv/users/bob/lists/big-list")
    assert len(site.requests) == 3
    for request in site.requests:
        assert request.headers["trakt-api-key"] == CLIENT_ID
        assert request.headers["trakt-api-version"] == "2"
        assert request.headers["content-type"] == "application/json"


def test_a_wrong_client_id_is_refused(site, settings):
    settings.LISTSYNC_TRAKT_CLIENT_ID = "not-the-right-one"
    site.paged["/movies/trending"] = wrapped("watchers", "movie", 3)
    with pytest.raises(FetchError, match="the client id was refused") as caught:
        fetch("https://trakt.tv/movies/trending")
    assert "HTTP 403" in str(caught.value)


def test_without_a_client_id_nothing_is_fetched_and_the_fix_is_explained(site, settings):
    settings.LISTSYNC_TRAKT_CLIENT_ID = ""
    context = FetchContext()
    with pytest.raises(FetchError) as caught:
        TRAKT.fetch(TRAKT.parse("https://trakt.tv/movies/trending"), context)
    message = str(caught.value)
    assert type(caught.value) is FetchError
    assert "two minutes" in message
    assert "https://trakt.tv/oauth/applications/new" in message
    assert "urn:ietf:wg:oauth:2.0:oob" in message
    assert "LISTSYNC_TRAKT_CLIENT_ID" in message
    assert site.requests == [] and context.requests_made == 0


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "error", "problem"),
    [
        (Answer(b"", status=404), ListUnavailable, "private, was deleted, or never existed"),
        (Answer(b"", status=401), FetchError, "the client id was refused"),
        (Answer(b"", status=420), FetchError, "account limit"),
        (Answer(b"", status=429, headers={"Retry-After": "0"}), RateLimited, "429"),
        (Answer(b'{"items": []}'), PageChanged, "dict where a list of entries was expected"),
        (Answer(b'[{"rank": 1, "thing": {}}]'), PageChanged, "none in a shape ListSync knows"),
        (Answer(b"<html>maintenance</html>"), PageChanged, "not JSON"),
        (Answer(b"", status=502), FetchError, "did not answer properly .*502"),
    ],
)
def test_each_failure_gives_its_own_error(site, answer, error, problem):
    site.fixed["/users/sean/lists/gone/items"] = answer
    with pytest.raises(FetchError, match=problem) as caught:
        fetch("https://trakt.tv/users/sean/lists/gone")
    assert type(caught.value) is error


def test_rate_limits_are_retried_before_giving_up(site, settings):
    settings.LISTSYNC_HTTP_RETRIES = 2
    site.fixed["/movies/trending"] = Answer(b"", status=429, headers={"Retry-After": "0"})
    with pytest.raises(RateLimited) as caught:
        fetch("https://trakt.tv/movies/trending")
    assert caught.value.retryable
    assert len(site.requests) == 3  # the first call and two retries


def test_a_list_that_is_only_people_is_empty_with_a_warning(site):
    people = [{"rank": 1, "type": "person", "person": {"name": "X", "ids": {"trakt": 1}}}]
    site.fixed["/lists/5/items"] = Answer(json.dumps(people).encode(), headers=pages_header(1))
    result, _ = fetch("https://trakt.tv/lists/5")
    assert result.items == []
    assert result.warnings == ["1 people on the list were left out (only titles are requested)"]


def test_entries_of_an_unknown_shape_among_good_ones_are_counted(site):
    entries = [*list_entries(2), {"rank": 3, "type": "movie", "movie": {"title": "no ids"}}]
    site.fixed["/lists/6/items"] = Answer(json.dumps(entries).encode(), headers=pages_header(3))
    result, _ = fetch("https://trakt.tv/lists/6")
    assert [i.source_id for i in result.items] == ["1", "2"]
    assert result.warnings == ["1 entries of a shape ListSync does not know were left out"]
