"""Placeholder: the lists pages are being written."""

from django.http import Http404, HttpRequest, HttpResponse


def index(request: HttpRequest) -> HttpResponse:
    raise Http404


add = edit = delete = index
