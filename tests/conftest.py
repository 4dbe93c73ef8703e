import os

import pytest
from hypothesis import settings as hypothesis_settings

# Browsers (SeleniumBase) use Debian's chromedriver; nothing is downloaded.
os.environ.setdefault("SE_OFFLINE", "true")

# Property tests explore the same examples on every run (CI must not turn red on a new draw)
# and are not timed: the machines are small and busy.
hypothesis_settings.register_profile("listsync", derandomize=True, deadline=None, database=None)
hypothesis_settings.load_profile("listsync")


@pytest.fixture(autouse=True)
def fast_retries(settings):
    """Real retries and backoff, but with waits short enough for a test suite."""
    settings.LISTSYNC_HTTP_BACKOFF = 0.01
    settings.LISTSYNC_HTTP_MAX_WAIT = 0.5
    settings.LISTSYNC_HTTP_TIMEOUT = 5.0


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Tests run without collectstatic, so without the hashed-name manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def sandbox_factory():
    """Start sandbox request servers on free loopback ports; all stopped after the test."""
    from syncing.sandbox import SandboxServer

    started = []

    def start(**options):
        server = SandboxServer(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(autouse=True)
def private_cache(settings):
    """Each test gets an empty in-memory cache: nothing cached (server checks, the worker's
    heartbeat) leaks between tests or in from a ListSync running on this machine."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests log users in all the time; the real hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
