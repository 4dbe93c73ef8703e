"""The sandbox request server against the real servers' behaviour and the OpenAPI specs.

Every test drives a real sandbox over HTTP with `requests`, for each fork; when a test ends,
every call the sandbox recorded is validated with validate_call (see the `start_sandbox`
fixture). No Django needed.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import pytest
import requests
from openapi_check import (
    call_problems,
    validate_call,
    validate_call_with_openapi_core,
    validate_calls,
)

from syncing.sandbox import (
    FORKS,
    MediaState,
    SandboxCall,
    SandboxServer,
    demo_catalogue,
    synthetic_catalogue,
)

KEY = "sandbox-key"
REQUESTER = 2  # REQUEST only
VIEWER = 3  # no request permission
# Refused before any route runs (unknown path, no key, invalid query or body): the request is
# invalid on purpose, only the answer's shape is checked.
REFUSED_BEFORE_THE_ROUTE = frozenset({400, 401, 404, 415})

S = MediaState
STATUS_NUMBERS = {
    "overseerr": {
        S.UNKNOWN: 1,
        S.PENDING: 2,
        S.PROCESSING: 3,
        S.PARTIALLY_AVAILABLE: 4,
        S.AVAILABLE: 5,
        S.DELETED: 6,
        S.BLOCKLISTED: 1,
    },  # no blocklist on Overseerr
    "jellyseerr": {
        S.UNKNOWN: 1,
        S.PENDING: 2,
        S.PROCESSING: 3,
        S.PARTIALLY_AVAILABLE: 4,
        S.AVAILABLE: 5,
        S.BLOCKLISTED: 6,
        S.DELETED: 7,
    },
    "seerr": {
        S.UNKNOWN: 1,
        S.PENDING: 2,
        S.PROCESSING: 3,
        S.PARTIALLY_AVAILABLE: 4,
        S.AVAILABLE: 5,
        S.BLOCKLISTED: 6,
        S.DELETED: 7,
    },
}
VERSIONS = {"overseerr": "1.34.0", "jellyseerr": "2.7.3", "seerr": "3.0.1"}

_session = requests.Session()


@pytest.fixture(autouse=True)
def fast_retries() -> None:
    """Replaces tests/conftest.py's fixture of this name, which needs pytest-django: these
    tests run without Django."""


@pytest.fixture(params=FORKS)
def fork(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def start_sandbox(fork: str) -> Iterator[Callable[..., SandboxServer]]:
    """Starts sandboxes of the fork; at the end stops them and validates every recorded call."""
    started: list[SandboxServer] = []

    def start(**options: Any) -> SandboxServer:
        sandbox = SandboxServer(fork=fork, **options).start()
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()
    for sandbox in started:
        assert_calls_match_spec(sandbox)


@pytest.fixture
def server(start_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    return start_sandbox()


def assert_calls_match_spec(sandbox: SandboxServer) -> None:
    valid = [c for c in sandbox.calls if c.status not in REFUSED_BEFORE_THE_ROUTE]
    refused = [c for c in sandbox.calls if c.status in REFUSED_BEFORE_THE_ROUTE]
    validate_calls(valid, sandbox.fork)
    validate_calls(refused, sandbox.fork, check_request=False)


# ---- helpers ---------------------------------------------------------------------------------


def api(
    server: SandboxServer,
    method: str,
    path: str,
    query: str = "",
    *,
    key: str | None = KEY,
    user: int | str | None = None,
    body: Any = None,
    data: bytes | None = None,
) -> requests.Response:
    """A call with the query string sent exactly as given (tests control the encoding)."""
    headers = {}
    if key is not None:
        headers["X-Api-Key"] = key
    if user is not None:
        headers["X-API-User"] = str(user)
    url = f"{server.api_url}{path}" + (f"?{query}" if query else "")
    return _session.request(method, url, headers=headers, json=body, data=data, timeout=10)


def search(server: SandboxServer, text: str, page: int | None = None) -> requests.Response:
    query = "query=" + quote(text, safe="")
    return api(server, "GET", "/search", query + (f"&page={page}" if page else ""))


def details(server: SandboxServer, media_type: str, tmdb_id: int) -> dict[str, Any]:
    answer = api(server, "GET", f"/{media_type}/{tmdb_id}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def ask(
    server: SandboxServer,
    media_type: str,
    tmdb_id: int,
    seasons: list[int] | str | None = None,
    *,
    user: int | None = None,
    is4k: bool = False,
    **extra: Any,
) -> requests.Response:
    body: dict[str, Any] = {"mediaType": media_type, "mediaId": tmdb_id, "is4k": is4k, **extra}
    if seasons is not None:
        body["seasons"] = seasons
    return api(server, "POST", "/request", body=body, user=user)


def season_numbers(answer: requests.Response) -> list[int]:
    return [season["seasonNumber"] for season in answer.json()["seasons"]]


def status_of(server: SandboxServer, media_type: str, tmdb_id: int) -> int | None:
    media_info = details(server, media_type, tmdb_id).get("mediaInfo")
    return None if media_info is None else int(media_info["status"])


# ---- status, auth, users -------------------------------------------------------------------


def test_status_tells_the_fork_apart_without_a_key(server: SandboxServer, fork: str) -> None:
    answer = api(server, "GET", "/status", key=None)
    assert answer.status_code == 200
    assert answer.json()["version"] == VERSIONS[fork]
    assert server.url.startswith("http://127.0.0.1:") and server.api_url.endswith("/api/v1")


def test_a_missing_key_is_401_and_a_wrong_key_403_as_on_the_real_servers(
    server: SandboxServer,
) -> None:
    missing = api(server, "GET", "/search", "query=matrix", key=None)
    assert missing.status_code == 401
    assert missing.json()["message"] == "cookie 'connect.sid' required"
    wrong = api(server, "GET", "/search", "query=matrix", key="not-the-key")
    assert wrong.status_code == 403
    assert wrong.json() == {
        "status": 403,
        "error": "You do not have permission to access this endpoint",
    }
    right = api(server, "GET", "/search", "query=matrix")
    assert right.status_code == 200 and right.json()["results"][0]["id"] == 603


def test_the_key_acts_as_the_admin_or_as_x_api_user(server: SandboxServer) -> None:
    admin = api(server, "GET", "/auth/me").json()
    assert (admin["id"], admin["permissions"]) == (1, 2)
    requester = api(server, "GET", "/auth/me", user=REQUESTER).json()
    assert (requester["id"], requester["permissions"]) == (2, 32)
    assert api(server, "GET", "/auth/me", user=99).status_code == 403  # no such user
    assert api(server, "GET", "/auth/me", user="abc").status_code == 403


def test_users_are_paged_with_take_and_skip(server: SandboxServer) -> None:
    first = api(server, "GET", "/user", "take=2&skip=0").json()
    assert first["pageInfo"] == {"pages": 2, "pageSize": 2, "results": 3, "page": 1}
    assert [u["id"] for u in first["results"]] == [1, 2]
    second = api(server, "GET", "/user", "take=2&skip=2").json()
    assert second["pageInfo"]["page"] == 2
    assert [(u["id"], u["permissions"]) for u in second["results"]] == [(3, 0)]
    assert api(server, "GET", "/user").json()["pageInfo"]["pageSize"] == 10


# ---- search --------------------------------------------------------------------------------


def test_tmdb_id_search_returns_every_type_with_that_number(server: SandboxServer) -> None:
    matrix = search(server, "tmdb:603").json()
    assert [(r["mediaType"], r["id"]) for r in matrix["results"]] == [
        ("movie", 603),
        ("person", 603),
    ]
    assert "mediaInfo" not in matrix["results"][0]  # never seen by the server
    fight_club = search(server, "tmdb:550").json()["results"]
    by_type = {r["mediaType"]: r for r in fight_club}
    assert set(by_type) == {"movie", "tv"}  # one number, two titles
    assert by_type["movie"]["mediaInfo"]["status"] == 5 and "mediaInfo" not in by_type["tv"]


def test_imdb_and_tvdb_id_searches(server: SandboxServer) -> None:
    matrix = search(server, "imdb:tt0133093").json()
    assert [(r["mediaType"], r["id"], r["title"]) for r in matrix["results"]] == [
        ("movie", 603, "The Matrix")
    ]
    thrones = search(server, "imdb:tt0944947").json()["results"][0]
    assert (thrones["mediaType"], thrones["id"], thrones["name"]) == ("tv", 1399, "Game of Thrones")
    # Search carries the media's status but not its requests (details do).
    assert thrones["mediaInfo"]["status"] == 4 and "requests" not in thrones["mediaInfo"]
    breaking_bad = search(server, "tvdb:81189").json()
    assert [(r["mediaType"], r["id"]) for r in breaking_bad["results"]] == [("tv", 1396)]
    assert search(server, "imdb:nm0000206").json()["results"][0]["name"] == "Keanu Reeves"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Schitt's Creek", ("tv", 61662)),
        ("Fast & Furious", ("movie", 13804)),
        ("Mission: Impossible", ("movie", 954)),
        ("Airplane!", ("movie", 813)),
        ("Star Trek: The Next Generation", ("tv", 655)),
        ("amelie", ("movie", 194)),
    ],
)
def test_text_search_with_strict_percent_encoding(
    server: SandboxServer, text: str, expected: tuple[str, int]
) -> None:
    answer = search(server, text)
    assert answer.status_code == 200
    assert [(r["mediaType"], r["id"]) for r in answer.json()["results"]][0] == expected


@pytest.mark.parametrize(
    "raw_query",
    [
        "query=the+matrix",
        "query=tmdb:603",
        "query=Schitt's%20Creek",
        "query=Airplane!",
    ],
)
def test_reserved_characters_in_the_query_are_refused(
    server: SandboxServer, raw_query: str
) -> None:
    answer = api(server, "GET", "/search", raw_query)
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "Parameter 'query' must be url encoded. Its value may not contain reserved characters."
    )


def test_a_raw_ampersand_splits_the_query(server: SandboxServer) -> None:
    answer = api(server, "GET", "/search", "query=Fast%20&%20Furious")
    assert answer.status_code == 400 and "Unknown query parameter" in answer.json()["message"]


def test_remakes_share_a_title_and_differ_by_year(server: SandboxServer) -> None:
    things = search(server, "the thing").json()["results"]
    assert sorted((r["id"], r["releaseDate"][:4]) for r in things) == [
        (1091, "1982"),
        (60935, "2011"),
    ]
    with_year = search(server, "the thing year:2011").json()["results"]
    assert [r["id"] for r in with_year] == [60935]


def test_text_search_pages_by_twenty_most_popular_first(
    start_sandbox: Callable[..., SandboxServer],
) -> None:
    sandbox = start_sandbox(catalogue=synthetic_catalogue(45, 3, seed=1))
    first = search(sandbox, "synthetic movie").json()
    assert (first["page"], first["totalResults"], first["totalPages"]) == (1, 45, 3)
    popularity = [r["popularity"] for r in first["results"]]
    assert len(popularity) == 20 and popularity == sorted(popularity, reverse=True)
    last = search(sandbox, "synthetic movie", page=3).json()
    assert (last["page"], len(last["results"])) == (3, 5)
    assert search(sandbox, "no such title").json()["totalResults"] == 0


# ---- details -------------------------------------------------------------------------------

DETAILS_CASES = [
    ("movie", 603, None),  # never seen: no mediaInfo
    ("movie", 13, S.UNKNOWN),
    ("movie", 157336, S.UNKNOWN),  # with a declined request
    ("movie", 27205, S.PENDING),
    ("movie", 155, S.PROCESSING),
    ("movie", 550, S.AVAILABLE),
    ("movie", 278, S.DELETED),
    ("movie", 238, S.BLOCKLISTED),
    ("tv", 2316, None),
    ("tv", 550, None),  # same number as Fight Club
    ("tv", 82856, S.UNKNOWN),
    ("tv", 1668, S.PENDING),
    ("tv", 1398, S.PROCESSING),
    ("tv", 1399, S.PARTIALLY_AVAILABLE),
    ("tv", 1396, S.AVAILABLE),
    ("tv", 19885, S.DELETED),
    ("tv", 60059, S.BLOCKLISTED),
]


def test_details_answer_each_state_with_the_forks_numbers(server: SandboxServer, fork: str) -> None:
    for media_type, tmdb_id, state in DETAILS_CASES:
        expected = None if state is None else STATUS_NUMBERS[fork][state]
        assert status_of(server, media_type, tmdb_id) == expected, (media_type, tmdb_id)
    deleted = 6 if fork == "overseerr" else 7
    assert status_of(server, "movie", 278) == deleted


def test_details_carry_ids_seasons_and_requests(server: SandboxServer) -> None:
    thrones = details(server, "tv", 1399)
    assert thrones["numberOfSeasons"] == 8
    assert [s["seasonNumber"] for s in thrones["seasons"]] == list(range(9))  # 0 = specials
    assert thrones["externalIds"]["tvdbId"] == 121361
    assert thrones["externalIds"]["imdbId"] == "tt0944947"
    by_season = {s["seasonNumber"]: s["status"] for s in thrones["mediaInfo"]["seasons"]}
    assert by_season == {1: 5, 2: 5, 3: 5, 4: 5, 5: 1, 6: 1, 7: 1, 8: 1}
    interstellar = details(server, "movie", 157336)
    assert interstellar["imdbId"] == "tt0816692"
    assert [
        (r["status"], r["requestedBy"]["id"]) for r in interstellar["mediaInfo"]["requests"]
    ] == [(3, REQUESTER)]


def test_details_of_an_unknown_id_fail_like_the_real_servers(server: SandboxServer) -> None:
    movie = api(server, "GET", "/movie/999999999")
    assert (movie.status_code, movie.json()) == (500, {"message": "Unable to retrieve movie."})
    show = api(server, "GET", "/tv/999999999")
    assert (show.status_code, show.json()) == (500, {"message": "Unable to retrieve series."})
    not_a_number = api(server, "GET", "/movie/abc")  # the OpenAPI validator's answer
    assert (not_a_number.status_code, not_a_number.json()["message"]) == (
        400,
        "request/params/movieId must be number",
    )


# ---- POST /request -------------------------------------------------------------------------


def test_a_new_movie_is_created_approved_and_goes_processing(server: SandboxServer) -> None:
    answer = ask(server, "movie", 603)
    assert answer.status_code == 201
    created = answer.json()
    assert (created["status"], created["type"], created["is4k"]) == (2, "movie", False)
    assert created["requestedBy"]["id"] == 1 and created["modifiedBy"]["id"] == 1
    assert (created["media"]["tmdbId"], created["media"]["status"]) == (603, 2)
    assert status_of(server, "movie", 603) == 3
    made = server.requests_created()
    assert len(made) == 1 and made[0].body["mediaId"] == 603
    assert made[0].response["id"] == created["id"]


def test_a_request_by_a_plain_user_stays_pending(server: SandboxServer) -> None:
    created = ask(server, "movie", 603, user=REQUESTER)
    assert created.status_code == 201
    assert (created.json()["status"], created.json()["modifiedBy"]) == (1, None)
    assert created.json()["requestedBy"]["id"] == REQUESTER
    assert status_of(server, "movie", 603) == 2


def test_all_seasons_leaves_out_the_specials(server: SandboxServer) -> None:
    created = ask(server, "tv", 2316, "all")
    assert created.status_code == 201
    assert season_numbers(created) == list(range(1, 10))
    assert status_of(server, "tv", 2316) == 3


def test_a_partially_available_show_gets_only_its_missing_seasons(
    server: SandboxServer,
) -> None:
    thrones = ask(server, "tv", 1399, "all")
    assert thrones.status_code == 201 and season_numbers(thrones) == [5, 6, 7, 8]
    assert status_of(server, "tv", 1399) == 4  # still partially available
    dark = ask(server, "tv", 70523, "all")  # season 2 already requested, 1 available
    assert dark.status_code == 201 and season_numbers(dark) == [3]
    picked = ask(server, "tv", 1399, [3, 4, 5])  # all taken now
    assert picked.status_code == 202


def test_nothing_left_to_request_is_202(server: SandboxServer) -> None:
    no_seasons = {"message": "No seasons available to request"}
    for tmdb_id in (1396, 1668, 1398):  # available; pending; processing
        answer = ask(server, "tv", tmdb_id, "all")
        assert (answer.status_code, answer.json()) == (202, no_seasons), tmdb_id
    assert server.requests_created() == []


def test_an_open_movie_request_answers_409(server: SandboxServer) -> None:
    duplicate = {"message": "Request for this media already exists."}
    for tmdb_id in (27205, 155, 496243, 671):  # pending, approved, failed, approved+available
        answer = ask(server, "movie", tmdb_id)
        assert (answer.status_code, answer.json()) == (409, duplicate), tmdb_id
    assert ask(server, "movie", 603).status_code == 201
    assert ask(server, "movie", 603, user=REQUESTER).status_code == 409
    assert ask(server, "movie", 603, is4k=True).status_code == 201  # 4K is a separate request


def test_an_available_movie_without_a_request_can_be_requested(server: SandboxServer) -> None:
    # As on the real servers: the API does not refuse available media, only open requests.
    answer = ask(server, "movie", 550)
    assert answer.status_code == 201 and answer.json()["media"]["status"] == 5


def test_no_permission_is_403(server: SandboxServer) -> None:
    movie = ask(server, "movie", 603, user=VIEWER)
    assert (movie.status_code, movie.json()["message"]) == (
        403,
        "You do not have permission to make movie requests.",
    )
    show = ask(server, "tv", 2316, "all", user=VIEWER)
    assert (show.status_code, show.json()["message"]) == (
        403,
        "You do not have permission to make series requests.",
    )
    four_k = ask(server, "movie", 603, user=REQUESTER, is4k=True)
    assert (four_k.status_code, four_k.json()["message"]) == (
        403,
        "You do not have permission to make 4K movie requests.",
    )
    for_someone = ask(server, "movie", 603, user=REQUESTER, userId=1)
    assert (for_someone.status_code, for_someone.json()["message"]) == (
        403,
        "You do not have permission to modify the request user.",
    )
    assert server.requests_created() == []


def test_the_admin_may_request_for_another_user(server: SandboxServer) -> None:
    answer = ask(server, "movie", 603, userId=REQUESTER)
    assert answer.status_code == 201
    # Approval follows the caller's permissions, the requester is the user named.
    assert (answer.json()["status"], answer.json()["requestedBy"]["id"]) == (2, REQUESTER)


def test_blocklisted_titles_are_refused_where_a_blocklist_exists(
    server: SandboxServer, fork: str
) -> None:
    for media_type, tmdb_id, seasons in (("movie", 238, None), ("tv", 60059, "all")):
        answer = ask(server, media_type, tmdb_id, seasons, user=REQUESTER)
        if fork == "overseerr":  # no blocklist: an ordinary UNKNOWN title, now pending
            assert answer.status_code == 201
            assert status_of(server, media_type, tmdb_id) == 2
        else:
            assert (answer.status_code, answer.json()) == (
                403,
                {"message": "This media is blocklisted."},
            )


def test_a_declined_request_does_not_block_a_new_one(server: SandboxServer) -> None:
    assert ask(server, "movie", 157336).status_code == 201
    wire = ask(server, "tv", 1438, "all")
    assert wire.status_code == 201 and season_numbers(wire) == [1, 2, 3, 4, 5]


def test_deleted_media_may_be_requested_again(server: SandboxServer) -> None:
    shawshank = ask(server, "movie", 278)
    assert shawshank.status_code == 201 and shawshank.json()["media"]["status"] == 2
    assert status_of(server, "movie", 278) == 3
    sherlock = ask(server, "tv", 19885, "all")
    assert sherlock.status_code == 201 and season_numbers(sherlock) == [1, 2, 3, 4]


def test_odd_bodies_get_the_real_answers(server: SandboxServer) -> None:
    unknown = ask(server, "movie", 999999999)
    assert unknown.status_code == 500
    assert unknown.json()["message"].startswith("[TMDB] Failed to fetch movie details")
    no_seasons = ask(server, "tv", 2316)
    assert (no_seasons.status_code, no_seasons.json()["message"]) == (
        500,
        "Cannot read properties of undefined (reading 'filter')",
    )
    missing = api(server, "POST", "/request", body={"mediaId": 603})
    assert (missing.status_code, missing.json()["message"]) == (
        400,
        "request/body must have required property 'mediaType'",
    )
    not_json = _session.post(
        f"{server.api_url}/request",
        data=b"{not json",
        headers={"X-Api-Key": KEY, "Content-Type": "application/json"},
        timeout=10,
    )
    assert not_json.status_code == 400 and "JSON" in not_json.json()["message"]
    assert api(server, "GET", "/nothing/here").status_code == 404
    assert server.requests_created() == []


def test_simultaneous_requests_for_one_title_create_one_request(server: SandboxServer) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(lambda _: ask(server, "movie", 78).status_code, range(8)))
    assert statuses == [201] + [409] * 7
    assert len(server.requests_created()) == 1


# ---- knobs ---------------------------------------------------------------------------------


def test_latency_is_added_to_every_call(server: SandboxServer) -> None:
    server.latency = 0.2
    started = time.perf_counter()
    assert api(server, "GET", "/status").status_code == 200
    assert time.perf_counter() - started >= 0.2
    server.latency = 0.0
    started = time.perf_counter()
    api(server, "GET", "/status")
    assert time.perf_counter() - started < 0.2


def test_calls_on_one_connection_are_fast(server: SandboxServer) -> None:
    # A benchmark makes thousands of calls: no 40 ms Nagle / delayed-ACK stall per call.
    started = time.perf_counter()
    for _ in range(50):
        assert api(server, "GET", "/status").status_code == 200
    assert time.perf_counter() - started < 1.0


def test_error_rate_answers_500_deterministically(
    start_sandbox: Callable[..., SandboxServer],
) -> None:
    always = start_sandbox(error_rate=1.0)
    answer = api(always, "GET", "/search", "query=matrix")
    assert (answer.status_code, answer.json()) == (500, {"message": "Internal Server Error"})
    first, second = start_sandbox(error_rate=0.5, seed=7), start_sandbox(error_rate=0.5, seed=7)
    runs = [[api(s, "GET", "/status").status_code for _ in range(30)] for s in (first, second)]
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 500}


def test_a_429_burst_carries_retry_after(start_sandbox: Callable[..., SandboxServer]) -> None:
    sandbox = start_sandbox(burst_429=2, retry_after=7)
    for _ in range(2):
        refused = api(sandbox, "GET", "/status")
        assert (refused.status_code, refused.headers["Retry-After"]) == (429, "7")
    assert api(sandbox, "GET", "/status").status_code == 200
    sandbox.trigger_429_burst(1)
    assert api(sandbox, "GET", "/search", "query=matrix").status_code == 429
    assert api(sandbox, "GET", "/search", "query=matrix").status_code == 200
    assert sandbox.count(status=429) == 3


def test_calls_are_recorded_and_counted(server: SandboxServer) -> None:
    search(server, "tmdb:603")
    details(server, "movie", 603)
    details(server, "movie", 550)
    ask(server, "movie", 603, user=REQUESTER)
    assert server.count(method="GET", path_prefix="/api/v1/movie/") == 2
    assert server.count(method="POST", status=201) == 1
    call = server.calls[0]
    assert (call.method, call.path, call.query, call.status) == (
        "GET",
        "/api/v1/search",
        "query=tmdb%3A603",
        200,
    )
    assert call.headers["x-api-key"] == KEY and call.response["totalResults"] == 2
    posted = server.calls[-1]
    assert posted.headers["x-api-user"] == "2" and posted.body["mediaType"] == "movie"
    server.reset_calls()
    assert server.calls == [] and server.count() == 0


# ---- catalogues ----------------------------------------------------------------------------


def test_the_demo_catalogue_covers_every_case_and_is_a_fresh_copy() -> None:
    catalogue = demo_catalogue()
    titles = catalogue.titles()
    assert 30 <= len(titles) <= 45
    keys = [(t.media_type, t.tmdb_id) for t in titles]
    assert len(set(keys)) == len(keys)
    imdb_ids = [t.imdb_id for t in titles if t.imdb_id]
    assert len(set(imdb_ids)) == len(imdb_ids)
    states = {t.server.status for t in titles if t.server}
    assert states == set(MediaState)
    assert sum(t.server is None for t in titles) >= 5
    assert {m.tmdb_id for m in catalogue.movies} & {s.tmdb_id for s in catalogue.shows}
    assert [(m.tmdb_id, m.year) for m in catalogue.movies if m.title == "The Thing"] == [
        (1091, 1982),
        (60935, 2011),
    ]
    for mark in ("'", "!", "&", ":"):
        assert any(mark in t.title for t in titles), mark
    thrones = catalogue.show(1399)
    assert thrones is not None and thrones.server is not None
    thrones.server.status = MediaState.AVAILABLE
    fresh = demo_catalogue().show(1399)
    assert fresh is not None and fresh.server is not None
    assert fresh.server.status == MediaState.PARTIALLY_AVAILABLE


def test_the_synthetic_catalogue_is_deterministic_and_unique() -> None:
    catalogue = synthetic_catalogue(1200, 300, seed=3)
    assert catalogue == synthetic_catalogue(1200, 300, seed=3)
    assert catalogue != synthetic_catalogue(1200, 300, seed=4)
    movie_ids = {m.tmdb_id for m in catalogue.movies}
    show_ids = {s.tmdb_id for s in catalogue.shows}
    assert len(movie_ids) == 1200 and len(show_ids) == 300 and not movie_ids & show_ids
    imdb_ids = [t.imdb_id or "" for t in catalogue.titles()]
    assert len(set(imdb_ids)) == 1500 and all(i.startswith("tt9") and len(i) == 9 for i in imdb_ids)
    assert len({s.tvdb_id for s in catalogue.shows}) == 300
    assert len({t.title for t in catalogue.titles()}) == 1500
    assert catalogue.movies[42].title == "Synthetic Movie 0042"
    assert all(1950 <= t.year <= 2025 and t.server is None for t in catalogue.titles())
    assert {t.year for t in catalogue.titles()} >= {1950, 2025}
    merged = demo_catalogue().extend(catalogue)
    keys = [(t.media_type, t.tmdb_id) for t in merged.titles()]
    assert len(set(keys)) == len(keys)


# ---- the spec checker itself ---------------------------------------------------------------


def _recorded(server: SandboxServer, index: int = -1) -> SandboxCall:
    return copy.deepcopy(server.calls[index])


def test_validate_call_rejects_answers_and_requests_off_the_spec(
    server: SandboxServer, fork: str
) -> None:
    details(server, "tv", 1399)
    bad_status = _recorded(server)
    bad_status.response["mediaInfo"]["status"] = "available"
    with pytest.raises(AssertionError, match=r"mediaInfo\.status"):
        validate_call(bad_status, fork)
    no_email = _recorded(server)
    no_email.response["mediaInfo"]["requests"] = [{"id": 1, "status": 2, "requestedBy": {"id": 1}}]
    assert any("email" in p for p in call_problems(no_email, fork))
    search(server, "the matrix")
    wrong_type = _recorded(server)
    wrong_type.response["results"][0]["mediaType"] = 5  # a string in every result schema
    assert "results[0].mediaType" in " ".join(call_problems(wrong_type, fork))
    plus = dataclasses.replace(_recorded(server), query="query=the+matrix")
    assert "percent-encoded" in " ".join(call_problems(plus, fork))
    unknown = dataclasses.replace(_recorded(server), query="query=matrix&mediaType=movie")
    assert "not declared" in " ".join(call_problems(unknown, fork))
    keyless = dataclasses.replace(_recorded(server), headers={})
    assert "X-Api-Key" in " ".join(call_problems(keyless, fork))
    ask(server, "movie", 603)
    bad_body = _recorded(server)
    bad_body.body["mediaId"] = "603"
    assert any(p.startswith("body.mediaId") for p in call_problems(bad_body, fork))
    undocumented = dataclasses.replace(_recorded(server), status=409, response={"error": "x"})
    assert "message" in " ".join(call_problems(undocumented, fork))


def test_the_fast_checker_agrees_with_openapi_core(server: SandboxServer, fork: str) -> None:
    api(server, "GET", "/status")
    api(server, "GET", "/user", "take=2&skip=1")
    api(server, "GET", "/auth/me", user=REQUESTER)
    search(server, "tmdb:550")
    search(server, "the thing")
    details(server, "tv", 70523)
    details(server, "movie", 157336)
    ask(server, "tv", 1399, "all")
    ask(server, "movie", 603, user=REQUESTER)
    for call in server.calls:
        assert call.status in (200, 201)
        validate_call(call, fork)
        validate_call_with_openapi_core(call, fork)
    broken = _recorded(server, 5)
    broken.response["mediaInfo"]["status"] = "x"
    with pytest.raises(AssertionError):
        validate_call_with_openapi_core(broken, fork)


def test_validating_a_full_sync_worth_of_calls_takes_seconds() -> None:
    sandbox = SandboxServer(demo_catalogue().extend(synthetic_catalogue(600, 400)), fork="seerr")
    headers = {"X-Api-Key": KEY, "Content-Type": "application/json"}
    for title in sandbox.catalogue.titles()[:1000]:
        sandbox.handle("GET", "/api/v1/search?query=" + quote(title.title, safe=""), headers)
        sandbox.handle("GET", f"/api/v1/{title.media_type}/{title.tmdb_id}", headers)
        body = {
            "mediaType": title.media_type,
            "mediaId": title.tmdb_id,
            "is4k": False,
            "seasons": "all",
        }
        sandbox.handle("POST", "/api/v1/request", headers, json.dumps(body).encode())
    assert len(sandbox.calls) == 3000
    started = time.perf_counter()
    validate_calls(sandbox.calls, "seerr")
    assert time.perf_counter() - started < 5.0


def test_the_management_command_parses_its_options() -> None:
    from syncing.management.commands.sandbox import Command

    options = (
        Command()
        .create_parser("manage.py", "sandbox")
        .parse_args(
            ["--fork", "jellyseerr", "--port", "0", "--latency-ms", "50", "--synthetic", "10"]
        )
    )
    assert (options.fork, options.port, options.latency_ms, options.synthetic) == (
        "jellyseerr",
        0,
        50.0,
        10,
    )
    assert (options.host, options.api_key, options.error_rate) == ("127.0.0.1", "sandbox-key", 0.0)
