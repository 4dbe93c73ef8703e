"""The OpenAPI 3.1 document of the JSON API, built in code: the inputs come from the same Field
declarations the views check them with (api.inputs), so the two cannot drift apart."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from api import inputs
from api.outputs import OUTCOME_GROUP_KEYS
from lists.models import MediaType, ServerStatus
from syncing.models import (
    MAX_INTERVAL_MINUTES,
    MIN_INTERVAL_MINUTES,
    OutcomeKind,
    RunState,
    Trigger,
)

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
NUMBER: Schema = {"type": "number"}
STRINGS: Schema = {"type": "array", "items": STRING}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def obj(properties: dict[str, Schema], *, optional: Iterable[str] = (), **extra: Any) -> Schema:
    """An object with exactly these properties (all present unless `optional`)."""
    left_out = set(optional)
    required = [name for name in properties if name not in left_out]
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        **extra,
    }


def enum(values: Sequence[str], description: str = "") -> Schema:
    schema: Schema = {"type": "string", "enum": list(values)}
    return {**schema, "description": description} if description else schema


def body_of(
    fields: Iterable[inputs.Field], *, required: Iterable[str] = (), **extra: Any
) -> Schema:
    """A request body's schema, from the fields the view checks it with."""
    properties = {field.name: field.schema() for field in fields}
    return obj(properties, optional=set(properties) - set(required), **extra)


def page_of(name: str) -> Schema:
    return obj(
        {
            "count": {**INTEGER, "description": "Rows in all pages."},
            "page": INTEGER,
            "page_size": INTEGER,
            "pages": {**INTEGER, "description": "0 when there is no row."},
            "results": {"type": "array", "items": ref(name)},
        }
    )


DATETIME: Schema = {"type": "string", "format": "date-time"}
DATE: Schema = {"type": "string", "format": "date"}
LIST_REF = obj({"id": INTEGER, "name": STRING})

SCHEMAS: dict[str, Schema] = {
    "Error": obj({"error": {**STRING, "description": "What went wrong, for a person."}}),
    "Health": obj(
        {
            "status": enum(["ok", "error"]),
            "database": enum(["ok", "unreachable"]),
            "worker": enum(["ok", "not running"], "Whether queued syncs will run."),
        },
        optional=["worker"],
    ),
    "List": obj(
        {
            "id": INTEGER,
            "name": {**STRING, "description": "The name given in ListSync (may be empty)."},
            "display_name": {**STRING, "description": "The name the pages show."},
            "source": STRING,
            "source_label": STRING,
            "key": {**STRING, "description": "The list's id at its source."},
            "url": STRING,
            "enabled": BOOLEAN,
            "media_types": enum(["all", *MediaType.values]),
            "request_user_id": nullable(INTEGER),
            "is_4k": BOOLEAN,
            "seasons_policy": STRING,
            "manual_items": nullable({**STRING, "description": "Manual lists only."}),
            "created_at": DATETIME,
            "last_fetched_at": nullable(DATETIME),
            "last_fetch_route": STRING,
            "item_count": INTEGER,
            "last_error": STRING,
            "last_error_at": nullable(DATETIME),
        }
    ),
    "ListPage": obj({"count": INTEGER, "results": {"type": "array", "items": ref("List")}}),
    "ListSaved": obj(
        {
            "list": ref("List"),
            "warnings": {**STRINGS, "description": "Manual lines left out: not titles."},
        }
    ),
    "NewList": body_of(inputs.NEW_LIST, required=["url"]),
    "ListChanges": body_of(
        [*inputs.LIST_OPTIONS, inputs.MANUAL_ITEMS],
        description="The options to change; manual_items for manual lists only.",
    ),
    "ListText": body_of([inputs.LIST_TEXT], required=["url"]),
    "Validation": {
        "oneOf": [
            obj(
                {
                    "valid": {"const": True},
                    "source": STRING,
                    "source_label": STRING,
                    "key": STRING,
                    "url": STRING,
                    "followed_list_id": nullable(
                        {**INTEGER, "description": "The list, when it is followed already."}
                    ),
                }
            ),
            obj({"valid": {"const": False}, "message": STRING}),
        ]
    },
    "Item": obj(
        {
            "title": STRING,
            "year": nullable(INTEGER),
            "media_type": nullable(enum(MediaType.values)),
            "imdb_id": nullable(STRING),
            "tmdb_id": nullable(INTEGER),
            "tvdb_id": nullable(INTEGER),
        }
    ),
    "Preview": obj(
        {
            "source": STRING,
            "source_label": STRING,
            "url": STRING,
            "name": STRING,
            "route": {**STRING, "description": "How it was read: API, HTML, browser…"},
            "complete": {**BOOLEAN, "description": "false: only part of the list was read."},
            "count": {**INTEGER, "description": "Items read."},
            "warnings": STRINGS,
            "items": {"type": "array", "items": ref("Item"), "description": "The first items."},
        }
    ),
    "SyncRequest": body_of([inputs.SYNC_LIST]),
    "SyncQueued": obj({"queued": {"const": True}, "task_id": STRING, "list_id": nullable(INTEGER)}),
    "Worker": obj(
        {
            "alive": {**BOOLEAN, "description": "A worker (django-q2 cluster) is running."},
            "clusters": INTEGER,
            "queued": {**INTEGER, "description": "Jobs waiting for the worker."},
            "hosts": STRINGS,
        }
    ),
    "SyncStatus": obj(
        {
            "running": nullable(ref("Run")),
            "latest": nullable(ref("Run")),
            "waiting": {**BOOLEAN, "description": "A sync is queued and has not started."},
            "worker": ref("Worker"),
            "next_sync_at": nullable(DATETIME),
        }
    ),
    "Run": obj(
        {
            "id": INTEGER,
            "trigger": enum(Trigger.values),
            "state": enum(RunState.values),
            "dry_run": BOOLEAN,
            "list": nullable({**LIST_REF, "description": "Set when the run synced one list."}),
            "started_at": DATETIME,
            "finished_at": nullable(DATETIME),
            "duration_seconds": nullable(NUMBER),
            "total": {**INTEGER, "description": "Titles the run decides on."},
            "done": INTEGER,
            "counts": {
                "type": "object",
                "additionalProperties": INTEGER,
                "description": "Outcomes by kind.",
            },
            "error": STRING,
            "cancel_requested": BOOLEAN,
        }
    ),
    "RunPage": page_of("Run"),
    "Outcome": obj(
        {
            "id": INTEGER,
            "title_id": nullable(INTEGER),
            "list_id": nullable({**INTEGER, "description": "The list the entry came from."}),
            "label": STRING,
            "kind": enum(OutcomeKind.values),
            "matched_by": STRING,
            "seasons": {"type": "array", "items": INTEGER},
            "message": STRING,
            "created_at": DATETIME,
        }
    ),
    "OutcomePage": page_of("Outcome"),
    "RunDetail": obj({"run": ref("Run"), "outcomes": ref("OutcomePage")}),
    "CancelRequested": obj({"id": INTEGER, "cancel_requested": {"const": True}}),
    "Title": obj(
        {
            "id": INTEGER,
            "title": STRING,
            "year": nullable(INTEGER),
            "media_type": enum(MediaType.values),
            "tmdb_id": INTEGER,
            "imdb_id": nullable(STRING),
            "tvdb_id": nullable(INTEGER),
            "server_status": enum(ServerStatus.values),
            "status_checked_at": nullable(DATETIME),
            "never_request": BOOLEAN,
            "created_at": DATETIME,
            "lists": {"type": "array", "items": LIST_REF, "description": "Lists holding it now."},
            "last_outcome": nullable(
                obj(
                    {
                        "run_id": INTEGER,
                        "kind": enum(OutcomeKind.values),
                        "matched_by": STRING,
                        "created_at": DATETIME,
                    }
                )
            ),
            "matched_by": {**STRING, "description": "How it was matched, in words."},
            "links": obj({"server": nullable(STRING), "imdb": nullable(STRING), "tmdb": STRING}),
        }
    ),
    "TitlePage": page_of("Title"),
    "Analytics": obj(
        {
            "days": INTEGER,
            "since": DATE,
            "headline": obj(
                {
                    "requests": INTEGER,
                    "runs": INTEGER,
                    "success_rate": nullable({**INTEGER, "description": "Percent."}),
                    "median_seconds": nullable(NUMBER),
                    "p95_seconds": nullable(NUMBER),
                }
            ),
            "outcome_groups": {
                "type": "array",
                "items": obj({"key": STRING, "label": STRING, "kinds": STRINGS}),
            },
            "daily": {
                "type": "array",
                "items": obj(
                    {
                        "day": DATE,
                        "runs": INTEGER,
                        "outcomes": obj(dict.fromkeys(OUTCOME_GROUP_KEYS, INTEGER)),
                    }
                ),
            },
            "lists": {
                "type": "array",
                "items": obj(
                    {
                        "list": LIST_REF,
                        "succeeded": INTEGER,
                        "not_found": INTEGER,
                        "failed": INTEGER,
                        "skipped": INTEGER,
                        "success_rate": nullable(INTEGER),
                    }
                ),
            },
            "durations": {
                "type": "array",
                "items": obj(
                    {
                        "run_id": INTEGER,
                        "started_at": DATETIME,
                        "seconds": NUMBER,
                        "titles": INTEGER,
                        "state": enum(RunState.values),
                    }
                ),
            },
            "routes": {
                "type": "array",
                "items": obj({"source": STRING, "route": STRING, "lists": INTEGER}),
            },
            "failing_lists": {
                "type": "array",
                "items": obj(
                    {"list": LIST_REF, "last_error": STRING, "last_error_at": nullable(DATETIME)}
                ),
            },
        }
    ),
    "Settings": obj(
        {
            "server": obj(
                {
                    "url": STRING,
                    "api_key": {**STRING, "description": "Masked; empty when none is stored."},
                    "default_user_id": nullable(INTEGER),
                    "is_4k": BOOLEAN,
                    "fork": STRING,
                    "version": STRING,
                    "checked_at": nullable(DATETIME),
                }
            ),
            "sync": obj(
                {
                    "interval_minutes": INTEGER,
                    "trakt_client_id": {**STRING, "description": "Masked."},
                    "mdblist_api_key": {**STRING, "description": "Masked."},
                    "next_sync_at": nullable(DATETIME),
                }
            ),
        }
    ),
    "SettingsChanges": obj(
        {
            "server": body_of(
                inputs.SERVER_SETTINGS,
                description="The request server: url, api_key (write-only; an empty string "
                "forgets it), default_user_id, is_4k.",
            ),
            "sync": body_of(
                inputs.SYNC_SETTINGS,
                description=f"interval_minutes ({MIN_INTERVAL_MINUTES} to {MAX_INTERVAL_MINUTES}), "
                "trakt_client_id and "
                "mdblist_api_key (write-only; an empty string forgets one).",
            ),
        },
        optional=["server", "sync"],
        description="The settings to change; the others keep their value.",
    ),
}


def json_content(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


ERRORS = {
    400: "The input is not valid: the error says which part and why.",
    401: "No API token, or not a valid one.",
    404: "There is no such object.",
    409: "The request conflicts with the current state.",
    422: "The list could not be read: the error says why.",
}


def query(*fields: inputs.Field) -> list[Schema]:
    parameters = []
    for field in fields:
        schema = field.schema()
        description = schema.pop("description", "")
        parameters.append(
            {"name": field.name, "in": "query", "required": False, "description": description}
            | {"schema": schema}
        )
    return parameters


PATH_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}


def operation(
    operation_id: str,
    summary: str,
    answer: tuple[int, str, Schema | None],
    *,
    tag: str,
    description: str = "",
    parameters: Sequence[Schema] = (),
    body: Schema | None = None,
    example: Schema | None = None,
    body_required: bool = True,
    errors: Iterable[int] = (),
    other: dict[int, tuple[str, Schema]] | None = None,
    public: bool = False,
) -> Schema:
    """One operation. Every operation that takes input can answer 400; every one that needs
    a token, 401."""
    status, meaning, schema = answer
    responses: dict[str, Any] = {
        str(status): {
            "description": meaning,
            **({"content": json_content(schema)} if schema else {}),
        }
    }
    codes = set(errors)
    if parameters or body:
        codes.add(400)
    if not public:
        codes.add(401)
    for code in sorted(codes):
        responses[str(code)] = {"description": ERRORS[code], "content": json_content(ref("Error"))}
    for code, (meaning, schema) in (other or {}).items():
        responses[str(code)] = {"description": meaning, "content": json_content(schema)}
    spec: Schema = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "responses": responses,
    }
    if description:
        spec["description"] = description
    if parameters:
        spec["parameters"] = list(parameters)
    if body:
        content = json_content(body)
        if example:
            content["application/json"]["example"] = example
        spec["requestBody"] = {"required": body_required, "content": content}
    if public:
        spec["security"] = []
    return spec


def paths() -> dict[str, Any]:
    return {
        "/api/health/": {
            "get": operation(
                "health",
                "Whether ListSync and its database answer",
                (200, "ListSync is up.", ref("Health")),
                tag="Health",
                other={503: ("The database does not answer.", ref("Health"))},
                public=True,
            )
        },
        "/api/openapi.json": {
            "get": operation(
                "openapi",
                "This document",
                (200, "The OpenAPI 3.1 document.", {"type": "object"}),
                tag="Health",
                public=True,
            )
        },
        "/api/lists/": {
            "get": operation(
                "listLists",
                "The followed lists",
                (200, "Every followed list.", ref("ListPage")),
                tag="Lists",
            ),
            "post": operation(
                "createList",
                "Follow a list",
                (201, "Followed. Its titles are read at the next sync.", ref("ListSaved")),
                tag="Lists",
                description="Nothing is fetched now: use /api/lists/preview/ to read a list "
                "first, and POST /api/sync/ with its id to sync it at once.",
                body=ref("NewList"),
                example={
                    "url": "https://letterboxd.com/dave/list/official-top-250-narrative-feature-films/",
                    "media_types": "movie",
                },
                errors=[409],
            ),
        },
        "/api/lists/validate/": {
            "post": operation(
                "validateList",
                "Check a list URL or id without fetching it",
                (200, "Whether it is a list ListSync can follow.", ref("Validation")),
                tag="Lists",
                body=ref("ListText"),
                example={"url": "https://trakt.tv/users/garycrawfordgc/lists/latest-releases"},
            )
        },
        "/api/lists/preview/": {
            "post": operation(
                "previewList",
                "Read a list without following it",
                (200, "What following the list would read.", ref("Preview")),
                tag="Lists",
                description="Fetches the list from its source now (this can take a while).",
                body=ref("ListText"),
                example={"url": "stevenlu"},
                errors=[422],
            )
        },
        "/api/lists/{id}/": {
            "parameters": [PATH_ID],
            "get": operation(
                "getList",
                "A followed list",
                (200, "The list.", ref("List")),
                tag="Lists",
                errors=[404],
            ),
            "patch": operation(
                "updateList",
                "Change a followed list's options",
                (200, "Saved.", ref("ListSaved")),
                tag="Lists",
                body=ref("ListChanges"),
                example={"enabled": False, "seasons_policy": "first"},
                errors=[404],
            ),
            "delete": operation(
                "deleteList",
                "Stop following a list",
                (204, "No longer followed; its entries are deleted.", None),
                tag="Lists",
                errors=[404],
            ),
        },
        "/api/sync/": {
            "get": operation(
                "syncStatus",
                "The running or latest sync, and the worker",
                (200, "The current state.", ref("SyncStatus")),
                tag="Syncing",
            ),
            "post": operation(
                "startSync",
                "Queue a sync",
                (202, "Queued: the worker starts it when it is free.", ref("SyncQueued")),
                tag="Syncing",
                description="Only one sync runs at a time; one queued while another runs waits.",
                body=ref("SyncRequest"),
                example={"list_id": 1},
                body_required=False,
                errors=[404],
            ),
        },
        "/api/runs/": {
            "get": operation(
                "listRuns",
                "The history of syncs, newest first",
                (200, "A page of runs.", ref("RunPage")),
                tag="Syncing",
                parameters=query(*inputs.RUN_QUERY),
            )
        },
        "/api/runs/{id}/": {
            "parameters": [PATH_ID],
            "get": operation(
                "getRun",
                "A sync and its outcomes",
                (200, "The run and a page of its outcomes.", ref("RunDetail")),
                tag="Syncing",
                parameters=query(*inputs.OUTCOME_QUERY),
                errors=[404],
            ),
        },
        "/api/runs/{id}/cancel/": {
            "parameters": [PATH_ID],
            "post": operation(
                "cancelRun",
                "Cancel a running sync",
                (202, "It stops after the calls in flight.", ref("CancelRequested")),
                tag="Syncing",
                errors=[404, 409],
            ),
        },
        "/api/titles/": {
            "get": operation(
                "listTitles",
                "Titles, with their server status, lists and last outcome",
                (200, "A page of titles.", ref("TitlePage")),
                tag="Titles",
                parameters=query(*inputs.TITLE_QUERY),
            )
        },
        "/api/analytics/": {
            "get": operation(
                "getAnalytics",
                "What the syncs did over a period",
                (200, "The analytics page's figures.", ref("Analytics")),
                tag="Analytics",
                parameters=query(*inputs.ANALYTICS_QUERY),
            )
        },
        "/api/settings/": {
            "get": operation(
                "getSettings",
                "The settings (secrets masked)",
                (200, "The settings.", ref("Settings")),
                tag="Settings",
            ),
            "patch": operation(
                "updateSettings",
                "Change settings",
                (200, "Saved; they count from now on.", ref("Settings")),
                tag="Settings",
                description="Checked like the settings page: the server URL, the interval's "
                "range. Both sections are saved, or neither.",
                body=ref("SettingsChanges"),
                example={"sync": {"interval_minutes": 720}},
            ),
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ListSync API",
            "version": "1",
            "description": "Follow lists, start and watch syncs, read titles, analytics and "
            "settings. Every operation but the health check needs an API token, made on the "
            "API tokens page (/api/tokens/) or in the admin, sent as "
            '`Authorization: Bearer <token>`. Errors are `{"error": "…"}`.',
        },
        "paths": paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from /api/tokens/.",
                }
            },
        },
        "security": [{"token": []}],
    }
