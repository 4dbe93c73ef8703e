import json

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from providers import FetchContext
from providers import letterboxd as lb
from providers.base import (
    Blocked,
    FetchError,
    Item,
    ListInputError,
    ListRef,
    ListUnavailable,
    PageChanged,
    RateLimited,
)
from providers.context import MemoryCache
from providers.letterboxd import Letterboxd, cloudflare_refusal, parse_page, read_film_page
from tests.letterboxd_site import (
    CHALLENGE_HEADERS,
    Film,
    LetterboxdSite,
    film_pages,
    fixture,
    html_page,
)
from tests.servers import Page

WATCHLIST = "sdl60660_watchlist_samtestacct_2025-11-03"
FILM_PAGE = "sdl60660_film_page_2025-11"
LIST = "/samtestacct/list/own-test-list/"
URL = "https://letterboxd.com" + LIST

# The films of the own_list_2025_page{1,2,3}.html fixtures, in order (3 + 3 + 2).
FILMS = [
    Film(
        "the-zone-of-interest", "The Zone of Interest", 2023, 398800, 467244, "movie", "tt7160372"
    ),
    Film("city-of-god", "City of God", 2002, 51523, 598, "movie", "tt0317248"),
    Film("tom-and-jerry-2021", "Tom & Jerry", 2021, 560851, 587807, "movie", "tt1361336"),
    Film("chernobyl", "Chernobyl", 2019, 515367, 87108, "tv", "tt7366338"),
    Film(
        "mission-impossible-dead-reckoning-part-one",
        "Mission: Impossible – Dead Reckoning Part One",
        2023,
        347264,
        575264,
        "movie",
        "tt9603212",
    ),
    Film("three-colours-blue", "Three Colours: Blue", 1993, 51469, 108, "movie", "tt0108394"),
    Film("planet-of-the-apes", "Planet of the Apes", 1968, 51726, 871, "movie", "tt0063442"),
    Film("planet-of-the-apes-2001", "Planet of the Apes", 2001, 51219, 869, "movie", "tt0133152"),
]


def expected_items(films):
    return [
        Item(
            title=f.title,
            year=f.year,
            media_type=f.tmdb_type,
            imdb_id=f.imdb_id,
            tmdb_id=f.tmdb_id,
            source_id=f.slug,
        )
        for f in films
    ]


def own_list_site_pages():
    """The 3-page list with every film's page; The Zone of Interest's is the real capture."""
    pages = {
        LIST: html_page(fixture("own_list_2025_page1.html")),
        LIST + "page/2/": html_page(fixture("own_list_2025_page2.html")),
        LIST + "page/3/": html_page(fixture("own_list_2025_page3.html")),
        **film_pages(FILMS[1:]),
        "/film/the-zone-of-interest/": html_page(fixture(FILM_PAGE + ".html")),
    }
    return pages


FILM_PATHS = [f"/film/{f.slug}/" for f in FILMS]
LIST_PATHS = [LIST, LIST + "page/2/", LIST + "page/3/"]


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr(lb, "PAUSE", 0.0)


def fetch(site, settings, text, context=None):
    settings.LISTSYNC_LETTERBOXD_BASE_URL = site.url
    ref = Letterboxd().parse(text)
    assert ref is not None
    return Letterboxd().fetch(ref, context or FetchContext())


# ---- parse ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "url"),
    [
        (
            "https://letterboxd.com/dave/list/official-top-250-narrative-feature-films/",
            "dave/list/official-top-250-narrative-feature-films",
            "https://letterboxd.com/dave/list/official-top-250-narrative-feature-films/",
        ),
        ("https://letterboxd.com/dave/list/top-250", "dave/list/top-250", None),
        ("http://www.letterboxd.com/dave/list/top-250/page/3/", "dave/list/top-250", None),
        ("https://letterboxd.com/dave/list/top-250/by/added/", "dave/list/top-250", None),
        (
            "https://letterboxd.com/dave/list/top-250/by/release-earliest/page/2/",
            "dave/list/top-250",
            None,
        ),
        ("https://letterboxd.com/dave/list/top-250/detail/", "dave/list/top-250", None),
        ("https://letterboxd.com/dave/list/top-250/detail/page/4/", "dave/list/top-250", None),
        ("https://letterboxd.com/dave/list/top-250/share/", "dave/list/top-250", None),
        ("https://letterboxd.com/dave/list/top-250/?utm_source=share#x", "dave/list/top-250", None),
        ("https://letterboxd.com/Dave/list/Top-250/", "dave/list/top-250", None),
        ("letterboxd.com/dave/list/top-250/", "dave/list/top-250", None),
        ("  https://letterboxd.com/dave/list/top-250/  ", "dave/list/top-250", None),
        (
            "https://letterboxd.com/samtestacct/watchlist/",
            "samtestacct/watchlist",
            "https://letterboxd.com/samtestacct/watchlist/",
        ),
        ("https://www.letterboxd.com/samtestacct/watchlist", "samtestacct/watchlist", None),
        ("https://letterboxd.com/samtestacct/watchlist/page/2/", "samtestacct/watchlist", None),
        ("https://letterboxd.com/samtestacct/watchlist/by/added/", "samtestacct/watchlist", None),
        ("https://boxd.it/aBc9", "boxd.it/aBc9", "https://boxd.it/aBc9"),
        ("https://boxd.it/aBc9/?ref=share", "boxd.it/aBc9", "https://boxd.it/aBc9"),
        ("boxd.it/4Gh2", "boxd.it/4Gh2", "https://boxd.it/4Gh2"),
    ],
)
def test_accepted_forms(text, key, url):
    ref = Letterboxd().parse(text)
    assert ref == ListRef("letterboxd", key, url or f"https://letterboxd.com/{key}/")
    assert Letterboxd().parse(ref.url) == ref  # the canonical address is the same list


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("https://letterboxd.com/film/the-zone-of-interest/", "a film's page, not a member's list"),
        ("https://letterboxd.com/films/popular/", "Letterboxd's /films/ page"),
        ("https://letterboxd.com/lists/popular/", "Letterboxd's /lists/ page"),
        ("https://letterboxd.com/search/dune/", "Letterboxd's /search/ page"),
        ("https://letterboxd.com/", "Letterboxd's home page"),
        ("https://letterboxd.com/dave/", "a page of dave's profile, not a list"),
        ("https://letterboxd.com/dave/films/", "a page of dave's profile, not a list"),
        ("https://letterboxd.com/dave/lists/", "the index of dave's lists"),
        ("https://letterboxd.com/dave/list/", "slug\\) is missing"),
        ("https://letterboxd.com/da+ve/list/x/", "not a Letterboxd member name"),
        ("https://letterboxd.com/dave/list/%21!/", "not a list slug"),
        ("https://boxd.it/", "https://boxd.it/<code>"),
        ("https://boxd.it/abc/def", "https://boxd.it/<code>"),
    ],
)
def test_bad_forms_say_what_is_accepted(text, problem):
    with pytest.raises(ListInputError, match=problem) as caught:
        Letterboxd().parse(text)
    assert "https://letterboxd.com/<user>/watchlist/" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "https://evil.example/dave/list/x/",
        "https://letterboxd.com.evil.example/dave/list/x/",
        "ftp://letterboxd.com/dave/list/x/",
        "dave/list/x",
        "tt0133093",
        "stevenlu",
        "https://notboxd.it/abc",
    ],
)
def test_other_addresses_are_not_this_source(text):
    assert Letterboxd().parse(text) is None


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_parses_to_a_ref_none_or_a_clear_error(text):
    try:
        ref = Letterboxd().parse(text)
    except ListInputError as exc:
        assert "Letterboxd accepts" in str(exc)
        return
    assert ref is None or (ref.source == "letterboxd" and ref.url)


url_parts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30) | st.sampled_from(
    ["list", "watchlist", "page", "2", "by", "added", "film", "dave", "x-y"]
)


@hypothesis_settings(max_examples=400, deadline=None)
@given(
    scheme=st.sampled_from(["https://", "http://", "", "HTTPS://"]),
    host=st.sampled_from(["letterboxd.com", "www.letterboxd.com", "boxd.it", "LetterBoxd.com"]),
    segments=st.lists(url_parts, max_size=6),
    query=st.text(max_size=20),
)
def test_any_address_on_a_letterboxd_host_is_a_ref_or_a_clear_error(scheme, host, segments, query):
    text = f"{scheme}{host}/" + "/".join(segments) + (f"?{query}" if query else "")
    try:
        ref = Letterboxd().parse(text)
    except ListInputError as exc:
        assert "Letterboxd accepts" in str(exc)
        return
    if ref is None:
        # Only when the text no longer names the host (whitespace or a scheme-less oddity).
        assert not text.strip().lower().startswith((f"https://{host.lower()}/", f"{host.lower()}/"))
        return
    assert ref.source == "letterboxd"
    assert Letterboxd().parse(ref.url) == ref


# ---- the real captures ------------------------------------------------------------------------


def test_the_real_watchlist_capture_parses_to_its_expected_json():
    expected = json.loads(fixture(WATCHLIST + ".expected.json"))
    page = parse_page(fixture(WATCHLIST + ".html").decode())
    got = [
        {
            "position": e.position,
            "id": e.slug,
            "letterboxd_slug": e.slug,
            "title": e.title,
            "year": e.year,
            # Letterboxd calls every entry a "film" (data-postered-identifier); the expected
            # file's "movie" is that.
            "type": {"film": "movie"}.get(e.kind, e.kind),
            "letterboxd_film_id": e.film_id,
        }
        for e in page.entries
    ]
    assert got == expected["items"]
    assert len(got) == expected["count"] == page.count == 20
    assert page.name == expected["og:title"] == "samtestacct’s Watchlist"
    assert page.og_url == expected["og:url"]
    assert page.next_href is None


def test_the_real_film_page_capture_parses_to_its_expected_json():
    (expected,) = json.loads(fixture(FILM_PAGE + ".expected.json"))["items"]
    film = read_film_page(fixture(FILM_PAGE + ".html").decode())
    got = {
        "position": 1,
        "id": film.slug,
        "letterboxd_slug": film.slug,
        "title": film.title,
        "year": film.year,
        "imdb_id": film.imdb_id,
        "tmdb_id": film.tmdb_id,
        "tmdb_type": film.tmdb_type,
        "letterboxd_film_id": film.film_id,
        "type": film.tmdb_type,
    }
    assert got == expected


def test_the_real_watchlist_fetched_over_http_without_film_pages(settings):
    expected = json.loads(fixture(WATCHLIST + ".expected.json"))["items"]
    pages = {"/samtestacct/watchlist/": html_page(fixture(WATCHLIST + ".html"))}
    with LetterboxdSite(pages) as site:
        context = FetchContext()
        result = fetch(site, settings, "https://letterboxd.com/samtestacct/watchlist/", context)
    assert result.name == "samtestacct’s Watchlist"
    assert result.route == "html" and result.complete
    assert [(i.source_id, i.title, i.year) for i in result.items] == [
        (e["letterboxd_slug"], e["title"], e["year"]) for e in expected
    ]
    assert all(i.tmdb_id is None and i.imdb_id is None for i in result.items)
    # Every film page answered 404: the films are named, to be matched by title and year.
    assert site.paths("listsync") == ["/samtestacct/watchlist/"] + [
        f"/film/{e['letterboxd_slug']}/" for e in expected
    ]
    assert context.requests_made == 21
    (warning,) = result.warnings
    assert "No IMDb/TMDB id for 20 films" in warning and "Gozu (2003), Rampo Noir (2005)" in warning


# ---- paging, markups, the id cache -----------------------------------------------------------


def test_every_page_of_a_list_with_every_films_ids(settings):
    with LetterboxdSite(own_list_site_pages()) as site:
        context = FetchContext()
        result = fetch(
            site,
            settings,
            URL + "by/added/page/2/",
            context,
        )
    assert result.items == expected_items(FILMS)
    assert result.name == "Films to test a list reader with"
    assert (result.route, result.complete, result.warnings) == ("html", True, [])
    assert site.paths("listsync") == LIST_PATHS + FILM_PATHS
    assert context.requests_made == 3 + 8
    assert context.browser_starts == 0
    assert "not-in-this-list" not in [i.source_id for i in result.items]  # sidebar posters


def test_a_second_fetch_with_the_same_cache_reads_no_film_page(settings):
    cache = MemoryCache()
    with LetterboxdSite(own_list_site_pages()) as site:
        first = fetch(
            site,
            settings,
            URL,
            FetchContext(cache),
        )
        assert site.paths("listsync") == LIST_PATHS + FILM_PATHS
        site.hits.clear()
        context = FetchContext(cache)
        second = fetch(site, settings, URL, context)
    assert second.items == first.items == expected_items(FILMS)
    assert site.paths("listsync") == LIST_PATHS
    assert context.requests_made == 3
    assert cache.entries[("letterboxd", "chernobyl")]["tmdb_type"] == "tv"


def test_the_older_poster_markup(settings):
    old = [FILMS[1], FILMS[5], FILMS[6]]
    pages = {
        "/samtestacct/list/older-list/": html_page(fixture("own_list_old_markup_page1.html")),
        "/samtestacct/list/older-list/page/2/": html_page(
            fixture("own_list_old_markup_page2.html")
        ),
        **film_pages(old),
    }
    with LetterboxdSite(pages) as site:
        context = FetchContext()
        result = fetch(
            site, settings, "https://letterboxd.com/samtestacct/list/older-list/", context
        )
    # The older markup had no year on every poster: the film page gives the missing one.
    assert result.items == expected_items(old)
    assert result.name == "An older list" and result.complete
    assert context.requests_made == 2 + 3


def test_film_pages_that_fail_leave_items_without_ids_and_a_warning(settings):
    pages = own_list_site_pages()
    del pages["/film/city-of-god/"]  # 404
    pages["/film/chernobyl/"] = html_page("<html><body><p>Something else</p></body></html>")
    cache = MemoryCache()
    with LetterboxdSite(pages) as site:
        result = fetch(
            site,
            settings,
            URL,
            FetchContext(cache),
        )
        by_slug = {i.source_id: i for i in result.items}
        assert len(result.items) == 8 and result.complete
        assert by_slug["city-of-god"] == Item(
            title="City of God", year=2002, source_id="city-of-god"
        )
        assert by_slug["chernobyl"].tmdb_id is None
        assert by_slug["three-colours-blue"].tmdb_id == 108
        (warning,) = result.warnings
        assert "No IMDb/TMDB id for 2 films" in warning
        assert "City of God (2002), Chernobyl (2019)" in warning
        # Failures are not cached: the next fetch asks for those two pages only.
        site.hits.clear()
        fetch(
            site,
            settings,
            URL,
            FetchContext(cache),
        )
    assert site.paths("listsync") == LIST_PATHS + ["/film/city-of-god/", "/film/chernobyl/"]


def test_film_pages_stop_after_failures_in_a_row(settings, monkeypatch):
    monkeypatch.setattr(lb, "FILM_FAILURES_IN_A_ROW", 2)
    pages = own_list_site_pages()
    for path in FILM_PATHS:
        pages[path] = html_page("<html><body>moved</body></html>")
    with LetterboxdSite(pages) as site:
        result = fetch(site, settings, URL)
    assert site.paths("listsync") == LIST_PATHS + FILM_PATHS[:2]
    assert len(result.items) == 8 and all(i.tmdb_id is None for i in result.items)
    assert "No IMDb/TMDB id for 8 films" in result.warnings[0]
    assert "2 film pages in a row failed" in result.warnings[1]
    assert "no data-tmdb-id" in result.warnings[1]


def test_film_pages_stop_at_once_when_letterboxd_says_too_many_requests(settings):
    settings.LISTSYNC_HTTP_RETRIES = 1
    pages = own_list_site_pages()
    pages["/film/city-of-god/"] = html_page("slow down", status=429)
    with LetterboxdSite(pages) as site:
        result = fetch(site, settings, URL)
    # One try and one retry for City of God, then no more film pages this time.
    assert site.paths("listsync") == LIST_PATHS + [FILM_PATHS[0]] + [FILM_PATHS[1]] * 2
    assert [i.tmdb_id for i in result.items] == [467244] + [None] * 7
    assert result.complete
    assert "No IMDb/TMDB id for 7 films" in result.warnings[0]
    assert "too many requests (HTTP 429)" in result.warnings[1]


def test_a_later_page_that_fails_keeps_what_was_read(settings):
    pages = own_list_site_pages()
    pages[LIST + "page/2/"] = html_page("oops", status=500)
    with LetterboxdSite(pages) as site:
        result = fetch(site, settings, URL)
    assert result.items == expected_items(FILMS[:3])
    assert result.complete is False
    assert "Only the first 1 pages (3 films) could be read: page 2 failed" in result.warnings[0]
    assert "The list says it has 8 films but 3 were read" in result.warnings[1]
    assert LIST + "page/3/" not in site.paths("listsync")


def test_a_page_that_repeats_films_already_read_ends_the_list(settings):
    pages = own_list_site_pages()
    pages[LIST + "page/2/"] = pages[LIST]  # a site that ignores the page number
    with LetterboxdSite(pages) as site:
        result = fetch(site, settings, URL)
    assert [i.source_id for i in result.items] == [f.slug for f in FILMS[:3]]  # no duplicates
    assert result.complete is False
    assert "Page 2 repeated films already read: stopped there." in result.warnings


def test_a_later_page_with_changed_markup_keeps_what_was_read(settings):
    pages = own_list_site_pages()
    pages[LIST + "page/3/"] = html_page(fixture("own_list_changed_markup.html"))
    with LetterboxdSite(pages) as site:
        result = fetch(site, settings, URL)
    assert [i.source_id for i in result.items] == [f.slug for f in FILMS[:6]]
    assert result.complete is False
    assert "page 3 failed: no film posters on page 3" in result.warnings[0]


def test_letterboxd_is_called_at_a_polite_pace(settings, monkeypatch):
    monkeypatch.setattr(lb, "PAUSE", 0.1)
    with LetterboxdSite(own_list_site_pages()) as site:
        fetch(site, settings, URL)
    times = [h.at for h in site.hits]
    assert len(times) == 11
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.09


def test_an_empty_list_is_empty_only_when_the_page_says_so(settings):
    from tests.letterboxd_site import list_page

    empty = list_page("samtestacct", "nothing-yet", "Nothing yet", [])
    with LetterboxdSite({"/samtestacct/list/nothing-yet/": html_page(empty)}) as site:
        result = fetch(site, settings, "https://letterboxd.com/samtestacct/list/nothing-yet/")
    assert result.items == [] and result.complete and result.name == "Nothing yet"


# ---- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "error", "message"),
    [
        (
            html_page(fixture("own_list_changed_markup.html")),
            PageChanged,
            "says it has 3 films, but no film posters were found on it \\(looked for li.posteritem",
        ),
        (
            html_page("<html><head><title>Sign in</title></head><body></body></html>"),
            PageChanged,
            "gives no film count, but no film posters",
        ),
        (html_page(fixture("own_not_found.html"), status=404), ListUnavailable, "HTTP 404"),
        (html_page("Forbidden", status=403), Blocked, "refused .* \\(HTTP 403\\)"),
        (html_page("slow down", status=429), RateLimited, "too many requests"),
        (html_page("down", status=503), FetchError, "could not be read: .* 503"),
    ],
)
def test_a_changed_missing_or_refused_list_is_a_clear_error(settings, page, error, message):
    with LetterboxdSite({LIST: page}) as site, pytest.raises(error, match=message):
        fetch(site, settings, URL)


# ---- boxd.it ---------------------------------------------------------------------------------


def test_a_boxd_it_link_is_resolved_from_its_redirect(settings, monkeypatch):
    pages = {
        **own_list_site_pages(),
        "/AbC1": Page(b"", status=301, headers={"Location": "https://letterboxd.com" + LIST}),
    }
    with LetterboxdSite(pages) as site:
        monkeypatch.setattr(lb, "BOXD_IT_BASE", site.url)
        context = FetchContext()
        result = fetch(site, settings, "https://boxd.it/AbC1", context)
    assert result.items == expected_items(FILMS)
    assert site.paths("listsync") == ["/AbC1"] + LIST_PATHS + FILM_PATHS
    assert context.requests_made == 1 + 3 + 8


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            Page(b"", 302, headers={"Location": "https://evil.example" + LIST}),
            "not a Letterboxd list",
        ),
        (
            Page(b"", 302, headers={"Location": "https://letterboxd.com/film/gozu/"}),
            "not a Letterboxd list",
        ),
        (Page(b"", 302, headers={"Location": "/samtestacct/list/x/"}), "not a Letterboxd list"),
        (Page(b"", 404), "does not exist"),
    ],
)
def test_a_boxd_it_link_must_lead_to_a_list_on_letterboxd(settings, monkeypatch, answer, message):
    with LetterboxdSite({"/Zz9": answer, **own_list_site_pages()}) as site:
        monkeypatch.setattr(lb, "BOXD_IT_BASE", site.url)
        with pytest.raises(ListUnavailable, match=message):
            fetch(site, settings, "https://boxd.it/Zz9")
    assert site.paths("listsync") == ["/Zz9"]  # nothing else was fetched


# ---- Cloudflare -------------------------------------------------------------------------------


def test_the_challenge_is_recognised_precisely():
    challenge = fixture("own_cloudflare_challenge.html").decode()
    watchlist = fixture(WATCHLIST + ".html").decode()
    assert cloudflare_refusal(403, CHALLENGE_HEADERS, challenge)
    assert cloudflare_refusal(403, {}, challenge)  # the page alone
    assert cloudflare_refusal(200, {}, challenge)  # served with 200
    assert cloudflare_refusal(403, {"cf-mitigated": "challenge"}, "")  # the header alone
    assert cloudflare_refusal(403, {"Server": "cloudflare"}, "Sorry, you have been blocked")
    assert cloudflare_refusal(200, {}, watchlist) is None
    assert cloudflare_refusal(200, {"Server": "cloudflare"}, watchlist) is None
    assert cloudflare_refusal(403, {}, "Forbidden") is None  # not Cloudflare's: no browser
    # A list named "Just a moment..." on a real page carrying Cloudflare's bot-detection
    # script is not a challenge: the title alone or the script alone is not enough.
    named = "<title>Just a moment...</title>" + watchlist
    jsd = watchlist + "<script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>"
    assert cloudflare_refusal(200, {}, named) is None
    assert cloudflare_refusal(200, {}, jsd) is None


def test_a_challenge_switches_the_fetch_to_one_real_browser(settings):
    """Real headless Chromium against the local site: plain HTTP gets Cloudflare's challenge
    (403, cf-mitigated), a Chrome User-Agent the real pages. The browser navigates to page 1
    (clearing the check), then reads the other list pages and the film pages with fetch()
    from inside that page; one browser for the whole fetch."""
    cache = MemoryCache()
    with LetterboxdSite(own_list_site_pages(), challenge="plain") as site:
        with FetchContext(cache) as context:
            result = fetch(site, settings, URL, context)
            assert context.browser_starts == 1
        assert site.paths("listsync") == [LIST]  # one plain call, challenged
        assert site.paths("browser", "navigate") == [LIST]
        assert site.paths("browser", "cors") == LIST_PATHS[1:] + FILM_PATHS
    assert result.route == "browser"
    assert result.items == expected_items(FILMS)
    assert result.name == "Films to test a list reader with"
    assert result.complete and result.warnings == []
    assert context.requests_made == 1
    assert cache.entries[("letterboxd", "the-zone-of-interest")]["tmdb_id"] == 467244


def test_a_challenged_in_page_fetch_falls_back_to_navigating(settings):
    """When Cloudflare challenges the browser's fetch() too, each page is navigated to."""
    old = [FILMS[1], FILMS[5], FILMS[6]]
    cache = MemoryCache()
    for film in old:  # as the first read of each film page left them
        data = {"tmdb_id": film.tmdb_id, "tmdb_type": film.tmdb_type, "imdb_id": film.imdb_id}
        cache.put("letterboxd", film.slug, {**data, "title": film.title, "year": film.year})
    first, second = "/samtestacct/list/older-list/", "/samtestacct/list/older-list/page/2/"
    pages = {
        first: html_page(fixture("own_list_old_markup_page1.html")),
        second: html_page(fixture("own_list_old_markup_page2.html")),
    }
    with LetterboxdSite(pages, challenge="in-page") as site:
        with FetchContext(cache) as context:
            result = fetch(site, settings, "https://letterboxd.com" + first, context)
            assert context.browser_starts == 1
        assert site.paths("browser", "navigate") == [first, second]
        assert site.paths("browser", "cors") == [second]
    assert result.route == "browser" and result.complete
    assert result.items == expected_items(old)


def test_a_challenge_the_browser_cannot_clear_is_blocked(settings, monkeypatch):
    monkeypatch.setattr(lb, "BROWSER_TIMEOUT", 1.0)
    with LetterboxdSite(own_list_site_pages(), challenge="all") as site:
        with FetchContext() as context, pytest.raises(Blocked, match="did not clear in a real"):
            fetch(site, settings, URL, context)
        assert context.browser_starts == 1
        assert [p for p in site.paths("browser") if not p.startswith("/cdn-cgi/")] == [LIST]
