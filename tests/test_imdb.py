"""IMDb: every address form, every item through the GraphQL API, the page and browser routes
when the API is blocked, and a clear error for private, missing and changed lists."""

import contextlib
import json
import re
import socket

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from providers.base import (
    Blocked,
    FetchError,
    ListInputError,
    ListRef,
    ListUnavailable,
    PageChanged,
    RateLimited,
)
from providers.context import FetchContext
from providers.imdb import CHARTS, Imdb, Target
from tests.imdb_site import (
    LIST_ID,
    PROFILE_ID,
    USER_ID,
    Answer,
    Title,
    fixture,
    fixture_json,
    forbidden_page,
    html_answer,
    json_answer,
    list_answers,
    next_data_page,
    solvable_waf_challenge,
    standard_site,
    waf_challenge,
)

IMDB = Imdb()


@pytest.fixture
def site(settings):
    with standard_site() as running:
        settings.LISTSYNC_IMDB_BASE_URL = running.url
        settings.LISTSYNC_IMDB_GRAPHQL_URL = running.url + "/"
        yield running


def fetch(text, context=None):
    context = context or FetchContext()
    try:
        return IMDB.fetch(IMDB.parse(text), context), context
    finally:
        context.close()


def expected(name):
    return fixture_json(name)


def as_rows(items):
    return [
        {"imdb_id": i.imdb_id, "title": i.title, "year": i.year, "media_type": i.media_type}
        for i in items
    ]


# ---- parse ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "url"),
    [
        ("ls012345678", "ls012345678", "https://www.imdb.com/list/ls012345678/"),
        ("  LS012345678 ", "ls012345678", "https://www.imdb.com/list/ls012345678/"),
        ("https://www.imdb.com/list/ls012345678/", "ls012345678", None),
        ("https://www.imdb.com/list/ls012345678", "ls012345678", None),
        ("http://imdb.com/list/ls012345678/?sort=list_order,asc&mode=detail", "ls012345678", None),
        ("https://m.imdb.com/list/ls012345678/?ref_=m_ls_1", "ls012345678", None),
        ("https://www.imdb.com/list/ls012345678/videoplayer/vi123456789", "ls012345678", None),
        ("https://www.imdb.com/fr/list/ls012345678/", "ls012345678", None),
        ("www.imdb.com/list/ls012345678/#top", "ls012345678", None),
        ("imdb:ls012345678", "ls012345678", None),
        ("ur1234567", "watchlist:ur1234567", "https://www.imdb.com/user/ur1234567/watchlist/"),
        ("https://www.imdb.com/user/ur1234567/watchlist", "watchlist:ur1234567", None),
        (
            "https://m.imdb.com/user/ur1234567/watchlist/?sort=date_added",
            "watchlist:ur1234567",
            None,
        ),
        ("imdb:watchlist:ur1234567", "watchlist:ur1234567", None),
        (
            "https://www.imdb.com/user/p.abc123/watchlist/",
            "watchlist:p.abc123",
            "https://www.imdb.com/user/p.abc123/watchlist/",
        ),
        (f"{PROFILE_ID}", f"watchlist:{PROFILE_ID}", None),
        ("https://www.imdb.com/chart/top/", "chart:top", "https://www.imdb.com/chart/top/"),
        ("https://www.imdb.com/chart/top?ref_=nv_mv_250", "chart:top", None),
        ("https://www.imdb.com/chart/toptv/", "chart:toptv", None),
        ("https://m.imdb.com/chart/moviemeter/", "chart:moviemeter", None),
        ("https://www.imdb.com/chart/tvmeter/?sort=rank", "chart:tvmeter", None),
        ("https://www.imdb.com/chart/boxoffice", "chart:boxoffice", None),
        ("https://www.imdb.com/chart/bottom/", "chart:bottom", None),
        ("https://www.imdb.com/chart/top-english-movies/", "chart:top-english-movies", None),
        ("imdb:top", "chart:top", None),
        ("IMDb:TopTV", "chart:toptv", None),
        ("imdb:chart:boxoffice", "chart:boxoffice", "https://www.imdb.com/chart/boxoffice/"),
    ],
)
def test_every_address_form_parses(text, key, url):
    ref = IMDB.parse(text)
    assert ref == ListRef(source="imdb", key=key, url=url or ref.url)
    assert ref.url.startswith("https://www.imdb.com/") and ref.url.endswith("/")
    assert Target.of(ref.key).key == key  # the key fetch() reads back


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("https://www.imdb.com/list/", "holds no IMDb list id"),
        ("https://www.imdb.com/list/lsabc/", "holds no IMDb list id"),
        ("https://www.imdb.com/user/ur1234567/", "profile page, not a list"),
        ("https://www.imdb.com/user/ur1234567/ratings", "profile page, not a list"),
        ("https://www.imdb.com/user/someone/watchlist", "holds no IMDb user id"),
        ("https://www.imdb.com/watchlist", "whoever is signed in"),
        ("https://www.imdb.com/chart/top-secret/", "not a chart ListSync reads"),
        ("https://www.imdb.com/title/tt0133093/", "single title, not a list"),
        ("https://www.imdb.com/", "not an IMDb list, watchlist or chart"),
        ("https://pro.imdb.com/list/ls012345678/", "www.imdb.com, imdb.com, m.imdb.com"),
        ("ftp://www.imdb.com/list/ls012345678/", "over http\\(s\\)"),
        ("imdb:tt0133093", "single title"),
        ("imdb:nonsense", "names no IMDb list"),
        ("https://www.imdb.com]/list/ls1/", "not a valid address"),
    ],
)
def test_malformed_imdb_addresses_say_what_is_accepted(text, problem):
    with pytest.raises(ListInputError, match=problem):
        IMDB.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "manual",
        "stevenlu",
        "https://trakt.tv/users/x/lists/y",
        "https://evil.example/list/ls012345678/",
        "https://www.imdb.com.evil.example/list/ls012345678/",
        "https://www.imdb.com@evil.example/list/ls012345678/",
        "https://evil.example/?next=https://www.imdb.com/list/ls012345678/",
        "lsd",
        "p.s",
        "tt0133093",
    ],
)
def test_other_text_is_not_this_source(text):
    assert IMDB.parse(text) is None


IMDB_HOSTS = ["www.imdb.com", "imdb.com", "m.imdb.com", "WWW.IMDb.com", "pro.imdb.com", "imdb.com."]
SEGMENTS = ["list", "user", "chart", "watchlist", "ls012", "ur99", "p.x1", "top", "", "title"]
imdb_urls = st.builds(
    lambda scheme, host, parts, tail: f"{scheme}://{host}/{'/'.join(parts)}{tail}",
    st.sampled_from(["http", "https", "HTTPS", "ftp", "javascript"]),
    st.sampled_from(IMDB_HOSTS),
    st.lists(st.one_of(st.sampled_from(SEGMENTS), st.text(max_size=15)), max_size=5),
    st.one_of(st.sampled_from(["", "/", "?ref_=x", "#x", "/?a=b&c=%20"]), st.text(max_size=20)),
)


@given(st.one_of(st.text(max_size=200), imdb_urls, st.text(max_size=40).map("imdb:".__add__)))
def test_parse_never_crashes(text):
    try:
        ref = IMDB.parse(text)
    except ListInputError as exc:
        assert str(exc)  # a message a person can read
        return
    if ref is not None:
        assert ref.source == "imdb" and Target.of(ref.key).key == ref.key
        assert ref.url == "https://www.imdb.com" + Target.of(ref.key).path


@given(imdb_urls.filter(lambda url: url.lower().startswith("http")))
def test_an_address_on_an_imdb_host_is_never_someone_elses(url):
    with contextlib.suppress(ListInputError):  # an IMDb address, malformed: still ours
        assert IMDB.parse(url) is not None


# ---- the GraphQL route ---------------------------------------------------------------------


def test_every_item_of_a_600_entry_list_in_3_posts(site):
    result, context = fetch("https://www.imdb.com/list/ls012345678/?sort=date_added")
    want = expected(f"graphql_list_{LIST_ID}.expected.json")
    assert (result.route, result.complete, result.name) == ("graphql", True, want["name"])
    assert as_rows(result.items) == want["items"]
    assert len(result.items) == 596  # 600 entries less 2 episodes, a game and a TV special
    assert context.requests_made == 3 and context.browser_starts == 0
    cursors = [key.rsplit(":", 1)[1] for key in site.posts]
    assert cursors[0] == "" and all(cursors[1:]) and len(set(cursors)) == 3
    assert site.gets == [] and site.refused == []
    assert result.warnings == [
        "4 entries neither film nor series left out: 2 TV episodes, 1 video game, 1 TV special."
    ]
    assert {i.source_id for i in result.items} == {i.imdb_id for i in result.items}


def test_a_watchlist_pages_too(site):
    result, context = fetch("https://www.imdb.com/user/ur1234567/watchlist")
    want = expected(f"graphql_watchlist_{USER_ID}.expected.json")
    assert as_rows(result.items) == want["items"] and len(result.items) == 319
    assert result.name == "IMDb watchlist of ur1234567" and result.route == "graphql"
    assert [key.split(":")[:2] for key in site.posts] == [["watchlist", USER_ID]] * 2
    assert result.warnings == ["1 entry neither film nor series left out: 1 TV episode."]


def test_a_profile_watchlist_resolves_the_profile_to_its_user_id(site):
    result, context = fetch(f"https://www.imdb.com/user/{PROFILE_ID}/watchlist/")
    want = expected(f"graphql_watchlist_{USER_ID}.expected.json")
    assert as_rows(result.items) == want["items"]
    assert site.posts[0] == f"profile:{PROFILE_ID}"
    assert [key.split(":")[:2] for key in site.posts[1:]] == [["watchlist", USER_ID]] * 2
    assert context.requests_made == 3 and result.name == f"IMDb watchlist of {PROFILE_ID}"


@pytest.mark.parametrize("slug", sorted(CHARTS))
def test_every_chart_in_one_post(site, slug):
    result, context = fetch(f"https://www.imdb.com/chart/{slug}/")
    want = expected(f"graphql_chart_{slug}.expected.json")
    assert as_rows(result.items) == want["items"]
    sizes = {"boxoffice": 10, "moviemeter": 100, "tvmeter": 100, "bottom": 100}
    assert len(result.items) == sizes.get(slug, 250)
    assert result.name == CHARTS[slug].name and result.route == "graphql" and result.complete
    assert context.requests_made == 1 and len(site.posts) == 1
    kinds = {i.media_type for i in result.items}
    assert kinds == ({"tv"} if slug in ("toptv", "tvmeter") else {"movie"})


def test_title_types_map_to_films_and_series_and_the_rest_is_counted(site):
    types = [
        "movie",
        "tvMovie",
        "short",
        "video",
        "tvSeries",
        "tvMiniSeries",
        "tvEpisode",
        "tvEpisode",
        "videoGame",
        "tvSpecial",
        "tvShort",
        "podcastSeries",
    ]
    titles = [Title(f"tt{9000001 + n}", t, t, 2000 + n) for n, t in enumerate(types)]
    titles.append(Title("tt9000099", "Not yet released", "movie", None))
    site.add_paged("list", "ls000000001", list_answers("ls000000001", "Types", titles))
    result, _ = fetch("ls000000001")
    assert [(i.title, i.media_type) for i in result.items] == [
        ("movie", "movie"),
        ("tvMovie", "movie"),
        ("short", "movie"),
        ("video", "movie"),
        ("tvSeries", "tv"),
        ("tvMiniSeries", "tv"),
        ("Not yet released", "movie"),
    ]
    assert result.items[-1].year is None and result.items[0].year == 2000
    assert result.warnings == [
        "6 entries neither film nor series left out: 2 TV episodes, 1 video game, "
        "1 TV special, 1 TV short, 1 podcast."
    ]


def test_a_failure_after_the_first_page_keeps_what_was_read(site):
    pages = [key for key in site.graphql if key.startswith(f"list:{LIST_ID}:")]
    assert len(pages) == 3 and pages[0].endswith(":")
    del site.graphql[pages[1]]  # the API gives page 1, then an error for page 2
    result, context = fetch(LIST_ID)
    assert result.route == "graphql" and result.complete is False
    assert len(result.items) == 250 and context.browser_starts == 0
    assert result.warnings[0].startswith("Only 250 titles of 600 were read: IMDb's API stopped")


# ---- private, missing, changed -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "answer", "message"),
    [
        (
            "ls098765432",
            "list:ls098765432:",
            "graphql_error_forbidden.json",
            "The IMDb list ls098765432 is private: make it public on IMDb",
        ),
        (
            "ls099999999",
            "list:ls099999999:",
            "graphql_error_not_found.json",
            "The IMDb list ls099999999 does not exist",
        ),
        (
            "ur7654321",
            "watchlist:ur7654321:",
            "graphql_watchlist_null.json",
            "The watchlist of ur7654321 is private or does not exist: make it public on IMDb",
        ),
        (
            "https://www.imdb.com/user/p.nobody1/watchlist/",
            "profile:p.nobody1",
            "graphql_profile_not_found.json",
            "There is no IMDb watchlist for p.nobody1",
        ),
    ],
)
def test_private_and_missing_lists_stop_at_the_api(site, text, key, answer, message):
    site.graphql[key] = Answer(fixture(answer))
    context = FetchContext()
    with pytest.raises(ListUnavailable, match=message):
        fetch(text, context)
    assert context.browser_starts == 0 and site.gets == []  # no other route tried
    assert site.posts == [key]


def test_a_missing_page_is_unavailable_without_a_browser(site):
    site.block_graphql = forbidden_page()
    context = FetchContext()
    with pytest.raises(ListUnavailable, match="ls055555555 does not exist"):
        fetch("ls055555555", context)
    assert site.gets == ["/list/ls055555555/"] and context.browser_starts == 0


def changed(page_props):
    return html_answer(
        next_data_page("x - IMDb", "/list/[lsConst]", {"lsConst": LIST_ID}, page_props, "x")
    )


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        (html_answer("<html><body><div id='root'></div></body></html>"), 'no <script id="__NEXT'),
        (
            html_answer('<script id="__NEXT_DATA__" type="application/json">{"props": </script>'),
            "is not JSON",
        ),
        (changed({"pageData": {}}), "has no props.pageProps.mainColumnData: IMDb changed"),
        (changed({"mainColumnData": {"titles": {}}}), "has no props.pageProps.mainColumnData.list"),
        (
            changed({"mainColumnData": {"list": {"titleListItemSearch": {"total": 600}}}}),
            "titleListItemSearch\\) has no edges",
        ),
        (
            changed(
                {"mainColumnData": {"list": {"titleListItemSearch": {"total": 600, "edges": []}}}}
            ),
            "says the list has 600 titles but holds none",
        ),
        (
            changed(
                {
                    "mainColumnData": {
                        "list": {
                            "titleListItemSearch": {
                                "total": 2,
                                "edges": [{"item": {"id": "tt0133093"}}, {"item": {}}],
                            }
                        }
                    }
                }
            ),
            "lists 2 entries but none has props.pageProps.mainColumnData.list"
            ".titleListItemSearch.edges\\[\\].listItem.id",
        ),
    ],
)
def test_a_changed_page_is_a_loud_error_naming_what_is_missing(site, page, problem):
    site.block_graphql = waf_challenge()
    site.pages[f"/list/{LIST_ID}/"] = page
    context = FetchContext()
    with pytest.raises(PageChanged, match=problem) as raised:
        fetch(LIST_ID, context)
    assert "IMDb's API: IMDb's API answered HTTP 202 with an AWS WAF challenge" in str(raised.value)
    assert context.browser_starts == 0


# ---- the page route ------------------------------------------------------------------------


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        (forbidden_page(), "answered HTTP 403 with an HTML page"),
        (waf_challenge(), "answered HTTP 202 with an AWS WAF challenge"),
        (Answer(b"", 202, "text/html"), "answered HTTP 202 with an AWS WAF challenge"),
        (
            json_answer({"errors": [{"message": "Internal error", "extensions": {"code": "X"}}]}),
            "answered without data \\(Internal error\\)",
        ),
        (json_answer({"data": {"list": {"name": None}}}), "has no list.titleListItemSearch.edges"),
        ("closed port", "could not be reached: cannot connect"),
    ],
)
def test_when_the_api_fails_the_page_gives_the_first_page(site, settings, block, reason):
    if block == "closed port":
        settings.LISTSYNC_IMDB_GRAPHQL_URL = closed_port_url()
    else:
        site.block_graphql = block
    result, context = fetch(f"https://www.imdb.com/list/{LIST_ID}/")
    want = expected(f"next_data_list_{LIST_ID}.expected.json")
    assert result.route == "next_data" and result.complete is False
    assert as_rows(result.items) == want["items"] and len(result.items) == 250
    assert result.name == want["name"]  # "&" and "<" came \\u-escaped in the script
    assert result.warnings[0].startswith("IMDb's API was skipped: ")
    assert re.search(reason, result.warnings[0])
    assert result.warnings[1].startswith("Only the first 250 of 600 titles could be read")
    assert site.gets == [f"/list/{LIST_ID}/"] and context.browser_starts == 0


def test_a_chart_page_holds_the_whole_chart(site):
    site.block_graphql = forbidden_page()
    result, _ = fetch("imdb:top")
    assert result.route == "next_data" and result.complete is True
    assert as_rows(result.items) == expected("graphql_chart_top.expected.json")["items"]
    assert result.name == "IMDb Top 250 Movies"


def test_a_watchlist_page_for_a_profile_id(site):
    site.block_graphql = waf_challenge()
    result, _ = fetch(f"https://www.imdb.com/user/{PROFILE_ID}/watchlist/")
    want = expected(f"graphql_watchlist_{USER_ID}.expected.json")["items"]
    assert result.route == "next_data" and result.complete is False
    assert as_rows(result.items) == want[:249]  # the first 250 entries hold one episode
    assert site.gets == [f"/user/{PROFILE_ID}/watchlist/"] and site.posts == ["blocked"]


def test_a_rate_limited_page_is_not_retried_in_a_browser(site):
    site.block_graphql = forbidden_page()
    site.block_pages = Answer(b"Too Many Requests", 429, "text/plain", {"Retry-After": "0"})
    context = FetchContext()
    with pytest.raises(RateLimited, match="too many requests"):
        fetch(LIST_ID, context)
    assert context.browser_starts == 0 and len(site.gets) == 4  # the HTTP module's retries


# ---- the browser route ---------------------------------------------------------------------


class StuckBrowser:
    """A browser that never gets past the challenge (as when the WAF also blocks Chromium)."""

    def __init__(self):
        self.urls = []

    def page_source(self, url, *, ready=None, timeout=20.0):
        self.urls.append((url, ready))
        return fixture("waf_challenge_202.html").decode()


class StuckBrowserContext(FetchContext):
    def __init__(self):
        super().__init__()
        self.stuck = StuckBrowser()

    @property
    def browser(self):
        self.browser_starts += 1
        return self.stuck


def test_when_every_route_is_challenged_the_error_is_blocked(site):
    site.block_graphql = forbidden_page()
    site.block_pages = waf_challenge()
    context = StuckBrowserContext()
    with pytest.raises(Blocked, match="could not be read") as raised:
        fetch(LIST_ID, context)
    message = str(raised.value)
    assert "IMDb's API: " in message and "the page over plain HTTP: " in message
    assert "a real browser: IMDb's page /list/ls012345678/ (in a browser) is an AWS WAF" in message
    assert raised.value.retryable
    assert context.stuck.urls == [(site.url + f"/list/{LIST_ID}/", "script#__NEXT_DATA__")]


def test_a_real_browser_gets_past_the_challenge(site):
    """Both plain routes blocked: real headless Chromium solves the (local) challenge, which
    sets the aws-waf-token cookie and reloads, then reads __NEXT_DATA__."""
    site.block_graphql = forbidden_page()
    site.block_pages = solvable_waf_challenge()
    context = FetchContext()
    try:
        result = IMDB.fetch(IMDB.parse(f"https://www.imdb.com/list/{LIST_ID}/"), context)
        assert context.browser_starts == 1
    finally:
        context.close()
    want = expected(f"next_data_list_{LIST_ID}.expected.json")
    assert result.route == "browser" and result.complete is False
    assert as_rows(result.items) == want["items"] and result.name == want["name"]
    assert result.warnings[0].startswith("IMDb's API was skipped: IMDb's API answered HTTP 403")
    assert result.warnings[1].startswith(
        "the page over plain HTTP was skipped: IMDb answered HTTP 202 with an AWS WAF challenge"
    )
    assert site.gets.count(f"/list/{LIST_ID}/") >= 3  # plain, the browser's challenge, reload


# ---- the local API is as strict as the real one --------------------------------------------


def test_the_local_api_refuses_what_the_real_one_refuses(site):
    query = {
        "query": "query { chartTitles(chart: {chartType: TOP_RATED_MOVIES}, first: 250) "
        "{ total } }",
        "variables": {},
    }
    good = {"x-imdb-client-name": "imdb-web-next"}
    assert requests.post(site.url + "/", json=query, headers=good, timeout=5).status_code == 200
    no_header = requests.post(site.url + "/", json=query, timeout=5)
    assert no_header.status_code == 403 and no_header.text.startswith("<!DOCTYPE HTML")
    as_form = requests.post(site.url + "/", data=json.dumps(query), headers=good, timeout=5)
    assert as_form.status_code == 400 and "Cross-Site Request Forgery" in as_form.text
    paged = (
        "query Q($id: ID!, $after: ID) { list(id: $id) { titleListItemSearch(first: 250, "
        "after: $after) { total pageInfo { hasNextPage endCursor } } } }"
    )
    wrong_type = requests.post(
        site.url + "/",
        json={"query": paged, "variables": {"id": LIST_ID, "after": None}},
        headers=good,
        timeout=5,
    )
    assert wrong_type.status_code == 400
    assert 'declared as type "String"' in wrong_type.json()["errors"][0]["message"]
    no_after = requests.post(
        site.url + "/",
        json={"query": paged.replace("$after: ID", "$after: String"), "variables": {"id": LIST_ID}},
        headers=good,
        timeout=5,
    )
    assert no_after.status_code == 400 and "was not provided" in no_after.text


def test_a_key_that_is_no_imdb_list_is_an_error():
    with pytest.raises(FetchError, match="not an IMDb list key"):
        IMDB.fetch(ListRef("imdb", "chart:nothing"), FetchContext())


def test_the_benchmark_reads_1000_items_in_4_posts():
    from benchmarks.fetch_imdb import run

    figures = run(0.0)
    assert figures["items"] == 1000 and figures["requests"] == 4
    assert figures["browser"] is False and figures["parse_items_per_s"] > 1000
