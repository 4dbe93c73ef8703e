from datetime import timedelta

import pytest
from django.utils import timezone

from lists.models import ListItem
from lists.services import store_items
from providers import Item
from tests.factories import manual_list

pytestmark = pytest.mark.django_db


def current(followed):
    return list(
        ListItem.objects.filter(followed_list=followed, removed_at__isnull=True)
        .order_by("position")
        .values_list("identity", flat=True)
    )


def test_new_entries_are_added_and_seen_ones_touched():
    followed = manual_list("tt0000001")
    first = timezone.now()
    store_items(followed, [Item(imdb_id="tt0000001")], complete=True, now=first)
    later = first + timedelta(hours=1)
    store_items(
        followed, [Item(imdb_id="tt0000002"), Item(imdb_id="tt0000001")], complete=True, now=later
    )
    assert current(followed) == ["imdb:tt0000002", "imdb:tt0000001"]
    kept = ListItem.objects.get(followed_list=followed, identity="imdb:tt0000001")
    assert (kept.first_seen, kept.last_seen, kept.position) == (first, later, 1)


def test_only_a_complete_fetch_marks_entries_removed():
    followed = manual_list("tt0000001")
    now = timezone.now()
    both = [Item(imdb_id="tt0000001"), Item(imdb_id="tt0000002")]
    store_items(followed, both, complete=True, now=now)
    store_items(followed, both[:1], complete=False, now=now)
    assert len(current(followed)) == 2
    store_items(followed, both[:1], complete=True, now=now)
    assert current(followed) == ["imdb:tt0000001"]
    store_items(followed, both, complete=True, now=now)
    assert len(current(followed)) == 2  # back on the list


def test_an_entry_twice_in_one_list_is_kept_once():
    followed = manual_list("tt0000001")
    store_items(
        followed,
        [Item(imdb_id="tt0000001"), Item(imdb_id="tt0000001")],
        complete=True,
        now=timezone.now(),
    )
    assert current(followed) == ["imdb:tt0000001"]
