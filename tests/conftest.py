import pytest


@pytest.fixture(autouse=True)
def fast_retries(settings):
    """Real retries and backoff, but with waits short enough for a test suite."""
    settings.LISTSYNC_HTTP_BACKOFF = 0.01
    settings.LISTSYNC_HTTP_MAX_WAIT = 0.5
    settings.LISTSYNC_HTTP_TIMEOUT = 5.0
