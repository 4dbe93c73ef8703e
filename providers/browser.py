"""A real Chromium for the pages plain HTTP cannot read (Cloudflare, AWS WAF), driven by
SeleniumBase on Debian's chromium. Started only when a fetch needs it, once per sync."""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

from django.conf import settings

from providers.base import FetchError


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

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already gone: nothing left to close
            self.driver.quit()
