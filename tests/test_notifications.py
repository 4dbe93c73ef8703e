"""Notifications after a sync: the Discord embed and Apprise's plain text as a real local
receiver gets them, when each mode sends, Discord's 429, failing targets that never fail a sync,
secrets kept out of the page, and the send-test button."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import apprise
import pytest

from syncing.engine import sync
from syncing.models import (
    NotificationSettings,
    NotifyMode,
    RunState,
    SyncRun,
    Trigger,
    mask_secret,
)
from syncing.notify import COLOURS, notify_after_run, scrub, should_send, went_wrong
from tests.factories import connect, manual_list
from tests.servers import LoopbackServer, Page, QuietHandler

pytestmark = pytest.mark.django_db

TOKEN = "webhook-token-SECRET-0123456789abcdef"
APPRISE_PATH = "/apprise-SECRET-path-98765"
PAGE = "/settings/notifications/"
TEST_BUTTON = "/settings/notifications/test/"


@dataclass
class Received:
    path: str
    body: Any
    at: float


class WebhookReceiver(LoopbackServer):
    """Records every POST's path and JSON body; answers with `replies` in turn, then 204."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.replies: list[Page] = []
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(Received(self.path, json.loads(body), time.monotonic()))
                page = receiver.replies.pop(0) if receiver.replies else Page(b"", status=204)
                self.reply(page.status, page.body, page.content_type, page.headers)

        self.serve_with(Handler)

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/api/webhooks/123456/{TOKEN}"

    @property
    def apprise_url(self) -> str:
        return f"json://{self.url.removeprefix('http://')}{APPRISE_PATH}"


@pytest.fixture
def receiver(settings):
    with WebhookReceiver() as started:
        settings.LISTSYNC_DISCORD_BASE_URL = started.url
        yield started


def configure(
    mode: str = NotifyMode.ALWAYS, discord: str = "", apprise_urls: tuple[str, ...] = ()
) -> NotificationSettings:
    stored = NotificationSettings.get()
    stored.mode, stored.discord_webhook_url = mode, discord
    stored.apprise_urls = "\n".join(apprise_urls)
    stored.save()
    return stored


def finished_run(**fields: Any) -> SyncRun:
    fields.setdefault("state", RunState.SUCCEEDED)
    return SyncRun.objects.create(trigger=Trigger.SCHEDULE, **fields)


def embed_fields(received: Received) -> dict[str, str]:
    return {f["name"]: f["value"] for f in received.body["embeds"][0]["fields"]}


# --- what is sent ------------------------------------------------------------------------------


def test_a_real_run_is_reported_with_counts_lists_failures_and_a_link(
    sandbox_factory, receiver, settings
):
    settings.SITE_ROOT = "https://listsync.example"
    server = sandbox_factory()
    connect(server.url)
    manual_list("tmdb:movie:603", request_user_id=3, name="Viewer's")  # user 3 may not request
    manual_list("tmdb:movie:11", "tmdb:movie:550", name="Admin's")
    configure(NotifyMode.OFF, discord=receiver.webhook_url)  # sent by hand below
    run = sync(Trigger.CLI)
    configure(NotifyMode.ALWAYS, discord=receiver.webhook_url)

    notify_after_run(run)

    [post] = receiver.received
    assert post.path == f"/api/webhooks/123456/{TOKEN}"
    embed = post.body["embeds"][0]
    assert embed["title"] == f"Sync #{run.pk} succeeded"
    assert embed["color"] == COLOURS["warn"]  # succeeded, but a title failed
    assert embed["url"] == f"https://listsync.example/runs/{run.pk}/"
    assert embed["description"].startswith("Command line · ")
    fields = embed_fields(post)
    assert (fields["Requested"], fields["Already available"], fields["Failed"]) == ("1", "1", "1")
    assert fields["Lists"] == "Viewer's: 1 failed\nAdmin's: 1 requested, 1 already available"
    assert fields["Failures"].startswith("The Matrix (1999): ")
    assert "refused the request" in fields["Failures"]
    assert post.body["allowed_mentions"] == {"parse": []}
    stored = NotificationSettings.get()
    assert stored.last_sent_at is not None and stored.last_error == ""


def test_a_dry_run_is_sent_only_in_always_mode_and_says_so(sandbox_factory, receiver):
    server = sandbox_factory()
    connect(server.url)
    manual_list("tmdb:movie:603")
    configure(NotifyMode.OFF, discord=receiver.webhook_url)
    run = sync(Trigger.CLI, dry_run=True)

    configure(NotifyMode.REQUESTED, discord=receiver.webhook_url)
    notify_after_run(run)
    assert receiver.received == []

    configure(NotifyMode.ALWAYS, discord=receiver.webhook_url)
    notify_after_run(run)
    [post] = receiver.received
    embed = post.body["embeds"][0]
    assert embed["title"] == f"Sync #{run.pk} (dry run) succeeded"
    assert "Dry run: nothing was requested." in embed["description"]
    assert embed_fields(post)["Would request (dry run)"] == "1"


def test_only_the_first_failures_are_listed(receiver):
    from lists.models import Title
    from syncing.models import Outcome

    run = finished_run(counts={"failed": 7})
    for number in range(7):
        title = Title.objects.create(media_type="movie", tmdb_id=number + 1, title=f"T{number}")
        Outcome.objects.create(run=run, title=title, label=f"T{number}", kind="failed", message="x")
    configure(NotifyMode.ERRORS, discord=receiver.webhook_url)

    notify_after_run(run)

    failures = embed_fields(receiver.received[0])["Failures"].splitlines()
    assert failures == [
        "T0: x",
        "T1: x",
        "T2: x",
        "T3: x",
        "T4: x",
        "… and 2 more on the sync's page",
    ]


def test_a_list_that_could_not_be_read_counts_as_a_problem(receiver):
    followed = manual_list("tmdb:movie:603", name="Broken")
    run = finished_run(counts={"already_available": 1})
    followed.last_error, followed.last_error_at = "the list is private", run.started_at
    followed.save()
    configure(NotifyMode.ERRORS, discord=receiver.webhook_url)

    notify_after_run(run)

    fields = embed_fields(receiver.received[0])
    assert fields["Lists that could not be read"] == "Broken: the list is private"


# --- when it is sent ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "state", "counts", "dry_run", "sends"),
    [
        (NotifyMode.ALWAYS, RunState.SUCCEEDED, {}, False, True),
        (NotifyMode.ALWAYS, RunState.SUCCEEDED, {"would_request": 2}, True, True),
        (NotifyMode.REQUESTED, RunState.SUCCEEDED, {"already_available": 3}, False, False),
        (NotifyMode.REQUESTED, RunState.SUCCEEDED, {"requested": 1}, False, True),
        (NotifyMode.REQUESTED, RunState.SUCCEEDED, {"partially_available": 1}, False, True),
        (NotifyMode.REQUESTED, RunState.SUCCEEDED, {"would_request": 1}, True, False),
        (NotifyMode.REQUESTED, RunState.FAILED, {}, False, True),
        (NotifyMode.ERRORS, RunState.SUCCEEDED, {"requested": 5}, False, False),
        (NotifyMode.ERRORS, RunState.SUCCEEDED, {"requested": 1, "failed": 1}, False, True),
        (NotifyMode.ERRORS, RunState.FAILED, {}, False, True),
        (NotifyMode.ERRORS, RunState.FAILED, {}, True, False),
        (NotifyMode.ERRORS, RunState.CANCELLED, {"requested": 1}, False, False),
        (NotifyMode.OFF, RunState.FAILED, {"failed": 3}, False, False),
    ],
)
def test_each_mode_sends_for_the_runs_it_names(mode, state, counts, dry_run, sends):
    run = SyncRun(state=state, counts=counts, dry_run=dry_run)
    assert should_send(mode, run, problems=went_wrong(run, [])) is sends


def test_requested_mode_stays_quiet_when_nothing_was_requested_and_errors_mode_speaks_up(
    receiver,
):
    configure(NotifyMode.REQUESTED, discord=receiver.webhook_url)
    notify_after_run(finished_run(counts={"already_available": 4}))
    assert receiver.received == []

    configure(NotifyMode.ERRORS, discord=receiver.webhook_url)
    failed = finished_run(state=RunState.FAILED, error="The server is unreachable.")
    notify_after_run(failed)
    [post] = receiver.received
    embed = post.body["embeds"][0]
    assert embed["title"] == f"Sync #{failed.pk} failed" and embed["color"] == COLOURS["bad"]
    assert embed["description"].startswith("The server is unreachable.\n")


# --- when it fails -----------------------------------------------------------------------------


def test_discords_429_is_waited_out_as_retry_after_says(receiver):
    limited = b'{"message": "You are being rate limited.", "retry_after": 0.3, "global": false}'
    receiver.replies = [Page(limited, status=429, headers={"Retry-After": "0.3"})]
    configure(discord=receiver.webhook_url)

    notify_after_run(finished_run(counts={"requested": 1}))

    first, second = receiver.received
    assert second.at - first.at >= 0.3
    assert first.body == second.body
    stored = NotificationSettings.get()
    assert stored.last_error == "" and stored.last_sent_at is not None


def test_a_receiver_answering_500_is_stored_and_logged_without_the_token(
    receiver, settings, caplog
):
    settings.LISTSYNC_HTTP_RETRIES = 1
    receiver.replies = [Page(b"{}", status=500), Page(b"{}", status=500)]
    configure(discord=receiver.webhook_url)

    with caplog.at_level(logging.WARNING, logger="syncing.notify"):
        notify_after_run(finished_run(counts={"requested": 1}))

    assert len(receiver.received) == 2  # one retry
    stored = NotificationSettings.get()
    host = receiver.url.removeprefix("http://")
    assert stored.last_error == f"Discord webhook: {host} answered 500 Internal Server Error"
    assert stored.last_error_at is not None and stored.last_sent_at is None
    assert "answered 500" in caplog.text and TOKEN not in caplog.text


def test_a_refused_connection_and_an_unknown_webhook_say_what_happened(receiver):
    with WebhookReceiver() as gone:
        closed_url = gone.webhook_url
    configure(discord=closed_url)
    notify_after_run(finished_run())
    assert "connection refused" in NotificationSettings.get().last_error

    unknown = b'{"message": "Unknown Webhook", "code": 10015}'
    receiver.replies = [Page(unknown, status=404)]
    configure(discord=receiver.webhook_url)
    notify_after_run(finished_run())
    assert NotificationSettings.get().last_error == (
        "Discord webhook: Discord answered 404 Unknown Webhook"
    )


def test_every_finished_sync_notifies_and_a_failing_notifier_never_fails_it(
    sandbox_factory, receiver, settings
):
    settings.LISTSYNC_HTTP_RETRIES = 0
    server = sandbox_factory()
    connect(server.url)
    manual_list("tmdb:movie:603")
    receiver.replies = [Page(b"{}", status=500)]
    configure(discord=receiver.webhook_url)

    run = sync(Trigger.CLI)

    assert run.state == RunState.SUCCEEDED and run.counts == {"requested": 1}
    assert len(receiver.received) == 1
    assert "answered 500" in NotificationSettings.get().last_error


# --- Apprise -----------------------------------------------------------------------------------


def test_apprise_urls_get_the_report_as_plain_text(receiver, settings):
    settings.SITE_ROOT = "https://listsync.example"
    configure(apprise_urls=(receiver.apprise_url,))
    run = finished_run(counts={"requested": 2, "failed": 1})

    notify_after_run(run)

    [post] = receiver.received
    assert post.path == APPRISE_PATH
    assert post.body["title"] == f"Sync #{run.pk} succeeded"
    assert post.body["type"] == "warning"
    message = post.body["message"]
    assert "Requested: 2\nFailed: 1" in message
    assert message.endswith(f"https://listsync.example/runs/{run.pk}/")


def test_a_failing_apprise_target_does_not_stop_discord(receiver, monkeypatch):
    def broken(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("plugin crashed")

    monkeypatch.setattr(apprise.Apprise, "notify", broken)
    configure(discord=receiver.webhook_url, apprise_urls=(receiver.apprise_url,))

    notify_after_run(finished_run())

    assert [r.path for r in receiver.received] == [f"/api/webhooks/123456/{TOKEN}"]
    assert NotificationSettings.get().last_error == (
        "Apprise URL 1 (json://): unexpected error RuntimeError('plugin crashed')"
    )


def test_an_apprise_target_answering_500_is_named_in_the_error(receiver):
    receiver.replies = [Page(b"", status=500)]
    configure(apprise_urls=(receiver.apprise_url,))

    notify_after_run(finished_run())

    error = NotificationSettings.get().last_error
    assert error.startswith("Apprise URL 1 (json://): not sent: ") and "error=500" in error


def test_secrets_are_masked_in_any_problem_text(receiver):
    stored = configure(discord=receiver.webhook_url, apprise_urls=(receiver.apprise_url,))
    text = scrub(f"failed: {receiver.webhook_url} and {APPRISE_PATH} and {TOKEN}", stored)
    assert TOKEN not in text and "SECRET-path" not in text and mask_secret(TOKEN) in text


# --- the page ----------------------------------------------------------------------------------


def test_the_page_never_shows_the_secrets(admin_client, receiver):
    configure(discord=receiver.webhook_url, apprise_urls=(receiver.apprise_url,))

    page = admin_client.get(PAGE).content.decode()

    assert TOKEN not in page and APPRISE_PATH not in page
    assert mask_secret(receiver.webhook_url) in page and "Stored: 1 (json://)" in page
    assert "the Discord webhook and 1 Apprise URL" in page


def test_settings_are_saved_kept_when_left_empty_and_forgotten(admin_client, receiver):
    second = "ntfy://ntfy.example/listsync-topic"
    answer = admin_client.post(
        PAGE,
        {
            "mode": "errors",
            "discord_webhook_url": receiver.webhook_url,
            "apprise_urls": f"{receiver.apprise_url}\n\n{second}\n",
        },
    )
    assert answer.status_code == 302
    stored = NotificationSettings.get()
    assert stored.mode == "errors" and stored.discord_webhook_url == receiver.webhook_url
    assert stored.apprise_url_list == [receiver.apprise_url, second]

    admin_client.post(PAGE, {"mode": "always", "discord_webhook_url": "", "apprise_urls": ""})
    stored = NotificationSettings.get()
    assert stored.mode == "always" and stored.discord_webhook_url == receiver.webhook_url
    assert stored.apprise_url_list == [receiver.apprise_url, second]

    admin_client.post(PAGE, {"mode": "always", "forget_apprise_urls": "on"})
    assert NotificationSettings.get().apprise_urls == ""


def test_wrong_urls_are_refused_without_being_shown_back(admin_client, receiver):
    typed_secret = "typed-SECRET-never-shown-back"
    page = admin_client.post(
        PAGE,
        {
            "mode": "always",
            "discord_webhook_url": f"https://example.com/api/webhooks/1/{typed_secret}",
            "apprise_urls": f"nosuchservice://{typed_secret}",
        },
    ).content.decode()

    assert "Copy webhook URL" in page and "is not a URL Apprise knows" in page
    assert typed_secret not in page
    assert NotificationSettings.get().discord_webhook_url == ""


def test_the_real_discord_and_its_old_domain_are_accepted(settings):
    from django.core.exceptions import ValidationError

    from syncing.models import validate_discord_webhook_url

    settings.LISTSYNC_DISCORD_BASE_URL = "https://discord.com"
    validate_discord_webhook_url("https://discord.com/api/webhooks/1234/abc-DEF_1")
    validate_discord_webhook_url("https://discordapp.com/api/webhooks/1234/abc")
    for wrong in (
        "http://discord.com/api/webhooks/1234/abc",
        "https://discord.com/api/webhooks/abc/1234",
        "https://discord.com.evil.example/api/webhooks/1234/abc",
        "https://discord.com/api/webhooks/1234",
    ):
        with pytest.raises(ValidationError):
            validate_discord_webhook_url(wrong)


def test_the_test_button_reports_success(admin_client, receiver):
    configure(NotifyMode.OFF, discord=receiver.webhook_url, apprise_urls=(receiver.apprise_url,))

    answer = admin_client.post(TEST_BUTTON, headers={"HX-Request": "true"}).content.decode()

    assert "Test notification sent to the Discord webhook and 1 Apprise URL." in answer
    assert "<html" not in answer
    discord, apprised = receiver.received
    assert discord.body["embeds"][0]["title"] == "ListSync test notification"
    assert apprised.body["title"] == "ListSync test notification"
    assert NotificationSettings.get().last_sent_at is not None


def test_the_test_button_names_each_failure(admin_client, receiver):
    receiver.replies = [Page(b'{"message": "Invalid Webhook Token", "code": 50027}', status=401)]
    configure(discord=receiver.webhook_url)

    answer = admin_client.post(TEST_BUTTON, headers={"HX-Request": "true"}).content.decode()

    assert "Discord webhook: Discord answered 401 Invalid Webhook Token" in answer
    assert "Test notification sent" not in answer and TOKEN not in answer


def test_the_test_button_without_targets_or_htmx(admin_client):
    answer = admin_client.post(TEST_BUTTON, follow=True)
    assert answer.redirect_chain == [(PAGE, 302)]
    assert "Nothing to send to: add a Discord webhook or an Apprise URL" in answer.content.decode()


def test_the_pages_need_a_login(client):
    assert client.get(PAGE)["Location"].startswith("/login/")
    assert client.post(TEST_BUTTON)["Location"].startswith("/login/")
