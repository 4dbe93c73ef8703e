"""The Titles page: every title ListSync knows, what the request server said about it, the
lists that hold it and what the last sync did with it; a CSV export of the same rows, and two
actions per title (never request it, ask the server again now).

Built to stay fast with 100,000 titles and a million outcomes: the page's filters and sorts are
backed by indexes, and the details of a page (its lists, its last outcomes) are fetched in one
query each, for that page's titles only."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from lists.models import FollowedList, ListItem, MediaType, ServerStatus, Title
from listsync.types import HtmxHttpRequest
from listsync.views import local_next
from syncing.jobs import enqueue_sync
from syncing.models import MatchedBy, Outcome, OutcomeKind, ServerConnection

PAGE_SIZE = 50
CSV_BATCH = 500  # titles per batch of the export (ids well under SQLite's parameter limit)

# The sorts of ?sort= ("-" in front: descending), named after the field they sort by first;
# each ends with the id so rows never swap places between pages.
SORTS: dict[str, tuple[str, ...]] = {
    "title": ("title", "year", "id"),
    "year": ("year", "title", "id"),
    "server_status": ("server_status", "title", "year", "id"),
    "created_at": ("created_at", "id"),
    "status_checked_at": ("status_checked_at", "id"),
}
SORT_CHOICES = [
    ("title", "Title A–Z"),
    ("-title", "Title Z–A"),
    ("-year", "Year, newest first"),
    ("year", "Year, oldest first"),
    ("server_status", "Server status"),
    ("-server_status", "Server status, reversed"),
    ("-created_at", "Recently added"),
    ("created_at", "Added longest ago"),
    ("-status_checked_at", "Recently checked"),
    ("status_checked_at", "Checked longest ago"),
]
DEFAULT_SORT = "title"
SORTABLE_COLUMNS = ("title", "server_status")  # the other sorts are in the menu only

IMDB_ID = re.compile(r"tt\d{1,12}", re.IGNORECASE)
TMDB_ID = re.compile(r"\d{1,9}", re.ASCII)  # short enough to never overflow the column

# The fields str(FollowedList) uses.
LIST_NAME = ("name", "url", "source", "key")

# The CSV's columns: these fields of the title as stored, then what the page shows beside it.
CSV_TITLE_FIELDS = (
    "title",
    "year",
    "media_type",
    "tmdb_id",
    "imdb_id",
    "tvdb_id",
    "server_status",
    "never_request",
)
CSV_COLUMNS = [*CSV_TITLE_FIELDS, "lists", "last_outcome", "last_outcome_at", "matched_by"]
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class TitleFilters(forms.Form):
    """The search, filters and sort of the page (and of its CSV). Lenient: a value that does
    not fit is ignored, so an old bookmark still opens."""

    q = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.SearchInput(
            attrs={"placeholder": "Title, IMDb id (tt…) or TMDB id", "aria-label": "Search"}
        ),
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any server status"), *ServerStatus.choices],
        widget=forms.Select(attrs={"aria-label": "Server status"}),
    )
    list = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"aria-label": "List"}),
    )
    media_type = forms.ChoiceField(
        required=False,
        choices=[("", "Movies and shows"), *MediaType.choices],
        widget=forms.Select(attrs={"aria-label": "Media type"}),
    )
    never = forms.BooleanField(required=False, label="Never request only")
    sort = forms.ChoiceField(
        required=False,
        choices=SORT_CHOICES,
        widget=forms.Select(attrs={"aria-label": "Sort"}),
    )

    def __init__(self, data: QueryDict, lists: dict[int, str]) -> None:
        super().__init__(data)
        field = cast(forms.TypedChoiceField, self.fields["list"])
        field.choices = [("", "Any list"), *lists.items()]

    def filters(self) -> dict[str, Any]:
        """The search and filters given; a missing or unusable one is left out."""
        self.is_valid()
        return {n: v for n, v in self.cleaned_data.items() if v and n != "sort"}

    def sort_order(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("sort") or DEFAULT_SORT


def search_condition(text: str) -> Q:
    """An exact IMDb id (tt…) finds that title; otherwise words in the title, or a TMDB id
    (a number might be either: "1917")."""
    text = text.strip()
    if IMDB_ID.fullmatch(text):
        return Q(imdb_id=text.lower())
    condition = Q(title__icontains=text)
    if TMDB_ID.fullmatch(text):
        # By id through the (media_type, tmdb_id) index, so the title index alone can still
        # answer the rest: a plain "OR tmdb_id = n" reads every row.
        same_id = Title.objects.filter(media_type__in=MediaType.values, tmdb_id=int(text))
        condition |= Q(pk__in=same_id.values("pk"))
    return condition


def matching_titles(filters: dict[str, Any], sort: str) -> QuerySet[Title]:
    titles = Title.objects.all()
    if "q" in filters:
        titles = titles.filter(search_condition(filters["q"]))
    if "status" in filters:
        titles = titles.filter(server_status=filters["status"])
    if "media_type" in filters:
        titles = titles.filter(media_type=filters["media_type"])
    if "never" in filters:
        titles = titles.filter(never_request=True)
    if "list" in filters:
        # A subquery, not a join (a title a list holds twice would come out twice), and IN
        # rather than a correlated EXISTS, which SQLite runs once per title: 300 ms at 100k.
        held = ListItem.objects.filter(followed_list_id=filters["list"], removed_at__isnull=True)
        titles = titles.filter(pk__in=held.values("title_id"))
    descending = sort.startswith("-")
    columns = SORTS[sort.removeprefix("-")]
    return titles.order_by(*(f"-{c}" if descending else c for c in columns))


def sort_links(current: str) -> dict[str, dict[str, str]]:
    """For each sortable column of the table: the ?sort= its header links to, and how the
    rows are sorted by it now."""
    links = {}
    for key in SORTABLE_COLUMNS:
        if current == key:
            links[key] = {"param": f"-{key}", "aria": "ascending", "arrow": "↑"}
        elif current == f"-{key}":
            links[key] = {"param": key, "aria": "descending", "arrow": "↓"}
        else:
            links[key] = {"param": key, "aria": "none", "arrow": ""}
    return links


OUTCOME_LABELS = dict(OutcomeKind.choices)
MATCHED_BY_LABELS = dict(MatchedBy.choices)


@dataclass(frozen=True, slots=True)
class LastOutcome:
    run_id: int
    kind: str
    matched_by: str
    created_at: datetime

    @property
    def kind_label(self) -> str:
        return OUTCOME_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True, slots=True)
class Holder:
    """A followed list holding a title now, and how its entry was matched to the title."""

    list_id: int
    matched_by: str


def list_names() -> dict[int, str]:
    """Every followed list's name by id (they are few, so one query for all)."""
    return {f.pk: str(f) for f in FollowedList.objects.only(*LIST_NAME)}


def last_outcomes(title_ids: Sequence[int]) -> dict[int, LastOutcome]:
    """The newest outcome of each of these titles, in one query."""
    newest = (
        Outcome.objects.filter(title_id__in=title_ids)
        .values("title_id")
        .annotate(newest=Max("id"))
        .values("newest")
    )
    found = Outcome.objects.filter(id__in=newest).values_list(
        "title_id", "run_id", "kind", "matched_by", "created_at"
    )
    return {
        title_id: LastOutcome(run_id, kind, matched_by, created_at)
        for title_id, run_id, kind, matched_by, created_at in found
        if title_id is not None
    }


def holders(title_ids: Sequence[int]) -> dict[int, list[Holder]]:
    """The followed lists that hold these titles now, in one query."""
    found = ListItem.objects.filter(title_id__in=title_ids, removed_at__isnull=True).values_list(
        "title_id", "followed_list_id", "matched_by"
    )
    by_title: dict[int, list[Holder]] = defaultdict(list)
    for title_id, list_id, matched_by in found.order_by("id"):
        by_title[title_id].append(Holder(list_id, matched_by))
    return by_title


def held_by(found: Iterable[Holder], names: dict[int, str]) -> list[tuple[int, str]]:
    """(id, name) of the lists, each once, by name."""
    lists = {h.list_id: names[h.list_id] for h in found if h.list_id in names}
    return sorted(lists.items(), key=lambda pair: pair[1].casefold())


def how_matched(outcome: LastOutcome | None, found: Iterable[Holder]) -> str:
    """How the title was matched, as the last sync said, else as a list entry says."""
    code = outcome.matched_by if outcome else ""
    code = code or next((h.matched_by for h in found if h.matched_by), "")
    return MATCHED_BY_LABELS.get(code, code)


@dataclass
class TitleRow:
    """A title with what the page shows beside it."""

    title: Title
    lists: list[tuple[int, str]]
    last_outcome: LastOutcome | None
    matched_by: str
    server_url: str

    @property
    def server_link(self) -> str:
        if not self.server_url:
            return ""
        return f"{self.server_url}/{self.title.media_type}/{self.title.tmdb_id}"

    @property
    def imdb_link(self) -> str:
        return f"https://www.imdb.com/title/{self.title.imdb_id}/" if self.title.imdb_id else ""

    @property
    def tmdb_link(self) -> str:
        return f"https://www.themoviedb.org/{self.title.media_type}/{self.title.tmdb_id}"


def title_rows(titles: Sequence[Title], names: dict[int, str], server_url: str) -> list[TitleRow]:
    """The rows for these titles: two queries, however many titles."""
    ids = [t.pk for t in titles]
    found, outcomes = holders(ids), last_outcomes(ids)
    rows = []
    for title in titles:
        its_holders, outcome = found.get(title.pk, []), outcomes.get(title.pk)
        lists, matched_by = held_by(its_holders, names), how_matched(outcome, its_holders)
        rows.append(TitleRow(title, lists, outcome, matched_by, server_url))
    return rows


def server_url() -> str:
    return ServerConnection.get().url.rstrip("/")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


class Echo:
    """A file for csv.writer that hands each line back instead of storing it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(titles: QuerySet[Title], names: dict[int, str]) -> Iterator[str]:
    """The CSV of these titles, a batch of rows at a time. Plain values, not model objects:
    a hundred thousand rows come out several times faster."""
    writer = csv.writer(Echo())
    yield writer.writerow(CSV_COLUMNS)
    found = titles.values_list("pk", *CSV_TITLE_FIELDS).iterator(chunk_size=CSV_BATCH)
    while batch := list(islice(found, CSV_BATCH)):
        ids = [pk for pk, *_ in batch]
        lists, outcomes = holders(ids), last_outcomes(ids)
        lines = []
        for pk, *fields in batch:
            its_holders, outcome = lists.get(pk, []), outcomes.get(pk)
            fields[-1] = "yes" if fields[-1] else "no"  # never_request
            cells = [
                *fields,
                "; ".join(name for _, name in held_by(its_holders, names)),
                outcome.kind if outcome else "",
                outcome.created_at.isoformat() if outcome else "",
                how_matched(outcome, its_holders),
            ]
            lines.append(writer.writerow([safe_cell(c) for c in cells]))
        yield "".join(lines)


def forget_server_answer(title: Title) -> None:
    """Make the next sync ask the server about this title again instead of trusting what it
    said last time."""
    with transaction.atomic():
        title.server_status = ServerStatus.UNCHECKED
        title.status_checked_at = None
        title.save(update_fields=["server_status", "status_checked_at"])
        ListItem.objects.filter(title=title).update(resolve_checked_at=None)


def back_url(request: HttpRequest) -> str:
    """The local page named by `next` (the titles page with its filters), else the titles page."""
    return local_next(request, reverse("lists:titles"))


def answer(request: HtmxHttpRequest, title: Title, note: str, level: int) -> HttpResponse:
    """After an action: htmx gets the updated row (saying what happened), a plain form post a
    message and the page it came from."""
    back = back_url(request)
    if request.htmx:
        row = title_rows([title], list_names(), server_url())[0]
        context = {"row": row, "back": back, "note": note}
        return render(request, "lists/_titles_row.html", context)
    messages.add_message(request, level, note)
    return redirect(back)


@require_GET
def index(request: HtmxHttpRequest) -> HttpResponse:
    names = list_names()
    form = TitleFilters(request.GET, names)
    filters, sort = form.filters(), form.sort_order()
    page_obj = Paginator(matching_titles(filters, sort), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page_obj": page_obj,
        "rows": title_rows(list(page_obj.object_list), names, server_url()),
        "filtered": bool(filters),
        "sorting": sort_links(sort),
        "back": request.get_full_path(),
    }
    # A history restore (htmx's cache missed on "back") needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "lists/_titles_results.html" if partial else "lists/titles.html"
    return render(request, template, context)


@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    names = list_names()
    form = TitleFilters(request.GET, names)
    titles = matching_titles(form.filters(), form.sort_order())
    response = StreamingHttpResponse(
        csv_lines(titles, names), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="listsync-titles.csv"'
    return response


@require_POST
def never_request(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Set (never=1) or clear (never=0) "never request"; without `never`, flip it. Sending the
    wanted value makes a double click harmless."""
    title = get_object_or_404(Title, pk=pk)
    wanted = request.POST.get("never")
    title.never_request = wanted == "1" if wanted in ("0", "1") else not title.never_request
    title.save(update_fields=["never_request"])
    if title.never_request:
        note = f"{title} will never be requested."
    else:
        note = f"{title} can be requested again."
    return answer(request, title, note, messages.SUCCESS)


@require_POST
def retry(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    title = get_object_or_404(Title, pk=pk)
    if title.never_request:
        note = f"{title} is marked “never request”: clear that first to request it."
        return answer(request, title, note, messages.WARNING)
    forget_server_answer(title)
    enqueue_sync()
    note = f"A sync is queued; it asks the server about {title} again."
    return answer(request, title, note, messages.SUCCESS)
