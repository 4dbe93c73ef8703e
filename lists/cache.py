"""The database behind FetchContext.cache."""

from __future__ import annotations

from typing import Any

from lists.models import SourceCache


class DatabaseCache:
    def get_many(self, source: str, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for start in range(0, len(keys), 500):
            rows = SourceCache.objects.filter(source=source, key__in=keys[start : start + 500])
            found.update({row.key: row.data for row in rows})
        return found

    def put(self, source: str, key: str, data: Any) -> None:
        SourceCache.objects.update_or_create(source=source, key=key, defaults={"data": data})
