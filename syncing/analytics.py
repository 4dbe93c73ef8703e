"""Placeholder: the analytics page are being written."""

from django.http import Http404, HttpRequest, HttpResponse


def page(request: HttpRequest) -> HttpResponse:
    raise Http404
