from typing import Any

from django.core.management.base import BaseCommand

from lists.models import FollowedList


class Command(BaseCommand):
    help = "Show the followed lists."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = [("ID", "SOURCE", "NAME", "ITEMS", "ON", "LAST FETCHED", "LAST ERROR")]
        for followed in FollowedList.objects.all():
            fetched = followed.last_fetched_at
            rows.append(
                (
                    str(followed.pk),
                    followed.source,
                    str(followed)[:40],
                    str(followed.item_count),
                    "yes" if followed.enabled else "no",
                    f"{fetched:%Y-%m-%d %H:%M}" if fetched else "never",
                    followed.last_error[:60],
                )
            )
        if len(rows) == 1:
            self.stdout.write("No lists yet. Add one with: manage.py addlist URL_OR_ID")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
