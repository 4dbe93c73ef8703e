from django.http import Http404, HttpRequest, HttpResponse


def placeholder(request: HttpRequest, pk: int = 0) -> HttpResponse:
    raise Http404


sync_now = runs = run = cancel = settings_page = test_connection = server_status = placeholder
