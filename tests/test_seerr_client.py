"""The request-server client against the sandbox: fork detection, what each answer means,
and the checks `checkserver` and every run start with."""

import threading

import pytest

from syncing.seerr import RequestAnswer, SeerrClient, ServerProblem, fork_of, media_state
from tests.servers import Page, StaticSite


@pytest.mark.parametrize(
    ("fork", "six", "seven"),
    [
        ("overseerr", "deleted", None),
        ("jellyseerr", "blocklisted", "deleted"),
        ("seerr", "blocklisted", "deleted"),
    ],
)
def test_status_numbers_past_five_follow_the_fork(fork, six, seven):
    assert media_state(1, fork).value == "unknown"  # known title, nothing requested
    assert media_state(6, fork).value == six
    assert (media_state(7, fork) and media_state(7, fork).value) == seven


@pytest.mark.parametrize("fork", ["overseerr", "jellyseerr", "seerr"])
def test_check_names_the_fork_and_version(sandbox_factory, fork):
    server = sandbox_factory(fork=fork)
    info = SeerrClient(server.url, "sandbox-key").check()
    assert info.fork == fork and fork_of(info.version) == fork
    assert info.user_id == 1


def test_check_says_when_it_is_not_a_request_server():
    with (
        StaticSite(
            {"/api/v1/status": Page(b"<html>nginx</html>", content_type="text/html")}
        ) as site,
        pytest.raises(ServerProblem, match="not an Overseerr, Jellyseerr or Seerr server"),
    ):
        SeerrClient(site.url, "key").check()


def test_check_says_when_the_key_is_wrong(sandbox_factory):
    server = sandbox_factory()
    with pytest.raises(ServerProblem, match="refused the API key"):
        SeerrClient(server.url, "not-the-key").check()


def test_check_says_when_the_user_may_not_request(sandbox_factory):
    server = sandbox_factory()
    with pytest.raises(ServerProblem, match="may not make requests"):
        SeerrClient(server.url, "sandbox-key").check(user_id=3)


def test_search_queries_are_strictly_percent_encoded(sandbox_factory):
    server = sandbox_factory()
    client = SeerrClient(server.url, "sandbox-key")
    results = client.search("Schitt's Creek: Mission! & Co")
    assert results == [] or all(r.media_type in ("movie", "tv") for r in results)
    raw = server.calls[-1].query
    assert "query=Schitt%27s%20Creek%3A%20Mission%21%20%26%20Co" in raw
    assert server.calls[-1].status == 200


def test_an_id_search_drops_the_person_with_the_same_id(sandbox_factory):
    server = sandbox_factory()
    results = SeerrClient(server.url, "sandbox-key").search("tmdb:603")
    assert {(m.media_type, m.tmdb_id) for m in results} == {("movie", 603)}


def test_details_of_an_unknown_id_is_none(sandbox_factory):
    server = sandbox_factory()
    assert SeerrClient(server.url, "sandbox-key").details("movie", 999_999_999) is None


@pytest.mark.parametrize(
    ("media_type", "tmdb_id", "seasons", "user", "answer"),
    [
        ("movie", 603, None, None, RequestAnswer.CREATED),
        ("movie", 27205, None, None, RequestAnswer.EXISTS),  # Inception: pending request
        ("tv", 1668, "all", None, RequestAnswer.NOTHING_NEW),  # Friends: all requested (202)
        ("movie", 11, None, 3, RequestAnswer.REFUSED),  # user 3 may not request
    ],
)
def test_each_request_answer_means_what_the_server_means(
    sandbox_factory, media_type, tmdb_id, seasons, user, answer
):
    server = sandbox_factory()
    client = SeerrClient(server.url, "sandbox-key")
    media = client.details(media_type, tmdb_id)
    result = client.request(media, seasons=seasons, user_id=user)
    assert result.answer == answer
    assert len(server.requests_created()) == (1 if answer == RequestAnswer.CREATED else 0)


def test_a_blocklisted_title_is_told_apart_from_a_refusal(sandbox_factory):
    server = sandbox_factory(fork="seerr")
    client = SeerrClient(server.url, "sandbox-key", fork="seerr")
    result = client.request(client.details("movie", 238))
    assert result.answer == RequestAnswer.BLOCKLISTED and "blocklist" in result.message.lower()


def test_no_more_calls_in_flight_than_the_limit(sandbox_factory):
    server = sandbox_factory(latency=0.05)
    client = SeerrClient(server.url, "sandbox-key", concurrency=2)
    ids = (603, 11, 78, 424, 813, 954)
    threads = [threading.Thread(target=client.details, args=("movie", n)) for n in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.count(path_prefix="/api/v1/movie/") == len(ids)
    assert server.max_in_flight == 2


def test_an_unknown_tmdb_id_is_not_retried(sandbox_factory):
    server = sandbox_factory()
    assert SeerrClient(server.url, "sandbox-key").details("tv", 123_456_789) is None
    assert server.count(path_prefix="/api/v1/tv/") == 1
