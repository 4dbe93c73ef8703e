"""Small builders for test data, so each test says only what matters to it."""

from __future__ import annotations

from typing import Any

from lists.models import FollowedList, Title
from lists.services import add_list
from syncing.models import ServerConnection


def manual_list(*lines: str, **options: Any) -> FollowedList:
    followed, _ = add_list("manual", manual_items="\n".join(lines), **options)
    return followed


def title(tmdb_id: int, media_type: str = "movie", **fields: Any) -> Title:
    fields.setdefault("title", f"Title {tmdb_id}")
    return Title.objects.create(media_type=media_type, tmdb_id=tmdb_id, **fields)


def connect(url: str, api_key: str = "sandbox-key", **fields: Any) -> ServerConnection:
    connection = ServerConnection.get()
    connection.url, connection.api_key = url, api_key
    for name, value in fields.items():
        setattr(connection, name, value)
    connection.save()
    return connection
