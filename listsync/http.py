"""All outgoing HTTP goes through here: a timeout on every call, a clear User-Agent, bounded
retries with exponential backoff that honour Retry-After, and one exception type."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

USER_AGENT = "ListSync/0.1 (self-hosted list importer; +https://github.com/listsync/listsync)"

# Answers that say "try again later" rather than "you asked for something wrong".
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class HttpError(Exception):
    """A call failed. `retryable` says whether the same call later could succeed."""

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        status: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.retryable = retryable


def new_session(pool_size: int = 10) -> requests.Session:
    """A session whose connection pool is large enough for `pool_size` calls in flight."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def retry_after_seconds(response: requests.Response) -> float | None:
    """The wait a 429/503 asks for, in seconds: a number or an HTTP date (RFC 9110)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def call(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float | None = None,
    retries: int | None = None,
    final: Callable[[requests.Response], bool] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Make one call, retrying timeouts, connection failures, 429 and 5xx a bounded number of
    times. Returns the response for every other status: what a 4xx means is the caller's call.
    `final` recognises the 5xx answers a retry cannot change, which are returned at once."""
    timeout = settings.LISTSYNC_HTTP_TIMEOUT if timeout is None else timeout
    retries = settings.LISTSYNC_HTTP_RETRIES if retries is None else retries
    host = host_of(url)
    for attempt in range(retries + 1):
        wait: float | None = None
        try:
            response = session.request(method, url, timeout=timeout, **kwargs)
        except requests.Timeout:
            error = HttpError(
                f"{host} did not answer within {timeout:g} s", url=url, retryable=True
            )
        except requests.ConnectionError as exc:
            error = HttpError(
                f"cannot connect to {host}: {short_reason(exc)}", url=url, retryable=True
            )
        except requests.RequestException as exc:
            raise HttpError(f"bad request to {host}: {exc}", url=url) from exc
        else:
            if response.status_code not in RETRYABLE_STATUSES or (final and final(response)):
                return response
            error = HttpError(
                f"{host} answered {response.status_code} {response.reason}",
                url=url,
                status=response.status_code,
                retryable=True,
            )
            wait = retry_after_seconds(response)
        if attempt == retries:
            raise error
        if wait is None:
            # Exponential backoff with jitter, so parallel callers do not retry in step.
            wait = settings.LISTSYNC_HTTP_BACKOFF * (2**attempt) * random.uniform(0.5, 1.0)
        time.sleep(min(wait, settings.LISTSYNC_HTTP_MAX_WAIT))
    raise AssertionError("unreachable")  # the loop returns or raises


def json_of(response: requests.Response, what: str) -> Any:
    """The JSON body, or an HttpError that says what came instead."""
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "unknown content").split(";")[0]
        raise HttpError(
            f"{what} answered {kind}, not JSON (HTTP {response.status_code}): is the URL right?",
            url=response.url,
            status=response.status_code,
        ) from None


def short_reason(exc: Exception) -> str:
    """The innermost reason of a connection error, without urllib3's long wrapper text."""
    reason: BaseException = exc
    while reason.__context__ is not None and not isinstance(reason, OSError):
        reason = reason.__context__
    text = str(reason)
    if "Connection refused" in text:
        return "connection refused (is it running, and is the port right?)"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host name"
    return text.split(": ", 1)[-1][:200] or type(reason).__name__
