"""The Titles page (search, filters, sorts, pages, htmx), its CSV export and the two actions."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from lists.models import FollowedList, ListItem, ServerStatus, Title
from syncing.models import Outcome, SyncRun
from tests.factories import connect, title

pytestmark = pytest.mark.django_db

TITLES = reverse("lists:titles")
CSV = reverse("lists:titles_csv")
HTMX = {"HTTP_HX_REQUEST": "true"}


def followed(name: str) -> FollowedList:
    return FollowedList.objects.create(source="manual", key=name.lower(), name=name)


def hold(followed_list: FollowedList, held: Title, **fields) -> ListItem:
    fields.setdefault("identity", f"tmdb:{held.media_type}:{held.tmdb_id}")
    return ListItem.objects.create(
        followed_list=followed_list, title=held, title_text=held.title, **fields
    )


def sync_run(**fields) -> SyncRun:
    fields.setdefault("state", "succeeded")
    return SyncRun.objects.create(trigger="manual", **fields)


def outcome(run: SyncRun, about: Title, kind: str, **fields) -> Outcome:
    return Outcome.objects.create(run=run, title=about, label=about.title, kind=kind, **fields)


def ids_shown(response) -> list[int]:
    """The titles in the table, in order."""
    return [int(pk) for pk in re.findall(r'<tr id="title-(\d+)"', response.content.decode())]


def row_of(response, shown: Title) -> str:
    html = response.content.decode()
    start = html.index(f'<tr id="title-{shown.pk}"')
    return html[start : html.index("</tr>", start)]


def csv_rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", TITLES),
        ("get", CSV),
        ("post", reverse("lists:title_never", args=[1])),
        ("post", reverse("lists:title_retry", args=[1])),
    ],
)
def test_anonymous_people_are_sent_to_log_in(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith("/login/")


# --- what a row shows -------------------------------------------------------------------------


def test_a_row_shows_status_lists_last_outcome_and_links(admin_client):
    connect("http://seerr.local:5055/")
    dune = title(438631, title="Dune", year=2021, imdb_id="tt1160419", server_status="requested")
    watchlist, scifi, old = followed("Watchlist"), followed("Sci-fi"), followed("Old list")
    hold(watchlist, dune, matched_by="imdb")
    hold(scifi, dune)
    hold(old, dune, removed_at=timezone.now())
    earlier, latest = sync_run(), sync_run()
    outcome(earlier, dune, "not_found")
    outcome(latest, dune, "requested", matched_by="tmdb")

    row = row_of(admin_client.get(TITLES), dune)

    assert "Dune" in row and "(2021)" in row and "Movie" in row
    assert '<span class="badge ok">Requested</span>' in row
    assert f'href="{reverse("lists:edit", args=[watchlist.pk])}">Watchlist</a>' in row
    assert f'href="{reverse("lists:edit", args=[scifi.pk])}">Sci-fi</a>' in row
    assert "Old list" not in row  # the entry left that list
    assert f'href="{reverse("syncing:run", args=[latest.pk])}"' in row
    assert reverse("syncing:run", args=[earlier.pk]) + '"' not in row
    assert "Not found" not in row
    assert "Matched by TMDB id" in row  # the outcome's word wins over the list entry's
    assert 'href="http://seerr.local:5055/movie/438631"' in row
    assert 'href="https://www.imdb.com/title/tt1160419/"' in row
    assert 'href="https://www.themoviedb.org/movie/438631"' in row


def test_a_title_never_synced_shows_how_its_list_entry_was_matched(admin_client):
    connect("")
    show = title(1399, "tv", title="Game of Thrones")
    hold(followed("Shows"), show, matched_by="title_year")

    row = row_of(admin_client.get(TITLES), show)

    assert "Not synced yet" in row
    assert "Matched by Title and year" in row
    assert "Not checked yet" in row
    assert 'href="https://www.themoviedb.org/tv/1399"' in row
    assert "imdb.com" not in row  # no IMDb id known
    assert ">Server</a>" not in row  # no request server set


def test_a_title_marked_never_request_says_so_and_cannot_be_retried(admin_client):
    marked = title(1, never_request=True)

    row = row_of(admin_client.get(TITLES), marked)

    assert "Never request</span>" in row
    assert "Allow requests" in row
    assert re.search(r"<button[^>]*disabled[^>]*>Retry now", row)


def test_with_no_titles_the_page_says_how_to_get_some(admin_client):
    html = admin_client.get(TITLES).content.decode()
    assert "No titles yet" in html
    assert reverse("lists:add") in html


# --- search and filters -----------------------------------------------------------------------


@pytest.fixture
def catalogue():
    """A few titles that differ in one way each."""
    watchlist, other = followed("Watchlist"), followed("Other")
    items = {
        "dune": title(438631, title="Dune", year=2021, imdb_id="tt1160419"),
        "dune_old": title(841, title="Dune", year=1984, server_status="available"),
        "war": title(530915, title="1917", year=2019, server_status="requested"),
        "show": title(1917, "tv", title="Severance", year=2022),
        "never": title(603, title="The Matrix", year=1999, never_request=True),
    }
    hold(watchlist, items["dune"])
    hold(watchlist, items["show"])
    hold(other, items["war"])
    hold(other, items["never"], removed_at=timezone.now())
    items["watchlist"], items["other"] = watchlist, other
    return items


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "dune"}, ["dune_old", "dune"]),
        ({"q": "tt1160419"}, ["dune"]),
        ({"q": "TT1160419"}, ["dune"]),
        ({"q": "1917"}, ["war", "show"]),  # the title "1917", and the show with TMDB id 1917
        ({"q": "603"}, ["never"]),
        ({"status": "available"}, ["dune_old"]),
        ({"media_type": "tv"}, ["show"]),
        ({"never": "on"}, ["never"]),
        ({"q": "dune", "status": "unchecked"}, ["dune"]),
    ],
)
def test_search_and_filters_narrow_the_titles(admin_client, catalogue, query, expected):
    response = admin_client.get(TITLES, query)
    assert ids_shown(response) == [catalogue[key].pk for key in expected]


def test_the_list_filter_shows_what_a_list_holds_now(admin_client, catalogue):
    watchlist, other = catalogue["watchlist"], catalogue["other"]
    hold(watchlist, catalogue["dune"], identity="imdb:tt1160419")  # a second entry, same title

    on_watchlist = ids_shown(admin_client.get(TITLES, {"list": watchlist.pk}))
    on_other = ids_shown(admin_client.get(TITLES, {"list": other.pk}))

    assert on_watchlist == [catalogue["dune"].pk, catalogue["show"].pk]  # once each
    assert on_other == [catalogue["war"].pk]  # not the entry that was removed


def test_a_filter_value_that_does_not_fit_is_ignored(admin_client, catalogue):
    response = admin_client.get(TITLES, {"status": "bogus", "list": "x", "sort": "nope"})
    assert len(ids_shown(response)) == 5


def test_a_search_that_matches_nothing_says_so(admin_client, catalogue):
    html = admin_client.get(TITLES, {"q": "zzz"}).content.decode()
    assert "No titles match" in html


# --- sorting and pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("", ["a", "b", "c"]),
        ("title", ["a", "b", "c"]),
        ("-title", ["c", "b", "a"]),
        ("year", ["b", "c", "a"]),
        ("-year", ["a", "c", "b"]),
        ("server_status", ["c", "a", "b"]),
        ("-created_at", ["a", "c", "b"]),
        ("-status_checked_at", ["b", "a", "c"]),
    ],
)
def test_sorting(admin_client, sort, expected):
    now = timezone.now()
    made = {
        "a": title(1, title="Alien", year=2020, created_at=now, server_status="missing"),
        "b": title(2, title="Brazil", year=1985, created_at=now - timedelta(days=2)),
        "c": title(3, title="Cube", year=1997, created_at=now - timedelta(days=1)),
    }
    made["c"].server_status = "available"
    made["a"].status_checked_at = now - timedelta(hours=2)
    made["b"].status_checked_at = now - timedelta(hours=1)
    made["c"].status_checked_at = now - timedelta(hours=3)
    for each in made.values():
        each.save()

    response = admin_client.get(TITLES, {"sort": sort} if sort else {})

    assert ids_shown(response) == [made[key].pk for key in expected]


def test_fifty_titles_a_page(admin_client):
    Title.objects.bulk_create(
        Title(media_type="movie", tmdb_id=n, title=f"Film {n:03}") for n in range(1, 121)
    )

    first = admin_client.get(TITLES)
    third = admin_client.get(TITLES, {"page": 3, "q": "film"})

    assert len(ids_shown(first)) == 50
    assert "120 titles" in first.content.decode()
    assert [Title.objects.get(pk=pk).title for pk in ids_shown(third)] == [
        f"Film {n:03}" for n in range(101, 121)
    ]
    assert "Page 3 of 3" in third.content.decode()
    assert 'href="?page=2&amp;q=film"' in third.content.decode()  # previous page keeps the search


def test_an_htmx_request_gets_only_the_results(admin_client, catalogue):
    response = admin_client.get(TITLES, {"q": "dune"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="title-results"' not in html  # the part that goes inside it
    assert ids_shown(response) == [catalogue["dune_old"].pk, catalogue["dune"].pk]


def test_a_history_restore_gets_the_whole_page(admin_client, catalogue):
    response = admin_client.get(TITLES, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<html" in response.content.decode()


def test_headers_sort_the_other_way_and_the_export_keeps_the_filters(admin_client, catalogue):
    html = admin_client.get(TITLES, {"q": "dune", "sort": "title", "page": 1}).content.decode()

    assert 'aria-sort="ascending"><a href="?q=dune&amp;sort=-title">Title ↑</a>' in html
    assert 'href="?q=dune&amp;sort=server_status">Server status </a>' in html
    assert 'href="/titles/export.csv?q=dune&amp;sort=title"' in html


def test_the_full_page_has_the_filter_form_wired_to_htmx(admin_client):
    html = admin_client.get(TITLES).content.decode()
    assert "<html" in html
    assert 'hx-get="/titles/"' in html and 'hx-target="#title-results"' in html
    assert 'hx-trigger="change, keyup changed delay:300ms from:input[type=search]"' in html
    assert 'hx-push-url="true"' in html


def fill(count: int) -> None:
    """`count` titles, each on two lists with two outcomes."""
    lists = [followed("One"), followed("Two")]
    runs = [sync_run(), sync_run()]
    for n in range(1, count + 1):
        made = title(n, imdb_id=f"tt{n:07}")
        for each in lists:
            hold(each, made, matched_by="imdb")
        for run in runs:
            outcome(run, made, "requested", matched_by="imdb")


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_takes_the_same_few_queries_however_many_titles(
    admin_client, django_assert_num_queries, count
):
    connect("http://seerr.local")
    fill(count)
    # session, user, the lists for the filter, the request server, count, titles, their lists,
    # their last outcomes
    with django_assert_num_queries(8):
        response = admin_client.get(TITLES)
    assert len(ids_shown(response)) == count


# --- CSV --------------------------------------------------------------------------------------


def test_the_csv_has_every_matching_title_with_its_details(admin_client):
    connect("http://seerr.local")
    watchlist, scifi = followed("Watchlist"), followed("Sci-fi")
    dune = title(438631, title="Dune", year=2021, imdb_id="tt1160419", server_status="requested")
    hold(watchlist, dune)
    hold(scifi, dune)
    run = sync_run()
    outcome(run, dune, "requested", matched_by="imdb")
    Title.objects.bulk_create(
        Title(media_type="tv", tmdb_id=n, title=f"Show {n}") for n in range(1, 61)
    )

    response = admin_client.get(CSV, {"media_type": "movie", "page": 1})
    everything = csv_rows(admin_client.get(CSV))

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    (row,) = csv_rows(response)
    assert row == {
        "title": "Dune",
        "year": "2021",
        "media_type": "movie",
        "tmdb_id": "438631",
        "imdb_id": "tt1160419",
        "tvdb_id": "",
        "server_status": "requested",
        "never_request": "no",
        "lists": "Sci-fi; Watchlist",
        "last_outcome": "requested",
        "last_outcome_at": Outcome.objects.get().created_at.isoformat(),
        "matched_by": "IMDb id",
    }
    assert len(everything) == 61  # every row, not one page


def test_the_csv_follows_the_search_and_sort(admin_client):
    for n, name in enumerate(["Alpha", "Beta", "Alphaville"], start=1):
        title(n, title=name)

    rows = csv_rows(admin_client.get(CSV, {"q": "alpha", "sort": "-title"}))

    assert [r["title"] for r in rows] == ["Alphaville", "Alpha"]


def test_the_csv_defuses_cells_a_spreadsheet_would_run(admin_client):
    title(1, title='=HYPERLINK("http://evil")')
    title(2, title="+1")
    title(3, title="-2")
    title(4, title="@SUM(A1)")
    title(5, title="Fine = fine")

    names = sorted(r["title"] for r in csv_rows(admin_client.get(CSV)))

    assert names == ["'+1", "'-2", '\'=HYPERLINK("http://evil")', "'@SUM(A1)", "Fine = fine"]


# --- never request ----------------------------------------------------------------------------


def test_never_request_toggles_and_htmx_gets_the_row(admin_client):
    marked = title(1, title="Cats", year=2019)
    url = reverse("lists:title_never", args=[marked.pk])

    response = admin_client.post(url, **HTMX)

    marked.refresh_from_db()
    assert marked.never_request
    html = response.content.decode()
    assert html.strip().startswith("<tr") and "<html" not in html
    assert "Cats (2019) will never be requested." in html
    assert "Allow requests" in html

    admin_client.post(url, **HTMX)
    marked.refresh_from_db()
    assert not marked.never_request


def test_never_request_sets_the_value_sent_so_a_double_click_does_no_harm(admin_client):
    marked = title(1)
    url = reverse("lists:title_never", args=[marked.pk])

    admin_client.post(url, {"never": "1"})
    admin_client.post(url, {"never": "1"})

    marked.refresh_from_db()
    assert marked.never_request


def test_never_request_without_htmx_goes_back_with_a_message(admin_client):
    marked = title(1, title="Cats")
    url = reverse("lists:title_never", args=[marked.pk])

    response = admin_client.post(url, {"next": "/titles/?q=cats"}, follow=True)

    assert response.redirect_chain == [("/titles/?q=cats", 302)]
    assert "Cats will never be requested." in response.content.decode()


def test_never_request_does_not_go_back_to_another_site(admin_client):
    marked = title(1)
    url = reverse("lists:title_never", args=[marked.pk])

    response = admin_client.post(url, {"next": "https://evil.example/"})

    assert response.url == TITLES


def test_actions_answer_only_posts_about_titles_that_exist(admin_client):
    assert admin_client.get(reverse("lists:title_never", args=[1])).status_code == 405
    assert admin_client.post(reverse("lists:title_retry", args=[99])).status_code == 404


# --- retry now --------------------------------------------------------------------------------


def test_retry_forgets_the_server_answer_and_queues_a_sync(admin_client):
    checked = timezone.now()
    declined = title(1, title="Cats", server_status="declined", status_checked_at=checked)
    item = hold(followed("Watchlist"), declined, resolve_checked_at=checked)
    untouched = title(2, server_status="available", status_checked_at=checked)

    response = admin_client.post(reverse("lists:title_retry", args=[declined.pk]), **HTMX)

    declined.refresh_from_db()
    item.refresh_from_db()
    untouched.refresh_from_db()
    assert declined.server_status == ServerStatus.UNCHECKED
    assert declined.status_checked_at is None
    assert item.resolve_checked_at is None
    assert untouched.server_status == "available" and untouched.status_checked_at == checked
    assert OrmQ.objects.count() == 1
    html = response.content.decode()
    assert "A sync is queued" in html and "Not checked yet" in html


def test_retry_without_htmx_goes_back_with_a_message(admin_client):
    declined = title(1, title="Cats", server_status="declined")

    response = admin_client.post(
        reverse("lists:title_retry", args=[declined.pk]), {"next": "/titles/?page=2"}, follow=True
    )

    assert response.redirect_chain == [("/titles/?page=2", 302)]
    assert "it asks the server about Cats again" in response.content.decode()


def test_retry_refuses_a_title_marked_never_request(admin_client):
    checked = timezone.now()
    marked = title(
        1, title="Cats", never_request=True, server_status="declined", status_checked_at=checked
    )

    response = admin_client.post(reverse("lists:title_retry", args=[marked.pk]), follow=True)

    marked.refresh_from_db()
    assert marked.server_status == "declined" and marked.status_checked_at == checked
    assert OrmQ.objects.count() == 0
    assert "Cats is marked “never request”" in response.content.decode()
