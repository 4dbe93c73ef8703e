from typing import Any

from django.core.management.base import BaseCommand, CommandError

from syncing.models import ServerConnection
from syncing.seerr import SeerrClient, ServerProblem


class Command(BaseCommand):
    help = "Check the request server: which fork and version, and whether ListSync may request."

    def handle(self, *args: Any, **options: Any) -> None:
        connection = ServerConnection.get()
        if not connection.url:
            raise CommandError(
                "No request server is set: set LISTSYNC_SERVER_URL and LISTSYNC_SERVER_API_KEY."
            )
        with SeerrClient(connection.url, connection.api_key) as client:
            try:
                info = client.check(connection.default_user_id)
            except ServerProblem as exc:
                raise CommandError(str(exc)) from exc
        ServerConnection.objects.filter(pk=connection.pk).update(
            fork=info.fork, version=info.version
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{info.fork.capitalize()} {info.version} at {connection.url}: requests as "
                f"user {info.user_id} ({info.username or 'no name'})."
            )
        )
