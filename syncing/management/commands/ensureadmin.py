import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the admin from LISTSYNC_ADMIN_USER / LISTSYNC_ADMIN_PASSWORD if there is none; "
        "without a password, generate one and print it once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        if users.filter(is_superuser=True).exists():
            return
        password = settings.LISTSYNC_ADMIN_PASSWORD or secrets.token_urlsafe(12)
        users.create_superuser(username=settings.LISTSYNC_ADMIN_USER, email="", password=password)
        if settings.LISTSYNC_ADMIN_PASSWORD:
            self.stdout.write(f"Created the admin {settings.LISTSYNC_ADMIN_USER!r}.")
        else:
            self.stdout.write(
                f"Created the admin {settings.LISTSYNC_ADMIN_USER!r} with the password "
                f"{password}\nIt is shown this once: note it, then change it after logging in."
            )
