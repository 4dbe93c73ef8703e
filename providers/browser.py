"""A real Chromium for the pages plain HTTP cannot read (Cloudflare, AWS WAF), driven by
SeleniumBase on Debian's chromium. Started only when a fetch needs it, once per sync."""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

from django.conf import settings

from providers.base import FetchError

# Run by execute_async_script: the last argument is the callback.
IN_PAGE_FETCH = """
const url = arguments[0], done = arguments[arguments.length - 1];
fetch(url, {credentials: "include", redirect: "follow"})
  .then(r => r.text().then(t => done(
    [r.status, t, r.headers.get("cf-mitigated") || "", r.headers.get("server") || ""])))
  .catch(e => done([0, String(e), "", ""]));
"""


class Browser:
    def __init__(self) -> None:
        os.environ.setdefault("SE_OFFLINE", "true")  # never download a driver: use Debian's
        from seleniumbase import Driver

        try:
            # Undetected mode: the one that gets through Cloudflare's checks.
            self.driver: Any = Driver(
                browser="chrome",
                binary_location=settings.LISTSYNC_CHROMIUM_PATH,
                uc=True,
                headless=True,
            )
        except Exception as exc:
            raise FetchError(
                f"A real browser was needed but Chromium would not start ({exc}). Install "
                "chromium and chromium-driver, or set LISTSYNC_CHROMIUM_PATH."
            ) from exc

    def page_source(self, url: str, *, ready: str | None = None, timeout: float = 20.0) -> str:
        """The page's HTML once `ready` (a CSS selector) is present, or after load."""
        self.driver.get(url)
        if ready:
            from selenium.webdriver.common.by import By

            deadline = time.monotonic() + timeout
            while not self.driver.find_elements(By.CSS_SELECTOR, ready):
                if time.monotonic() > deadline:
                    break  # the caller's parser says what is missing
                time.sleep(0.1)  # polling the page for the element
        return str(self.driver.page_source)

    def fetch_in_page(self, url: str, *, timeout: float = 20.0) -> tuple[int, str, dict[str, str]]:
        """`url` fetched from inside the page the browser shows (its cookies, its origin):
        much cheaper than navigating. Status 0 when the fetch itself failed."""
        self.driver.set_script_timeout(timeout)
        status, body, mitigated, server = self.driver.execute_async_script(IN_PAGE_FETCH, url)
        return int(status), str(body), {"cf-mitigated": str(mitigated), "Server": str(server)}

    @property
    def current_url(self) -> str:
        try:
            return str(self.driver.current_url)
        except Exception:  # a closed window: the caller's URL stands in
            return ""

    def navigation_status(self) -> int | None:
        """The HTTP status of the page shown (Navigation Timing's responseStatus), if known."""
        try:
            status = self.driver.execute_script(
                "const e = performance.getEntriesByType('navigation')[0];"
                "return e ? e.responseStatus : null;"
            )
        except Exception:  # an older browser or a closed window: the page alone must tell
            return None
        return status if isinstance(status, int) and status > 0 else None

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already gone: nothing left to close
            self.driver.quit()
