"""The admin is the UI for now: every page renders for staff, list pages in fixed queries,
and the API key is never shown back."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lists.models import ListItem
from syncing.models import Outcome, RunState, ServerConnection, SyncRun, Trigger
from tests.factories import connect, manual_list, title

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser("boss", "", "pw-123456")
    client.force_login(admin)
    return client


def some_data(n: int, start: int = 1) -> None:
    ids = range(start, start + n)
    followed = manual_list(*[f"tmdb:movie:{i}" for i in ids])
    run = SyncRun.objects.create(trigger=Trigger.CLI, state=RunState.SUCCEEDED)
    for i in ids:
        t = title(i)
        item = ListItem.objects.create(
            followed_list=followed,
            identity=f"tmdb:movie:{i}",
            tmdb_id=i,
            media_type="movie",
            title=t,
        )
        Outcome.objects.create(run=run, title=t, list_item=item, label=str(t), kind="requested")


@pytest.mark.parametrize(
    "page",
    [
        "lists/followedlist",
        "lists/title",
        "lists/listitem",
        "syncing/syncrun",
        "syncing/outcome",
        "syncing/serverconnection",
    ],
)
def test_list_pages_take_the_same_queries_for_3_or_30_rows(staff_client, page):
    connect("http://sandbox.local:5055")
    some_data(3)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(f"/admin/{page}/").status_code == 200
    some_data(30, start=100)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(f"/admin/{page}/")
    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_api_key_is_masked_and_kept_when_left_empty(staff_client):
    connect("http://sandbox.local:5055", api_key="supersecretkey-1234")
    page = staff_client.get("/admin/syncing/serverconnection/1/change/").content.decode()
    assert "supersecretkey-1234" not in page and "su••••••••34" in page
    staff_client.post(
        "/admin/syncing/serverconnection/1/change/",
        {"url": "http://other.local:5055", "api_key": "", "default_user_id": "", "_save": "1"},
    )
    stored = ServerConnection.get()
    assert stored.url == "http://other.local:5055" and stored.api_key == "supersecretkey-1234"
    listing = staff_client.get("/admin/syncing/serverconnection/").content.decode()
    assert "supersecretkey-1234" not in listing


def test_the_admin_needs_a_login(client):
    response = client.get("/admin/lists/followedlist/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_health_is_open_and_checks_the_database_and_the_worker(client):
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.signing import SignedPackage
    from django_q.status import Stat, Status

    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "worker": "not running"}
    # The database alone, for a web server whose worker runs elsewhere.
    response = client.get("/health/?check=database")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}

    # A worker's heartbeat, as django-q2's cluster writes it every half second.
    heartbeat = Status(pid=4242, cluster_id="health-test")
    heartbeat.status = Conf.IDLE
    get_broker().set_stat(Stat.get_key("health-test"), SignedPackage.dumps(heartbeat), 3)
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "worker": "ok"}


def test_the_source_cache_page_renders(staff_client):
    from lists.cache import DatabaseCache

    DatabaseCache().put("letterboxd", "the-zone-of-interest", {"tmdb_id": 467244})
    page = staff_client.get("/admin/lists/sourcecache/").content.decode()
    assert "letterboxd:the-zone-of-interest" in page


def test_the_database_cache_keeps_entries_across_contexts():
    from lists.cache import DatabaseCache

    DatabaseCache().put("letterboxd", "a", {"tmdb_id": 1})
    DatabaseCache().put("letterboxd", "a", {"tmdb_id": 2})
    assert DatabaseCache().get_many("letterboxd", ["a", "b"]) == {"a": {"tmdb_id": 2}}


def test_a_stopped_worker_is_not_counted_alive(client):
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.signing import SignedPackage
    from django_q.status import Stat, Status

    heartbeat = Status(pid=4242, cluster_id="stopped-test")
    heartbeat.status = Conf.STOPPED  # its last words, kept for 3 s
    get_broker().set_stat(Stat.get_key("stopped-test"), SignedPackage.dumps(heartbeat), 3)
    assert client.get("/health/").json()["worker"] == "not running"
