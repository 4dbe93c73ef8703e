"""Schemathesis against the API's own OpenAPI document, through Django's real WSGI application:
for every operation, inputs made from the document (valid ones, and invalid ones that must be
refused with a 4xx) never get a 5xx, and every answer matches the document."""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.models import ApiToken
from syncing.checks import SOURCE_URL_SETTINGS
from syncing.models import Outcome, OutcomeKind, SyncRun
from tests.factories import manual_list, title

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens on the discard port: fetches fail at once


@pytest.fixture
def api_schema(db, settings):
    """The document as the app serves it, with valid and invalid inputs generated."""
    from listsync.wsgi import application

    # A valid list URL in a preview must not reach the real sites (nor start a browser).
    for name in SOURCE_URL_SETTINGS:
        setattr(settings, name, UNREACHABLE)
    settings.LISTSYNC_CHROMIUM_PATH = "/nonexistent/chromium"
    settings.LISTSYNC_HTTP_RETRIES = 0
    # The WSGI handler closes the database connection after each request, which would end the
    # test's transaction: Django's test client stops that the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    schema.config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
        deterministic=True,
    )
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def stored(django_user_model):
    """A token, and rows for the {id} paths to find: a list, a finished run with outcomes."""
    _, secret = ApiToken.issue(django_user_model.objects.create_user("schemathesis"), "fuzz")
    followed = manual_list("tt0133093", "tmdb:tv:1399")
    run = SyncRun.objects.create(trigger="manual", state="succeeded", counts={"requested": 1})
    Outcome.objects.create(
        run=run, title=title(603), label="The Matrix", kind=OutcomeKind.REQUESTED
    )
    return {"secret": secret, "list": followed.pk, "run": run.pk}


# What no schema can say: whether a text names a list, whether a manual list has a title, whether
# a server URL ends in /api/v1. Valid-looking input may be refused there; elsewhere it may not.
CHECKED_BEYOND_THE_SCHEMA = {
    "POST /api/lists/",
    "PATCH /api/lists/{id}/",
    "POST /api/lists/preview/",
    "PATCH /api/settings/",
}

schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hypothesis.settings(
    max_examples=40, suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture]
)
def test_the_api_answers_as_its_document_says(case, stored):
    generated_id = (case.path_parameters or {}).get("id")
    if isinstance(generated_id, int) and generated_id >= 0 and generated_id % 2:
        # Half the valid ids point at a stored row, so its answers are checked too.
        case.path_parameters["id"] = stored["run" if "/runs/" in case.path else "list"]
    excluded = (
        [positive_data_acceptance] if case.operation.label in CHECKED_BEYOND_THE_SCHEMA else []
    )
    if case.meta and case.meta.is_negative_at(ParameterLocation.HEADER):
        # The case itself leaves out or spoils the token: it must be refused as it is.
        case.call_and_validate(excluded_checks=excluded)
    else:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {stored['secret']}"}, excluded_checks=excluded
        )
