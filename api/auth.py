"""How an API view is called: its HTTP methods, its token, and its errors, all as JSON.

Only an `Authorization: Bearer <token>` header authenticates the API; the session cookie of the
web pages does not. That is why the API views need no CSRF token (a browser sends no such
header to another site on its own) and are exempt from the login the web pages require."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from api.models import ApiToken

View = Callable[..., HttpResponse]


class ApiError(Exception):
    """Ends an API call with this status and {"error": message}."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def token_of(request: HttpRequest) -> ApiToken:
    """The API token the request is made with; ApiError(401) saying what is missing."""
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    if not scheme:
        raise ApiError(
            401,
            "This needs an API token: send the header “Authorization: Bearer <token>”. "
            f"Make a token on the API tokens page ({reverse('api:tokens')}).",
        )
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "Send the API token as “Authorization: Bearer <token>”.")
    token = ApiToken.find(secret.strip())
    if token is None:
        raise ApiError(
            401, "That API token is not valid: it was revoked or mistyped, or its user is inactive."
        )
    return token


def unauthorized(message: str) -> JsonResponse:
    response = error_response(401, message)
    response["WWW-Authenticate"] = 'Bearer realm="ListSync API"'
    return response


def endpoint(*methods: str, public: bool = False) -> Callable[[View], View]:
    """An API view answering `methods`, with a valid token unless `public`. The view raises
    ApiError (or Http404) to answer with an error."""

    def decorate(view: View) -> View:
        @wraps(view)
        def api_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = error_response(
                    405, f"{request.method} is not allowed here; use {' or '.join(methods)}."
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                if not public:
                    token = token_of(request)
                    token.mark_used()
                    request.user = token.user
                return view(request, *args, **kwargs)
            except ApiError as exc:
                if exc.status == 401:
                    return unauthorized(exc.message)
                return error_response(exc.status, exc.message)
            except Http404 as exc:
                return error_response(404, str(exc) or "Not found.")

        return csrf_exempt(login_not_required(api_view))

    return decorate
