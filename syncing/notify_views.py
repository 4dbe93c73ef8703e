"""The notifications page: where and when to send what a sync did, and a test message."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from listsync.types import HtmxHttpRequest
from syncing.models import NotificationSettings
from syncing.notify import describe_targets, send_test
from syncing.notify_forms import NotificationSettingsForm


@require_http_methods(["GET", "POST"])
def notifications_page(request: HtmxHttpRequest) -> HttpResponse:
    stored = NotificationSettings.get()
    form = NotificationSettingsForm(request.POST or None, instance=stored)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Notification settings saved.")
        return redirect("syncing:notifications")
    # Read again: an invalid form has already put the typed (unsaved) values on `stored`.
    saved = NotificationSettings.get()
    context = {"form": form, "saved": saved, "sent_to": describe_targets(saved)}
    return render(request, "syncing/notifications.html", context)


@require_POST
def send_test_notification(request: HtmxHttpRequest) -> HttpResponse:
    """Send a test message to the saved targets and say exactly what happened."""
    problems = send_test()
    sent_to = describe_targets(NotificationSettings.get())
    if request.htmx:
        return render(
            request, "syncing/_notify_result.html", {"problems": problems, "sent_to": sent_to}
        )
    if problems:
        for problem in problems:
            messages.error(request, problem)
    else:
        messages.success(request, f"Test notification sent to {sent_to}.")
    return redirect("syncing:notifications")
