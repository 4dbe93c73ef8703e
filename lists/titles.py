"""Placeholder: the titles pages are being written."""

from django.http import Http404, HttpRequest, HttpResponse


def index(request: HttpRequest) -> HttpResponse:
    raise Http404


export_csv = never_request = retry = index
