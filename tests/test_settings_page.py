"""The settings page: request server and sync settings stored in the database, secrets never
shown back, the connection test, and the schedule following the interval at once."""

from __future__ import annotations

import pytest
from django_q.models import Schedule

from syncing.models import ServerConnection, SyncSettings
from syncing.schedule import SCHEDULE_NAME
from tests.factories import connect

pytestmark = pytest.mark.django_db


def form_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "server-url": "http://seerr.local:5055",
        "server-api_key": "",
        "server-default_user_id": "",
        "sync-interval_minutes": "360",
        "sync-trakt_client_id": "",
        "sync-mdblist_api_key": "",
    }
    data.update(changes)
    return data


def test_secrets_are_masked_and_kept_when_left_empty(admin_client):
    connect("http://seerr.local:5055", api_key="supersecretkey-1234")
    stored = SyncSettings.get()
    stored.trakt_client_id = "trakt-client-abcdef"
    stored.save()

    page = admin_client.get("/settings/").content.decode()
    assert "supersecretkey-1234" not in page and "su••••••••34" in page
    assert "trakt-client-abcdef" not in page and "tr••••••••ef" in page

    response = admin_client.post("/settings/", form_data(**{"server-url": "http://other:5055"}))
    assert response.status_code == 302
    server = ServerConnection.get()
    assert server.url == "http://other:5055" and server.api_key == "supersecretkey-1234"
    assert SyncSettings.get().trakt_client_id == "trakt-client-abcdef"


def test_a_stored_key_can_be_forgotten(admin_client):
    stored = SyncSettings.get()
    stored.mdblist_api_key = "mdblist-key-123456"
    stored.save()
    admin_client.post("/settings/", form_data(**{"sync-forget_mdblist_api_key": "on"}))
    assert SyncSettings.get().mdblist_api_key == ""


def test_the_interval_is_checked_and_moves_the_schedule(admin_client):
    page = admin_client.post("/settings/", form_data(**{"sync-interval_minutes": "5"}))
    assert "Ensure this value is greater than or equal to 30." in page.content.decode()
    assert Schedule.objects.get(name=SCHEDULE_NAME).minutes == 360

    admin_client.post("/settings/", form_data(**{"sync-interval_minutes": "45"}))
    schedule = Schedule.objects.get(name=SCHEDULE_NAME)
    assert schedule.minutes == 45 and schedule.func == "syncing.jobs.run_sync_job"
    assert Schedule.objects.filter(name=SCHEDULE_NAME).count() == 1


def test_request_as_offers_the_servers_users(admin_client, sandbox_factory):
    server = sandbox_factory()
    connect(server.url)
    page = admin_client.get("/settings/").content.decode()
    assert '<option value="2">requester (#2)</option>' in page
    admin_client.post(
        "/settings/", form_data(**{"server-url": server.url, "server-default_user_id": "2"})
    )
    assert ServerConnection.get().default_user_id == 2


def test_test_connection_names_fork_and_version(admin_client, sandbox_factory):
    server = sandbox_factory(fork="seerr")
    connect(server.url)
    answer = admin_client.post(
        "/settings/test/", {"server-url": server.url}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Connected to Seerr 3." in answer and "<html" not in answer


def test_test_connection_names_the_problem(admin_client, sandbox_factory):
    server = sandbox_factory()
    answer = admin_client.post(
        "/settings/test/",
        {"server-url": server.url, "server-api_key": "wrong-key"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "refused the API key" in answer
    answer = admin_client.post(
        "/settings/test/",
        {"server-url": "http://127.0.0.1:9", "server-api_key": "k"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "unreachable" in answer


def test_stored_source_keys_reach_the_sources():
    from providers import FetchContext

    stored = SyncSettings.get()
    stored.trakt_client_id = "from-the-settings-page"
    stored.save()
    with FetchContext(keys=SyncSettings.get().source_keys()) as context:
        assert context.key("trakt_client_id") == "from-the-settings-page"


def test_settings_need_a_login(client):
    assert client.get("/settings/")["Location"].startswith("/login/")
    assert client.post("/settings/test/").status_code == 302
