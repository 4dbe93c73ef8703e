"""MDBList: URL forms, the real capture, both routes (API paged on X-Has-More; keyless JSON),
serial calls per host, and one clear error per failure."""

import json
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import providers.mdblist
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
from providers.mdblist import EMPTY_WARNING, HOSTS, Mdblist
from tests.mdblist_site import API_KEY, Answer, FakeMdblist, entry

FIXTURES = Path(__file__).parent / "data" / "fixtures" / "mdblist"
MDBLIST = Mdblist()


@pytest.fixture(autouse=True)
def short_pause(monkeypatch):
    monkeypatch.setattr(providers.mdblist, "PAUSE", 0.01)


@pytest.fixture
def site(settings):
    with FakeMdblist() as fake:
        settings.LISTSYNC_MDBLIST_BASE_URL = fake.url
        settings.LISTSYNC_MDBLIST_API_URL = fake.url
        settings.LISTSYNC_MDBLIST_API_KEY = ""
        yield fake


def fetch(url: str, context: FetchContext | None = None):
    context = context or FetchContext()
    return MDBLIST.fetch(MDBLIST.parse(url), context), context


# -- parse ---------------------------------------------------------------------------------

KEY = "linaspurinis/top-watched-movies-of-the-week"


@pytest.mark.parametrize(
    "text",
    [
        f"https://mdblist.com/lists/{KEY}",
        f"https://mdblist.com/lists/{KEY}/",
        f"https://mdblist.com/lists/{KEY}/json",
        f"https://mdblist.com/lists/{KEY}/json/",
        f"https://www.mdblist.com/lists/{KEY}?sort=score&sortorder=desc",
        f"http://mdblist.com/lists/{KEY}/json?limit=10#x",
        f"mdblist.com/lists/{KEY}",
        f"  https://MDBList.com/lists/{KEY}  ",
    ],
)
def test_accepted_forms(text):
    ref = MDBLIST.parse(text)
    assert ref == ListRef(source="mdblist", key=KEY, url=f"https://mdblist.com/lists/{KEY}")
    assert MDBLIST.parse(ref.url) == ref


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("https://mdblist.com/lists/linaspurinis", "page of lists"),
        ("https://mdblist.com/lists/linaspurinis/", "page of lists"),
        ("https://mdblist.com/movie/tt0137523", "not an MDBList list"),
        ("https://mdblist.com/lists/a/b/c", "not an MDBList list"),
        ("https://mdblist.com/lists/a/b/json/more", "not an MDBList list"),
        ("https://mdblist.com/lists/a%20b/c", "not an MDBList list"),
        ("https://mdblist.com/", "not an MDBList list"),
        ("https://api.mdblist.com/lists/a/b/items", "not a list page"),
        ("ftp://mdblist.com/lists/a/b", "not a web address"),
    ],
)
def test_malformed_mdblist_addresses_say_what_is_accepted(text, problem):
    with pytest.raises(ListInputError, match=problem) as caught:
        MDBLIST.parse(text)
    assert "mdblist.com/lists/<user>/<list>" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/lists/a/b",
        "https://notmdblist.com/lists/a/b",
        "https://trakt.tv/users/a/lists/b",
        "top watched movies",
        "http://[::1",
    ],
)
def test_other_addresses_are_not_mdblist(text):
    assert MDBLIST.parse(text) is None


@given(st.text(max_size=200))
@hsettings(max_examples=300)
def test_parse_of_any_text_is_a_ref_none_or_input_error(text):
    try:
        ref = MDBLIST.parse(text)
    except ListInputError:
        return
    assert ref is None or ref.url == "https://mdblist.com/lists/" + ref.key


@given(
    scheme=st.sampled_from(["https", "http", "HTTP", "file", ""]),
    host=st.sampled_from(sorted(HOSTS) + ["MDBLIST.COM", "api.mdblist.com"]),
    segments=st.lists(
        st.sampled_from(["lists", "json", "items", "user", "my-list", "", "..", "%20"])
        | st.text(max_size=10),
        max_size=6,
    ),
    query=st.text(max_size=20),
)
@hsettings(max_examples=400)
def test_parse_of_any_url_on_an_mdblist_host_is_a_ref_or_input_error(scheme, host, segments, query):
    url = (f"{scheme}://" if scheme else "") + host + "/" + "/".join(segments)
    if query:
        url += "?" + query
    try:
        ref = MDBLIST.parse(url)
    except ListInputError as exc:
        assert str(exc)
        return
    assert isinstance(ref, ListRef)
    assert ref.url == "https://mdblist.com/lists/" + ref.key
    assert MDBLIST.parse(ref.url) == ref


# -- the real capture ----------------------------------------------------------------------


def test_the_real_list_json_gives_its_expected_items(site):
    body = (FIXTURES / "sonarr_mdblist_direct_list.json").read_bytes()
    site.fixed["/lists/someone/direct-list/json"] = Answer(body)
    result, context = fetch("https://mdblist.com/lists/someone/direct-list")
    expected = json.loads((FIXTURES / "sonarr_mdblist_direct_list.expected.json").read_text())
    assert result.items == [
        Item(
            title=e["title"],
            year=e["year"],
            media_type="movie" if e["type"] == "movie" else "tv",
            imdb_id=e["imdb_id"],
            tmdb_id=e["mdblist_id"],  # MDBList's `id` is the TMDB id
            tvdb_id=e.get("tvdb_id"),
            source_id=str(e["mdblist_id"]),
        )
        for e in expected["items"]
    ]
    assert [i.tvdb_id for i in result.items] == [379446, None]
    assert (result.route, result.complete, result.warnings) == ("json", True, [])
    assert result.name == "Direct list"
    assert [r.path for r in site.requests] == ["/lists/someone/direct-list/json"]
    assert context.requests_made == 1


# -- the two routes ------------------------------------------------------------------------


def test_without_a_key_the_public_json_is_read(site):
    site.lists[("bob", "mixed")] = [entry(n) for n in range(1, 8)]
    result, _ = fetch("https://mdblist.com/lists/bob/mixed/")
    assert result.route == "json"
    assert [i.tmdb_id for i in result.items] == [9000 + n for n in range(1, 8)]
    assert [i.media_type for i in result.items[:3]] == ["movie", "movie", "tv"]
    assert result.items[2].tvdb_id == 400003 and result.items[2].imdb_id == "tt3000003"
    assert [(r.path, r.query) for r in site.requests] == [("/lists/bob/mixed/json", {})]


@pytest.mark.parametrize("split", [True, False])
def test_with_a_key_the_api_is_paged_while_it_has_more(site, settings, split):
    settings.LISTSYNC_MDBLIST_API_KEY = API_KEY
    site.page_size = 40  # the API gives fewer than asked: paging goes by what came
    site.split = split
    site.lists[("bob", "big")] = [entry(n) for n in range(1, 101)]
    result, context = fetch("https://mdblist.com/lists/bob/big")
    assert result.route == "api" and result.complete
    # {movies, shows} pages come apart; the items are back in list order.
    assert [i.tmdb_id for i in result.items] == [9000 + n for n in range(1, 101)]
    assert [i.media_type for i in result.items[:3]] == ["movie", "movie", "tv"]
    assert {r.path for r in site.requests} == {"/lists/bob/big/items"}
    assert [r.query for r in site.requests] == [
        {"apikey": API_KEY, "limit": "1000", "offset": str(offset)} for offset in (0, 40, 80)
    ]
    assert context.requests_made == 3


def test_calls_to_one_host_never_overlap(site):
    site.latency = 0.02  # each answer takes a while, so overlapping calls would show
    for n in range(4):
        site.lists[("bob", f"list-{n}")] = [entry(k) for k in range(1, 5)]
    context = FetchContext()
    results: dict[int, int] = {}

    def follow(n: int) -> None:
        result, _ = fetch(f"https://mdblist.com/lists/bob/list-{n}", context)
        results[n] = len(result.items)

    threads = [threading.Thread(target=follow, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == {0: 4, 1: 4, 2: 4, 3: 4}
    assert len(site.requests) == 4
    assert site.most_in_flight == 1


def test_the_api_route_is_serial_too(site, settings):
    settings.LISTSYNC_MDBLIST_API_KEY = API_KEY
    site.latency = 0.01
    site.page_size = 10
    site.lists[("bob", "big")] = [entry(n) for n in range(1, 51)]
    result, _ = fetch("https://mdblist.com/lists/bob/big")
    assert len(result.items) == 50 and len(site.requests) == 5
    assert site.most_in_flight == 1


# -- empty lists and errors -----------------------------------------------------------------


@pytest.mark.parametrize("body", [b"[]", b'{"error": "empty"}'])
def test_an_empty_answer_keeps_the_items_seen_before(site, body):
    site.fixed["/lists/bob/new/json"] = Answer(body)
    result, _ = fetch("https://mdblist.com/lists/bob/new")
    assert result.items == []
    assert result.complete is False  # nothing is marked removed on an empty answer
    assert result.warnings == [EMPTY_WARNING]


def test_an_empty_api_list_is_the_same(site, settings):
    settings.LISTSYNC_MDBLIST_API_KEY = API_KEY
    site.lists[("bob", "new")] = []
    result, _ = fetch("https://mdblist.com/lists/bob/new")
    assert (result.items, result.complete, result.route) == ([], False, "api")


@pytest.mark.parametrize(
    ("path", "answer", "error", "problem"),
    [
        (
            "/lists/bob/x/items",
            Answer(b'{"response": false, "error": "API Limit Reached!"}'),
            RateLimited,
            "API Limit Reached!.*daily limit",
        ),
        (
            "/lists/bob/x/items",
            Answer(b'{"response": false, "error": "API Limit Reached!"}', status=429),
            RateLimited,
            "429",
        ),
        ("/lists/bob/x/items", Answer(b"Not found", status=404), ListUnavailable, "rapid call"),
        (
            "/lists/bob/x/items",
            Answer(b'{"error": "Invalid API key!"}', status=403),
            FetchError,
            "refused the API key",
        ),
        ("/lists/bob/x/items", Answer(b'{"items": []}'), PageChanged, "neither"),
        ("/lists/bob/x/items", Answer(b'[{"foo": 1}]'), PageChanged, "none with a media type"),
        (
            "/lists/bob/x/items",
            Answer(b"[]", headers={"X-Has-More": "true"}),
            PageChanged,
            "said it has more items but gave none",
        ),
    ],
)
def test_each_api_failure_gives_its_own_error(site, settings, path, answer, error, problem):
    settings.LISTSYNC_MDBLIST_API_KEY = API_KEY
    site.fixed[path] = answer
    with pytest.raises(FetchError, match=problem) as caught:
        fetch("https://mdblist.com/lists/bob/x")
    assert type(caught.value) is error


@pytest.mark.parametrize(
    ("answer", "error", "problem"),
    [
        (
            Answer(b"<html>Not Found</html>", status=404),
            ListUnavailable,
            "private, was deleted, or mdblist.com refused a rapid call; ListSync retries",
        ),
        (Answer(b'{"items": []}'), PageChanged, "dict where the list's JSON array"),
        (Answer(b"<html>new site</html>"), PageChanged, "not JSON"),
        (Answer(b'[{"id": 5, "title": "x", "type": "film"}]'), PageChanged, "none with a media"),
        (Answer(b'{"error": "something else"}'), FetchError, "something else"),
        (Answer(b"", status=503), FetchError, "did not answer properly"),
    ],
)
def test_each_public_json_failure_gives_its_own_error(site, answer, error, problem):
    site.fixed["/lists/bob/x/json"] = answer
    with pytest.raises(FetchError, match=problem) as caught:
        fetch("https://mdblist.com/lists/bob/x")
    assert type(caught.value) is error


def test_a_404_is_worth_retrying(site):
    with pytest.raises(ListUnavailable) as caught:
        fetch("https://mdblist.com/lists/bob/missing")
    assert caught.value.retryable


def test_entries_without_ids_among_good_ones_are_counted(site):
    entries = [entry(1), {"title": "No ids", "mediatype": "movie"}, entry(2)]
    site.fixed["/lists/bob/x/json"] = Answer(json.dumps(entries).encode())
    result, _ = fetch("https://mdblist.com/lists/bob/x")
    assert [i.tmdb_id for i in result.items] == [9001, 9002]
    assert result.warnings == ["1 entries without a media type or id were left out"]
