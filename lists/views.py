"""The lists pages: the followed lists, following a new one (with a preview), editing one,
and no longer following one."""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

import providers
from lists.forms import AddListForm, ListOptionsForm
from lists.models import FollowedList, ListItem
from lists.services import preview_list
from listsync.types import HtmxHttpRequest
from providers import FetchError, Item, ListInputError
from providers.manual import parse_lines
from syncing.models import SyncSettings

ENTRIES_PER_PAGE = 50
PREVIEW_ITEMS = 25
# What the empty state and the add page list as accepted input, in this order.
SOURCES: list[providers.Provider | providers.Manual] = [
    *providers.PROVIDERS.values(),
    providers.MANUAL,
]


def source_label(source: str) -> str:
    provider = providers.PROVIDERS.get(source)
    if provider:
        return provider.label
    return "Manual" if source == "manual" else source


@dataclass(frozen=True)
class ListRow:
    """A followed list as the pages show it."""

    followed: FollowedList
    source_label: str
    # "bad" when the last fetch failed, "warn" when it worked but had something to say.
    problem_tone: str

    @classmethod
    def of(cls, followed: FollowedList) -> ListRow:
        tone = ""
        if followed.last_error:
            # refresh_list stamps a successful fetch's warnings with the fetch's own time.
            fetched_then = followed.last_error_at == followed.last_fetched_at
            tone = "warn" if fetched_then else "bad"
        return cls(followed, source_label(followed.source), tone)


@dataclass
class ListPreview:
    """What following the list would read, or why it cannot be read."""

    error: str = ""
    source_label: str = ""
    url: str = ""
    name: str = ""
    count: int = 0
    route: str = ""
    complete: bool = True
    warnings: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


def preview_of(form: AddListForm) -> ListPreview:
    """Read the list the form names (typed lines for a manual list), without following it."""
    form.is_valid()
    if form.ref is None:
        return ListPreview(error=" ".join(map(str, form["list_input"].errors)))
    label = source_label(form.ref.source)
    if form.is_manual:
        items, warnings = parse_lines(form.cleaned_data["manual_items"])
        name = form.cleaned_data.get("name") or "Manual list"
        return ListPreview(
            source_label=label,
            name=name,
            count=len(items),
            route="manual",
            warnings=warnings,
            items=items[:PREVIEW_ITEMS],
        )
    try:
        result = preview_list(form.cleaned_data["list_input"], SyncSettings.get().source_keys())
    except (ListInputError, FetchError) as exc:
        return ListPreview(error=str(exc), source_label=label, url=form.ref.url)
    return ListPreview(
        source_label=label,
        url=form.ref.url,
        name=result.name,
        count=len(result.items),
        route=result.route,
        complete=result.complete,
        warnings=result.warnings,
        items=result.items[:PREVIEW_ITEMS],
    )


def current_entries(followed: FollowedList, page_number: str | None) -> Page[ListItem]:
    entries = followed.items.filter(removed_at__isnull=True).select_related("title")
    return Paginator(entries.order_by("position", "pk"), ENTRIES_PER_PAGE).get_page(page_number)


def say_left_out(request: HttpRequest, warnings: list[str]) -> None:
    if warnings:
        lines = "; ".join(warnings[:5]) + ("; …" if len(warnings) > 5 else "")
        what = "1 line that is not a title" if len(warnings) == 1 else f"{len(warnings)} lines"
        messages.warning(request, f"Left out {what}: {lines}")


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    rows = [ListRow.of(followed) for followed in FollowedList.objects.all()]
    return render(request, "lists/index.html", {"rows": rows, "sources": SOURCES})


@require_http_methods(["GET", "POST"])
def add(request: HtmxHttpRequest) -> HttpResponse:
    form = AddListForm(request.POST or None)
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        preview = preview_of(form)
        if request.htmx:
            return render(request, "lists/_preview.html", {"preview": preview})
    elif form.is_valid() and (outcome := form.follow()):
        followed, warnings = outcome
        messages.success(
            request,
            f"Now following {followed}. Its titles are read at the next sync; "
            "press “Sync this list” to read them now.",
        )
        say_left_out(request, warnings)
        return redirect("lists:edit", pk=followed.pk)
    context = {"form": form, "preview": preview, "sources": SOURCES}
    return render(request, "lists/add.html", context)


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    followed = get_object_or_404(FollowedList, pk=pk)
    # The form edits a copy: the page's facts stay the stored ones while the form has errors.
    form = ListOptionsForm(request.POST or None, instance=copy(followed))
    if form.is_valid():
        saved = form.save()
        messages.success(request, f"Saved the options of {saved}.")
        say_left_out(request, form.line_warnings)
        return redirect("lists:edit", pk=pk)
    page_obj = current_entries(followed, request.GET.get("page"))
    context = {"form": form, "row": ListRow.of(followed), "page_obj": page_obj}
    return render(request, "lists/edit.html", context)


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    followed = get_object_or_404(FollowedList, pk=pk)
    entries = followed.items.count()
    if request.method == "POST":
        followed.delete()
        messages.success(
            request, f"No longer following {followed}; its {entries} entries were deleted."
        )
        return redirect("lists:index")
    return render(request, "lists/delete.html", {"followed": followed, "entries": entries})
