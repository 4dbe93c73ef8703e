"""A pasted source URL, through a sync, to requests on the server: the providers and the engine
together, against local stand-ins for Trakt and the request server."""

import json

import pytest

from lists.models import ListItem
from lists.services import add_list
from syncing.engine import sync
from syncing.models import Outcome, RunState, Trigger
from tests.factories import connect
from tests.trakt_site import CLIENT_ID, Answer, FakeTrakt

pytestmark = pytest.mark.django_db


def trakt_entry(rank, kind, title, year, tmdb, imdb):
    ids = {"trakt": rank, "slug": title.lower(), "imdb": imdb, "tmdb": tmdb}
    return {"rank": rank, "type": kind, kind: {"title": title, "year": year, "ids": ids}}


@pytest.fixture
def trakt(settings):
    with FakeTrakt() as fake:
        settings.LISTSYNC_TRAKT_API_URL = fake.url
        settings.LISTSYNC_TRAKT_CLIENT_ID = CLIENT_ID
        yield fake


def test_a_trakt_list_becomes_requests(trakt, sandbox_factory):
    server = sandbox_factory()
    connect(server.url)
    trakt.paged["/users/ann/lists/weekend/items"] = [
        trakt_entry(1, "movie", "The Matrix", 1999, 603, "tt0133093"),
        trakt_entry(2, "show", "Breaking Bad", 2008, 1396, "tt0903747"),
        trakt_entry(3, "movie", "Fight Club", 1999, 550, "tt0137523"),
    ]
    trakt.fixed["/users/ann/lists/weekend"] = Answer(json.dumps({"name": "Weekend"}).encode())
    followed, _ = add_list("https://trakt.tv/users/ann/lists/weekend?sort=rank,asc")

    run = sync(Trigger.CLI)

    assert run.state == RunState.SUCCEEDED
    followed.refresh_from_db()
    assert (followed.name, followed.item_count, followed.last_fetch_route) == ("Weekend", 3, "api")
    kinds = dict(Outcome.objects.filter(run=run).values_list("label", "kind"))
    assert kinds == {
        "The Matrix (1999)": "requested",
        "Breaking Bad (2008)": "already_available",
        "Fight Club (1999)": "already_available",
    }
    assert [c.body["mediaId"] for c in server.requests_created()] == [603]
    assert set(Outcome.objects.filter(run=run).values_list("matched_by", flat=True)) == {"tmdb"}
    assert server.count(path_prefix="/api/v1/search") == 0  # Trakt gave TMDB ids

    # The list goes private: the error is stored, the items stay and are still synced.
    del trakt.paged["/users/ann/lists/weekend/items"]
    again = sync(Trigger.CLI)
    followed.refresh_from_db()
    assert "private" in followed.last_error.lower() or "not exist" in followed.last_error.lower()
    assert ListItem.objects.filter(followed_list=followed, removed_at__isnull=True).count() == 3
    assert Outcome.objects.filter(run=again).count() == 3


def test_a_pasted_url_on_another_host_is_refused():
    from providers import ListInputError

    with pytest.raises(ListInputError):
        add_list("https://trakt.tv.evil.example/users/ann/lists/weekend")
