"""The whole app in a real headless Chromium: log in, add a list with its preview, sync it
against the sandbox request server through the real worker, watch the progress bar finish, and
find the outcomes on the titles page. A screenshot of each main page is kept as an artifact
(tests/artifacts/screenshots/)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from syncing.sandbox import SandboxServer
from tests.live_app import ADMIN, LiveApp
from tests.servers import Page, StaticSite

SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"

# Films of the sandbox's demo catalogue: eleven it lacks, one requested, one available.
FEED = [
    {"title": "The Matrix", "imdb_id": "tt0133093", "tmdb_id": 603},
    {"title": "Star Wars", "imdb_id": "tt0076759", "tmdb_id": 11},
    {"title": "Blade Runner", "imdb_id": "tt0083658", "tmdb_id": 78},
    {"title": "Blade Runner 2049", "imdb_id": "tt1856101", "tmdb_id": 335984},
    {"title": "Schindler's List", "imdb_id": "tt0108052", "tmdb_id": 424},
    {"title": "Airplane!", "imdb_id": "tt0080339", "tmdb_id": 813},
    {"title": "Mission: Impossible", "imdb_id": "tt0117060", "tmdb_id": 954},
    {"title": "Fast & Furious", "imdb_id": "tt1013752", "tmdb_id": 13804},
    {"title": "Amélie", "imdb_id": "tt0211915", "tmdb_id": 194},
    {"title": "Forrest Gump", "imdb_id": "tt0109830", "tmdb_id": 13},
    {"title": "Se7en", "imdb_id": "tt0114369", "tmdb_id": 807},
    {"title": "Inception", "imdb_id": "tt1375666", "tmdb_id": 27205},
    {"title": "The Thing", "imdb_id": "tt0084787", "tmdb_id": 1091},
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Sandbox server and Steven Lu feed on loopback, and ListSync (web + worker) using them."""
    data_dir = tmp_path_factory.mktemp("live")
    feed = StaticSite({"/movies.json": Page(json.dumps(FEED).encode())})
    # A little latency, and one call at a time, so the sync lasts long enough to watch.
    with (
        SandboxServer(latency=0.12) as server,
        feed,
        LiveApp(
            data_dir,
            LISTSYNC_SERVER_URL=server.url,
            LISTSYNC_SERVER_API_KEY="sandbox-key",
            LISTSYNC_STEVENLU_URL=f"{feed.url}/movies.json",
            LISTSYNC_CONCURRENCY="1",
        ) as app,
    ):
        yield app, server


def screenshot(sb, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sb.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def wait_for(condition, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)  # polling the page, not waiting for time to pass
    return result


def test_add_a_list_sync_it_and_find_the_outcomes(sb, stack):
    app, server = stack
    sb.set_window_size(1280, 900)

    # Every page needs a login.
    sb.open(f"{app.url}/titles/")
    assert "/login/" in sb.get_current_url()
    screenshot(sb, "login")
    sb.type("#id_username", ADMIN[0])
    sb.type("#id_password", ADMIN[1])
    sb.click('button[type="submit"]')
    sb.assert_element('a[href="/titles/"][aria-current="page"]')

    # An empty install says what to do next.
    def worker_shown_alive() -> bool:
        sb.open(f"{app.url}/")
        return "Running" in sb.get_text("#worker-status")

    wait_for(worker_shown_alive, "the dashboard to show the worker running", timeout=30)
    sb.assert_text("Get started")
    sb.assert_text("Reachable", "#server-status", timeout=20)
    screenshot(sb, "dashboard-empty")

    # Add a list: paste its id, preview its items, follow it.
    sb.open(f"{app.url}/lists/add/")
    sb.type("#id_list_input", "stevenlu")
    sb.click('button[name="preview"]')
    sb.assert_text("Forrest Gump", "#preview", timeout=30)
    sb.assert_text("13", "#preview dl")
    screenshot(sb, "list-preview")
    sb.click("#add-list button.primary")
    sb.assert_text("Steven Lu", timeout=20)
    screenshot(sb, "list-edit")

    # Sync now from the dashboard; the live box shows the run going, then finished.
    sb.open(f"{app.url}/")
    sb.click('form[action="/sync/"] button')
    sb.assert_element('#activity [data-state="running"]', timeout=60)
    screenshot(sb, "dashboard-syncing")
    widths = set()

    def finished() -> bool:
        widths.add(sb.get_attribute("#activity .progress", "aria-valuenow"))
        return sb.is_element_present('#activity [data-state="succeeded"]')

    wait_for(finished, "the sync to finish")
    assert any(0 <= int(w) < 100 for w in widths), widths  # seen going, then filled:
    sb.assert_text("Requested: 11", "#activity")
    sb.assert_attribute("#activity .progress", "aria-valuenow", "100")
    sb.assert_text("13", ".stats", timeout=10)  # the page reloaded with the new figures
    screenshot(sb, "dashboard-done")
    assert len(server.requests_created()) == 11

    # The titles page has every outcome and how each title was matched.
    sb.open(f"{app.url}/titles/")
    sb.assert_text("The Matrix")
    sb.assert_text("Inception")
    sb.type('input[type="search"]', "Matrix")
    wait_for(lambda: "Inception" not in sb.get_text("main"), "the search to narrow the rows")
    sb.assert_text("Requested", "main table")
    screenshot(sb, "titles")

    sb.open(f"{app.url}/runs/")
    sb.assert_text("Succeeded")
    screenshot(sb, "history")
    sb.click('main table a[href^="/runs/"]')
    sb.assert_text("Already requested")
    sb.assert_text("Already available")
    screenshot(sb, "run")

    sb.open(f"{app.url}/analytics/")
    sb.assert_element("svg.chart")
    screenshot(sb, "analytics")
    sb.open(f"{app.url}/settings/")
    sb.assert_text("Test connection")
    sb.click('button[formaction="/settings/test/"]')
    sb.assert_text("Connected to", "#connection-result", timeout=20)
    screenshot(sb, "settings")
    sb.open(f"{app.url}/lists/")
    screenshot(sb, "lists")
    sb.open(f"{app.url}/settings/notifications/")
    sb.assert_text("Send a test notification")
    screenshot(sb, "notifications")
    sb.open(f"{app.url}/api/tokens/")
    screenshot(sb, "api-tokens")
    sb.open(f"{app.url}/logs/")
    screenshot(sb, "logs")

    # Dark mode follows the system setting; narrow screens get the same pages.
    sb.driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    sb.open(f"{app.url}/")
    background = sb.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 19, 26)", background
    screenshot(sb, "dashboard-dark")
    sb.set_window_size(390, 844)
    sb.open(f"{app.url}/titles/")
    width = sb.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"the titles page is {width}px wide on a phone"
    screenshot(sb, "titles-phone")
