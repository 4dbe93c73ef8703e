"""Web benchmark: the pages' server time with a big history in the database.

    .venv/bin/python benchmarks/web_benchmark.py [--titles 100000] [--outcomes 1000000]
                                                 [--repeat 15]

Fills a fresh SQLite database (in a temporary folder, the settings ListSync ships with) with
`--titles` titles on 20 lists and `--outcomes` outcomes spread over 1,000 runs and 90 days, then
renders each page through Django's test client (URL routing, middleware, session, queries,
templates; no network) and prints the median and the worst of `--repeat` renders after one
warm-up. The target: dashboard and titles page ≤ 100 ms each.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LISTS = 20
RUNS = 1000
KINDS = [
    ("already_available", 45),
    ("already_requested", 30),
    ("requested", 12),
    ("skipped", 5),
    ("not_found", 5),
    ("failed", 3),
]
STATUSES = ["available", "requested", "missing", "partially_available", "declined"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--outcomes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    os.environ["LISTSYNC_DATA_DIR"] = tempfile.mkdtemp(prefix="listsync-web-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "listsync.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    fill(args.titles, args.outcomes)
    print(
        f"Filled {args.titles:,} titles and {args.outcomes:,} outcomes "
        f"in {time.perf_counter() - started:.0f} s\n"
    )
    measure_pages(args.repeat)


def fill(titles: int, outcomes: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from lists.models import FollowedList, ListItem, Title
    from syncing.models import ServerConnection, SyncRun

    rng = random.Random(7)
    now = timezone.now()
    connection_row = ServerConnection.get()
    connection_row.url, connection_row.api_key = "http://seerr.invalid:5055", "bench-key"
    connection_row.save()
    with transaction.atomic():
        lists = FollowedList.objects.bulk_create(
            FollowedList(source="trakt", key=f"user/list-{n}", name=f"List {n}")
            for n in range(LISTS)
        )
        Title.objects.bulk_create(
            (
                Title(
                    media_type="movie" if n % 3 else "tv",
                    tmdb_id=n + 1,
                    imdb_id=f"tt{n + 1:07d}",
                    title=f"Title {rng.randrange(10**6):06d} {n}",
                    year=1950 + n % 75,
                    server_status=STATUSES[n % len(STATUSES)],
                    status_checked_at=now - timedelta(hours=n % 48),
                    created_at=now - timedelta(minutes=n),
                )
                for n in range(titles)
            ),
            batch_size=5000,
        )
        title_ids = list(Title.objects.values_list("id", flat=True))
        ListItem.objects.bulk_create(
            (
                ListItem(
                    followed_list=lists[n % LISTS],
                    title_id=title_id,
                    identity=f"tmdb:{title_id}",
                    position=n // LISTS,
                    tmdb_id=title_id,
                    matched_by="tmdb",
                )
                for n, title_id in enumerate(title_ids)
            ),
            batch_size=5000,
        )
        item_of = dict(ListItem.objects.values_list("title_id", "id"))
        per_run = max(1, outcomes // RUNS)
        per_list = {kind: per_run * share // 100 // LISTS for kind, share in KINDS}
        runs = SyncRun.objects.bulk_create(
            SyncRun(
                trigger="schedule",
                state="succeeded",
                started_at=now - timedelta(hours=90 * 24 * (RUNS - n) / RUNS),
                finished_at=now
                - timedelta(hours=90 * 24 * (RUNS - n) / RUNS)
                + timedelta(seconds=30 + n % 50),
                total=per_run,
                done=per_run,
                counts={kind: per_run * share // 100 for kind, share in KINDS},
                list_counts={str(followed.pk): per_list for followed in lists},
            )
            for n in range(RUNS)
        )
        kinds = [kind for kind, share in KINDS for _ in range(share)]
        rows = []
        with connection.cursor() as cursor:
            for run in runs:
                for k in range(per_run):
                    title_id = title_ids[(run.pk * per_run + k) % len(title_ids)]
                    rows.append(
                        (
                            run.pk,
                            title_id,
                            item_of[title_id],
                            f"Title {title_id}",
                            kinds[k % len(kinds)],
                            "tmdb",
                            "[]",
                            "",
                            run.started_at,
                        )
                    )
                if len(rows) >= 50_000:
                    insert_outcomes(cursor, rows)
                    rows = []
            insert_outcomes(cursor, rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def insert_outcomes(cursor, rows: list[tuple]) -> None:
    cursor.executemany(
        "INSERT INTO syncing_outcome (run_id, title_id, list_item_id, label, kind, matched_by,"
        " seasons, message, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        rows,
    )


def measure_pages(repeat: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from syncing.models import SyncRun

    user = get_user_model().objects.create_superuser("bench", password="bench-password-1")
    client = Client()
    client.force_login(user)
    last_run = SyncRun.objects.first()
    assert last_run is not None
    pages = [
        ("dashboard", "/", True),
        ("titles, page 1", "/titles/", True),
        ("titles, page 500", "/titles/?page=500", False),
        ("titles, status filter", "/titles/?status=requested", False),
        ("titles, list filter", "/titles/?list=3", False),
        ("titles, search", "/titles/?q=12345", False),
        ("titles, sort by last check", "/titles/?sort=-status_checked_at", False),
        ("history", "/runs/", False),
        ("a run (1,000 outcomes)", f"/runs/{last_run.pk}/", False),
        ("lists", "/lists/", False),
        ("analytics (30 days)", "/analytics/", False),
    ]
    print(f"{'page':<30} {'median ms':>10} {'worst ms':>9} {'queries':>8}  target")
    for name, url, targeted in pages:
        assert client.get(url).status_code == 200, url
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
        median = statistics.median(times)
        verdict = ("ok" if median <= 100 else "OVER") + " (≤ 100 ms)" if targeted else ""
        print(f"{name:<30} {median:>10.1f} {max(times):>9.1f} {len(queries):>8}  {verdict}")


if __name__ == "__main__":
    main()
