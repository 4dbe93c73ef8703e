import time

import pytest
import requests

from listsync import http
from tests.servers import Page, StaticSite


def sequence(*pages: Page):
    """A responder that answers with each page in turn, then repeats the last."""
    answers = list(pages)

    def respond(path: str) -> Page:
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return respond


def test_retries_5xx_then_returns_the_success():
    flaky = sequence(Page(b"{}", status=503), Page(b"{}", status=502), Page(b'{"ok": 1}'))
    with StaticSite({"/x": flaky}) as site:
        response = http.call(requests.Session(), "GET", site.url + "/x")
    assert response.json() == {"ok": 1}
    assert len(site.hits) == 3


def test_honours_retry_after_on_429():
    limited = sequence(Page(b"{}", status=429, headers={"Retry-After": "0.3"}), Page(b"{}"))
    with StaticSite({"/x": limited}) as site:
        started = time.monotonic()
        response = http.call(requests.Session(), "GET", site.url + "/x")
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert len(site.hits) == 2
    assert elapsed >= 0.3  # waited as asked, not the 10 ms backoff


def test_gives_up_after_the_bounded_retries_with_a_retryable_error(settings):
    settings.LISTSYNC_HTTP_RETRIES = 2
    with (
        StaticSite({"/x": Page(b"{}", status=500)}) as site,
        pytest.raises(http.HttpError) as caught,
    ):
        http.call(requests.Session(), "GET", site.url + "/x")
    assert caught.value.retryable and caught.value.status == 500
    assert "answered 500" in str(caught.value)
    assert len(site.hits) == 3


def test_client_errors_are_returned_not_retried():
    with StaticSite({"/x": Page(b"{}", status=404)}) as site:
        response = http.call(requests.Session(), "GET", site.url + "/x")
    assert response.status_code == 404
    assert len(site.hits) == 1


def test_a_timeout_says_how_long_it_waited():
    slow = StaticSite({"/x": Page(b"{}")}, latency=1.0)
    with slow as site, pytest.raises(http.HttpError, match=r"within 0\.2 s") as caught:
        http.call(requests.Session(), "GET", site.url + "/x", timeout=0.2, retries=0)
    assert caught.value.retryable


def test_connection_refused_says_so():
    with StaticSite() as site:
        url = site.url
    with pytest.raises(http.HttpError, match="connection refused"):
        http.call(requests.Session(), "GET", url + "/x", retries=0)


def test_html_instead_of_json_is_named():
    with StaticSite({"/x": Page(b"<html>login</html>", content_type="text/html")}) as site:
        response = http.call(requests.Session(), "GET", site.url + "/x")
    with pytest.raises(http.HttpError, match="answered text/html, not JSON"):
        http.json_of(response, "The server")


def test_every_call_carries_the_user_agent():
    seen = {}

    def record(path: str) -> Page:
        return Page(b"{}")

    with StaticSite({"/x": record}) as site:
        session = http.new_session()
        response = http.call(session, "GET", site.url + "/x")
        seen["ua"] = response.request.headers["User-Agent"]
    assert seen["ua"].startswith("ListSync/")
