import threading

from providers.context import FetchContext, MemoryCache
from tests.servers import Page, StaticSite


def test_on_call_runs_before_each_call_from_the_owning_thread_only():
    seen = []
    with (
        StaticSite({"/x": Page(b"{}")}) as site,
        FetchContext(on_call=lambda: seen.append(1)) as context,
    ):
        context.get(site.url + "/x")
        context.get(site.url + "/x")
        other = threading.Thread(target=context.get, args=(site.url + "/x",))
        other.start()
        other.join()
    assert len(seen) == 2 and len(site.hits) == 3 and context.requests_made == 3


def test_calls_with_a_pause_to_one_host_never_overlap():
    with StaticSite({"/x": Page(b"{}")}, latency=0.02) as site, FetchContext() as context:
        active, most = [0], [0]
        lock = threading.Lock()
        original = context.session.request

        def counting(*args, **kwargs):
            with lock:
                active[0] += 1
                most[0] = max(most[0], active[0])
            try:
                return original(*args, **kwargs)
            finally:
                with lock:
                    active[0] -= 1

        context.session.request = counting
        threads = [
            threading.Thread(target=context.get, args=(site.url + "/x",), kwargs={"pause": 0.01})
            for _ in range(5)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert most[0] == 1 and len(site.hits) == 5


def test_the_browser_is_not_started_unless_asked_for():
    with FetchContext() as context:
        pass
    assert context.browser_starts == 0


def test_memory_cache_answers_what_was_put():
    cache = MemoryCache()
    cache.put("letterboxd", "a", {"tmdb_id": 1})
    assert cache.get_many("letterboxd", ["a", "b"]) == {"a": {"tmdb_id": 1}}
    assert cache.get_many("other", ["a"]) == {}
