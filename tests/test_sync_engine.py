"""Full syncs against the sandbox request server, for each fork, checking every outcome, the
requests the server received, and both sides of every call against the OpenAPI spec."""

import pytest
from django.utils import timezone

from lists.models import FollowedList, ListItem, ServerStatus, Title
from syncing.engine import SyncAlreadyRunning, claim_run, request_cancel, sync
from syncing.models import Outcome, RunState, SyncRun, Trigger
from tests.factories import connect, manual_list
from tests.openapi_check import validate_calls

pytestmark = pytest.mark.django_db

DEMO_LINES = [
    "tt0133093",  # The Matrix: new, by IMDb id
    "tmdb:movie:11",  # Star Wars: new, by TMDB id
    "The Thing (1982)",  # available; the 2011 remake must not be taken
    "The Thing (2011)",  # the remake: new
    "tmdb:movie:13",  # Forrest Gump: UNKNOWN on the server, so requested
    "tt1375666",  # Inception: pending
    "tmdb:movie:155",  # The Dark Knight: processing
    "tmdb:movie:550",  # Fight Club: available
    "tmdb:tv:550",  # a show sharing Fight Club's number: new
    "tmdb:movie:157336",  # Interstellar: declined on the server
    "tmdb:movie:278",  # The Shawshank Redemption: deleted on the server
    "tmdb:movie:238",  # The Godfather: blocklisted (Jellyseerr/Seerr)
    "tmdb:tv:1399",  # Game of Thrones: seasons 1-4 available, 5-8 missing
    "tmdb:tv:70523",  # Dark: 1 available, 2 requested, 3 missing
    "tvdb:81189",  # Breaking Bad: available, by TVDB id
    "tmdb:tv:1668",  # Friends: every season requested
    "tmdb:tv:1438",  # The Wire: declined
    "Schitt's Creek (2015)",  # new show, by title and year ("'" must be encoded)
    "Mission: Impossible (1996)",  # new, ':' in the title
    "Nothing Like This Exists (1999)",  # not found
    "tt0000001",  # not found
]


def outcomes_by_label(run):
    return {o.label: o for o in Outcome.objects.filter(run=run).select_related("title")}


def kinds(run):
    return {label: o.kind for label, o in outcomes_by_label(run).items()}


def requested_ids(server):
    return sorted(
        (c.body["mediaType"], c.body["mediaId"], str(c.body.get("seasons", "")))
        for c in server.requests_created()
    )


@pytest.mark.parametrize("fork", ["overseerr", "jellyseerr", "seerr"])
def test_a_full_sync_makes_exactly_the_right_requests(sandbox_factory, fork):
    server = sandbox_factory(fork=fork)
    connect(server.url)
    manual_list(*DEMO_LINES, name="Demo")

    run = sync(Trigger.CLI)

    assert run.state == RunState.SUCCEEDED, run.error
    blocklisting = fork != "overseerr"
    expected = {
        "The Matrix (1999)": "requested",
        "Star Wars (1977)": "requested",
        "The Thing (1982)": "already_available",
        "The Thing (2011)": "requested",
        "Forrest Gump (1994)": "requested",
        "Inception (2010)": "already_requested",
        "The Dark Knight (2008)": "already_requested",
        "Fight Club (1999)": "already_available",
        "Twin Namespace Show (sandbox) (2020)": "requested",
        "Interstellar (2014)": "skipped",
        "The Shawshank Redemption (1994)": "skipped",
        "The Godfather (1972)": "skipped" if blocklisting else "requested",
        "Game of Thrones (2011)": "partially_available",
        "Dark (2017)": "partially_available",
        "Breaking Bad (2008)": "already_available",
        "Friends (1994)": "already_requested",
        "The Wire (2002)": "skipped",
        "Schitt's Creek (2015)": "requested",
        "Mission: Impossible (1996)": "requested",
        "Nothing Like This Exists (1999)": "not_found",
        "tt0000001": "not_found",
    }
    assert kinds(run) == expected
    found = outcomes_by_label(run)
    assert found["Game of Thrones (2011)"].seasons == [5, 6, 7, 8]
    assert found["Dark (2017)"].seasons == [3]
    assert found["The Matrix (1999)"].matched_by == "imdb"
    assert found["Breaking Bad (2008)"].matched_by == "tvdb"
    assert found["The Thing (2011)"].matched_by == "title_year"
    assert found["The Thing (2011)"].title.tmdb_id == 60935
    assert found["Star Wars (1977)"].matched_by == "tmdb"
    assert "declined" in found["Interstellar (2014)"].message
    assert "deleted" in found["The Shawshank Redemption (1994)"].message

    movie_requests = [("movie", n, "") for n in (11, 13, 603, 954, 60935)]
    if not blocklisting:
        movie_requests.append(("movie", 238, ""))
    show_requests = [
        ("tv", 550, "all"),
        ("tv", 1399, "[5, 6, 7, 8]"),
        ("tv", 61662, "all"),
        ("tv", 70523, "[3]"),
    ]
    assert requested_ids(server) == sorted(movie_requests + show_requests)
    assert run.counts["requested"] == len(movie_requests) + 2
    assert sum(run.counts.values()) == len(DEMO_LINES) == run.total == run.done

    validate_calls(server.calls, fork)  # our requests and its answers, against the spec


def test_the_same_sync_again_asks_nothing_it_knows(sandbox_factory):
    server = sandbox_factory()
    connect(server.url)
    manual_list(*DEMO_LINES)
    first = sync(Trigger.CLI)
    server.reset_calls()

    second = sync(Trigger.CLI)

    assert second.state == RunState.SUCCEEDED
    assert server.count(method="POST") == 0
    assert server.count(path_prefix="/api/v1/movie/") == 0
    assert server.count(path_prefix="/api/v1/tv/") == 0
    assert server.count(path_prefix="/api/v1/search") == 0  # matches are kept, not redone
    again = kinds(second)
    for label, kind in kinds(first).items():
        if kind == "requested":
            assert again[label] == "already_requested", label
        elif kind != "partially_available":
            assert again[label] == kind, label


def test_a_dry_run_decides_the_same_but_requests_nothing(sandbox_factory):
    server = sandbox_factory()
    connect(server.url)
    manual_list("tt0133093", "tmdb:tv:1399", "tmdb:movie:550")

    dry = sync(Trigger.CLI, dry_run=True)

    assert server.count(method="POST") == 0
    assert kinds(dry) == {
        "The Matrix (1999)": "would_request",
        "Game of Thrones (2011)": "would_request",
        "Fight Club (1999)": "already_available",
    }
    assert outcomes_by_label(dry)["Game of Thrones (2011)"].seasons == [5, 6, 7, 8]
    real = sync(Trigger.CLI)
    assert real.counts == {"requested": 1, "partially_available": 1, "already_available": 1}
    assert server.count(method="POST") == 2


def test_declined_and_deleted_titles_are_requested_again_only_when_asked(sandbox_factory):
    server = sandbox_factory()
    connect(server.url)
    manual_list("tmdb:movie:157336", "tmdb:movie:278")

    assert sync(Trigger.CLI).counts == {"skipped": 2}
    assert sync(Trigger.CLI).counts == {"skipped": 2}  # and from memory: no calls
    assert server.count(method="POST") == 0
    run = sync(Trigger.CLI, rerequest_removed=True)
    assert run.counts == {"requested": 2}
    assert sorted(c.body["mediaId"] for c in server.requests_created()) == [278, 157336]


def test_a_title_in_two_lists_is_requested_once(sandbox_factory):
    server = sandbox_factory()
    connect(server.url)
    manual_list("tt0133093", "Heat (1995)", name="One")
    manual_list("tmdb:movie:603", "The Matrix (1999)", name="Two")

    run = sync(Trigger.CLI)

    assert [c.body["mediaId"] for c in server.requests_created()] == [603]
    assert Outcome.objects.filter(run=run, title__tmdb_id=603).count() == 1
    matrix = Title.objects.get(tmdb_id=603, media_type="movie")
    assert ListItem.objects.filter(title=matrix).count() == 3


def test_an_id_search_landing_on_a_title_of_another_entry_merges_them(sandbox_factory):
    server = sandbox_factory()
    connect(server.url)
    manual_list("tmdb:movie:11", "tt0076759", "Star Wars (1977)")

    run = sync(Trigger.CLI)

    assert [c.body["mediaId"] for c in server.requests_created()] == [11]
    assert run.counts == {"requested": 1} and run.total == 1
    assert ListItem.objects.filter(title__tmdb_id=11).count() == 3


def test_list_options_choose_the_user_media_types_seasons_and_4k(sandbox_factory):
    server = sandbox_factory()
    connect(server.url)
    manual_list(
        "tmdb:tv:2316",
        "tmdb:movie:603",
        media_types="tv",
        seasons_policy="first",
        request_user_id=2,
    )
    manual_list("tmdb:tv:1920", seasons_policy="latest", is_4k=True)

    run = sync(Trigger.CLI)

    assert kinds(run)["tmdb:movie:603"] == "skipped"
    bodies = {c.body["mediaId"]: (c.body, c.headers) for c in server.requests_created()}
    office, office_headers = bodies[2316]
    assert office["seasons"] == [1] and office_headers.get("x-api-user") == "2"
    twin_peaks, _ = bodies[1920]
    assert twin_peaks["seasons"] == [3] and twin_peaks["is4k"] is True
    assert 603 not in bodies


def test_a_request_the_server_refuses_fails_that_title_only(sandbox_factory):
    server = sandbox_factory()
    connect(server.url)
    manual_list("tmdb:movie:603", request_user_id=3, name="Viewer's")  # user 3 may not request
    manual_list("tmdb:movie:11", name="Admin's")

    run = sync(Trigger.CLI)

    found = outcomes_by_label(run)
    assert found["The Matrix (1999)"].kind == "failed"
    assert "refused the request" in found["The Matrix (1999)"].message
    assert found["Star Wars (1977)"].kind == "requested"
    assert run.state == RunState.SUCCEEDED


def test_retries_ride_out_500s_and_429_bursts(sandbox_factory, settings):
    settings.LISTSYNC_HTTP_RETRIES = 10  # 11 failures in a row at 30 %: once in 500,000 calls
    server = sandbox_factory(error_rate=0.3, burst_429=3, retry_after=0, seed=7)
    connect(server.url)
    manual_list("tmdb:movie:603", "tmdb:movie:11", "tt0076759", "tmdb:movie:78")

    run = sync(Trigger.CLI)

    assert run.state == RunState.SUCCEEDED
    assert run.counts == {"requested": 3}
    assert server.count(status=500) > 0 and server.count(status=429) == 3
    assert sorted(c.body["mediaId"] for c in server.requests_created()) == [11, 78, 603]
    assert Outcome.objects.filter(run=run).count() == 3


def test_a_server_that_keeps_failing_gives_failed_outcomes_and_a_failed_run(
    sandbox_factory, settings
):
    settings.LISTSYNC_HTTP_RETRIES = 1
    server = sandbox_factory()
    connect(server.url)
    manual_list("tmdb:movie:603", "tmdb:movie:11")
    server.calls.clear()
    run_check = sync(Trigger.CLI, dry_run=True)
    assert run_check.state == RunState.SUCCEEDED
    Title.objects.update(status_checked_at=None)
    server.error_rate = 1.0
    # /status is refused first, so the run fails as a whole with the reason.
    run = sync(Trigger.CLI)
    assert run.state == RunState.FAILED
    assert "unreachable" in run.error and "500" in run.error


def test_an_unreachable_server_fails_the_run_with_the_reason(sandbox_factory):
    server = sandbox_factory()
    connect(server.url)
    server.stop()
    manual_list("tmdb:movie:603")

    run = sync(Trigger.CLI)

    assert run.state == RunState.FAILED
    assert "unreachable" in run.error and "connection refused" in run.error


def test_a_wrong_api_key_fails_the_run_with_what_to_do(sandbox_factory):
    server = sandbox_factory()
    connect(server.url, api_key="wrong")
    manual_list("tmdb:movie:603")

    run = sync(Trigger.CLI)

    assert run.state == RunState.FAILED
    assert "refused the API key" in run.error
    assert server.count(method="POST") == 0


def test_only_one_sync_runs_at_a_time():
    first = claim_run(Trigger.CLI)
    with pytest.raises(SyncAlreadyRunning, match="already running"):
        claim_run(Trigger.SCHEDULE)
    first.state = RunState.SUCCEEDED
    first.save()
    assert claim_run(Trigger.SCHEDULE).state == RunState.RUNNING


def test_a_run_whose_process_died_is_marked_interrupted():
    dead = SyncRun.objects.create(
        trigger=Trigger.CLI, hostname=__import__("socket").gethostname(), pid=2**22 + 12345
    )
    fresh = claim_run(Trigger.CLI)
    dead.refresh_from_db()
    assert dead.state == RunState.INTERRUPTED and dead.finished_at is not None
    assert fresh.state == RunState.RUNNING


def test_a_run_with_a_stopped_heartbeat_elsewhere_is_marked_interrupted():
    stale = SyncRun.objects.create(
        trigger=Trigger.CLI,
        hostname="another-machine",
        pid=1,
        heartbeat_at=timezone.now() - timezone.timedelta(minutes=10),
    )
    claim_run(Trigger.CLI)
    stale.refresh_from_db()
    assert stale.state == RunState.INTERRUPTED


def test_a_list_that_cannot_be_fetched_keeps_its_titles_in_the_sync(sandbox_factory, settings):
    server = sandbox_factory()
    connect(server.url)
    followed = FollowedList.objects.create(source="stevenlu", key="movies.json")
    ListItem.objects.create(
        followed_list=followed,
        identity="imdb:tt0133093",
        imdb_id="tt0133093",
        media_type="movie",
        title_text="The Matrix",
    )
    settings.LISTSYNC_STEVENLU_URL = server.url + "/nothing-here/movies.json"

    run = sync(Trigger.CLI)

    followed.refresh_from_db()
    assert "does not exist (HTTP 404)" in followed.last_error
    assert kinds(run) == {"The Matrix (1999)": "requested"}
    assert ListItem.objects.filter(followed_list=followed, removed_at__isnull=True).count() == 1


def test_a_cancelled_run_stops_and_says_so(sandbox_factory):
    server = sandbox_factory(latency=0.05)
    connect(server.url)
    lines = [f"tmdb:movie:{n}" for n in (603, 11, 78, 335984, 424, 813, 954, 13804, 194)] * 1
    manual_list(*lines)

    def cancel_when_started(run):
        request_cancel(run.pk)

    run = sync(Trigger.CLI, on_progress=cancel_when_started)

    assert run.state == RunState.CANCELLED
    assert run.done < len(lines)


def test_titles_remember_their_status_and_match(sandbox_factory):
    server = sandbox_factory()
    connect(server.url)
    manual_list("tt0133093", "tmdb:movie:550")
    sync(Trigger.CLI)
    matrix = Title.objects.get(media_type="movie", tmdb_id=603)
    assert matrix.imdb_id == "tt0133093" and matrix.year == 1999
    assert matrix.server_status == ServerStatus.REQUESTED and matrix.status_checked_at
    assert Title.objects.get(tmdb_id=550, media_type="movie").server_status == "available"
    assert ListItem.objects.get(imdb_id="tt0133093").matched_by == "imdb"
