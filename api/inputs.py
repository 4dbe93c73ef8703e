"""What the API accepts: each body field and query parameter is declared once here, as a Field.
The same declaration checks the input (strictly: a wrong type, an unknown field or a value out
of range is a 400 that says which and why) and describes it in the OpenAPI document."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import SuspiciousOperation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import HttpRequest, QueryDict

from api.auth import ApiError
from lists.forms import OPTION_FIELDS, AddListForm, ListOptionsForm
from lists.models import FollowedList, MediaType, ServerStatus
from lists.titles import DEFAULT_SORT, SORT_CHOICES, TitleFilters
from lists.titles import PAGE_SIZE as TITLES_PER_PAGE
from syncing import analytics
from syncing.forms import ServerConnectionForm, SyncSettingsForm
from syncing.models import OutcomeKind, RunState, ServerConnection, SyncSettings

JSON_TYPES = {str: "string", int: "integer", bool: "boolean"}
IN_WORDS = {str: "a string", int: "a whole number", bool: "true or false"}
# No NUL in text: PostgreSQL cannot store it.
NO_NUL = "^[^\\u0000]*$"
INTEGER = re.compile(r"-?[0-9]{1,19}")
# Ids in bodies and queries: never larger than a database's biggest integer.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Field:
    """One input value: a JSON body field or a query parameter."""

    name: str
    kind: type[str] | type[int] | type[bool]
    description: str = ""
    nullable: bool = False
    choices: tuple[str | int, ...] = ()
    max_length: int | None = None
    min_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    default: str | int | None = None  # query parameters: the value when left out

    @classmethod
    def of_model(cls, model: type[models.Model], name: str, **changes: Any) -> Field:
        """The field as the model defines it: its type, choices, length and range."""
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        kind: type[str] | type[int] | type[bool] = str
        if isinstance(field, models.BooleanField):
            kind = bool
        elif isinstance(field, models.IntegerField):
            kind = int
        declared: dict[str, Any] = {
            "description": str(field.help_text or field.verbose_name).rstrip(".") + ".",
            "nullable": field.null,
            "choices": tuple(value for value, _ in field.choices or ()),
            "max_length": field.max_length if kind is str else None,
        }
        for validator in field.validators:
            if isinstance(validator, MinValueValidator):
                declared["minimum"] = validator.limit_value
            elif isinstance(validator, MaxValueValidator):
                declared["maximum"] = validator.limit_value
        return cls(name, kind, **{**declared, **changes})

    def schema(self) -> dict[str, Any]:
        """The field's JSON Schema (OpenAPI 3.1)."""
        kind = JSON_TYPES[self.kind]
        schema: dict[str, Any] = {"type": [kind, "null"] if self.nullable else kind}
        if self.description:
            schema["description"] = self.description
        if self.choices:
            schema["enum"] = [*self.choices, None] if self.nullable else list(self.choices)
        if self.max_length is not None and not self.choices:
            schema["maxLength"] = self.max_length
        if self.min_length is not None:
            schema["minLength"] = self.min_length
        if self.kind is str and not self.choices:
            schema["pattern"] = NO_NUL
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.default is not None:
            schema["default"] = self.default
        return schema

    def clean(self, value: object) -> Any:
        """The value from a JSON body, checked; ApiError(400) saying what is wrong."""
        if value is None and self.nullable:
            return None
        if self.kind is int and isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON does not tell 3 from 3.0
        if not isinstance(value, self.kind) or (self.kind is int and isinstance(value, bool)):
            wanted = IN_WORDS[self.kind] + (" or null" if self.nullable else "")
            raise self.invalid(f"must be {wanted}, not {json_type(value)}")
        return self.check(value)

    def parse(self, text: str) -> Any:
        """The value of a query parameter, checked; ApiError(400) saying what is wrong."""
        if self.kind is int:
            if not INTEGER.fullmatch(text):
                raise self.invalid(f"must be a whole number, not {text[:50]!r}")
            return self.check(int(text))
        if self.kind is bool:
            if text not in ("true", "false"):
                raise self.invalid(f"must be true or false, not {text[:50]!r}")
            return text == "true"
        return self.check(text)

    def check(self, value: str | int | bool) -> Any:
        if self.choices and value not in self.choices:
            allowed = ", ".join(map(str, self.choices))
            raise self.invalid(f"must be one of {allowed}, not {str(value)[:50]!r}")
        if isinstance(value, str):
            if self.max_length is not None and len(value) > self.max_length:
                raise self.invalid(f"must be at most {self.max_length} characters long")
            if self.min_length is not None and len(value) < self.min_length:
                raise self.invalid(f"must be at least {self.min_length} characters long")
            if "\x00" in value or not is_encodable(value):
                raise self.invalid("must be text without NUL characters or lone surrogates")
        elif isinstance(value, int) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                raise self.invalid(f"must be at least {self.minimum}, not {value}")
            if self.maximum is not None and value > self.maximum:
                raise self.invalid(f"must be at most {self.maximum}, not {value}")
        return value

    def invalid(self, problem: str) -> ApiError:
        return ApiError(400, f"{self.name} {problem}.")


def is_encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def json_type(value: object) -> str:
    """What a JSON value is, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def read_json(request: HttpRequest, *, optional: bool = False) -> dict[str, Any]:
    """The request's body, which must be a JSON object (may be left out when `optional`)."""
    try:
        body = request.body
    except SuspiciousOperation:  # larger than DATA_UPLOAD_MAX_MEMORY_SIZE
        raise ApiError(400, "The body is too large.") from None
    if optional and not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ApiError(
            400, "The body must be a JSON object (Content-Type: application/json)."
        ) from None
    if not isinstance(data, dict):
        raise ApiError(400, f"The body must be a JSON object, not {json_type(data)}.")
    return data


def clean_body(
    data: Mapping[str, object], fields: Iterable[Field], *, required: Iterable[str] = ()
) -> dict[str, Any]:
    """The fields given in `data`, each checked. Unknown fields and missing required ones are
    errors: a typo must not be silently ignored."""
    by_name = {field.name: field for field in fields}
    unknown = sorted(set(data) - set(by_name))
    if unknown:
        names = ", ".join(unknown)
        raise ApiError(400, f"Unknown field {names[:200]}; known: {', '.join(by_name)}.")
    missing = [name for name in required if name not in data]
    if missing:
        raise ApiError(400, f"Missing field {', '.join(missing)}.")
    return {name: by_name[name].clean(value) for name, value in data.items()}


def clean_query(query: QueryDict, params: Iterable[Field] = ()) -> dict[str, Any]:
    """The query parameters, each checked, with the defaults of those left out; an unknown one
    is an error."""
    by_name = {param.name: param for param in params}
    unknown = sorted(set(query) - set(by_name))
    if unknown:
        known = ", ".join(by_name) or "none"
        raise ApiError(400, f"Unknown query parameter {', '.join(unknown)[:200]}; known: {known}.")
    defaults = {p.name: p.default for p in by_name.values() if p.default is not None}
    return defaults | {name: by_name[name].parse(query.get(name, "")) for name in query}


# --- the inputs of each operation ------------------------------------------------------------


def form_max_length(form_class: type[forms.Form | forms.ModelForm], name: str) -> int | None:
    field = form_class.base_fields[name]
    assert isinstance(field, forms.CharField)
    return int(field.max_length) if field.max_length is not None else None


def described(
    model: type[models.Model], names: Iterable[str], texts: Mapping[str, str]
) -> tuple[Field, ...]:
    return tuple(
        Field.of_model(model, name, **({"description": texts[name]} if name in texts else {}))
        for name in names
    )


LIST_OPTIONS = described(
    FollowedList,
    OPTION_FIELDS,
    {
        **ListOptionsForm.Meta.help_texts,
        "media_types": "Which of the list's titles to request: all, movie (movies only) or tv "
        "(shows only).",
        "request_user_id": "The request server user the requests are made as; null: the "
        "default user (Settings).",
    },
)
MANUAL_ITEMS = described(FollowedList, ["manual_items"], ListOptionsForm.Meta.help_texts)[0]
LIST_TEXT = Field(
    "url",
    str,
    "The list's URL or id, as you would paste it in the web app.",
    max_length=form_max_length(AddListForm, "list_input"),
    min_length=1,
)
NEW_LIST = (
    Field(
        LIST_TEXT.name,
        str,
        f"{LIST_TEXT.description} The word manual makes a list of typed titles (manual_items).",
        max_length=LIST_TEXT.max_length,
        min_length=LIST_TEXT.min_length,
    ),
    *LIST_OPTIONS,
    MANUAL_ITEMS,
)
SYNC_LIST = Field(
    "list_id", int, "Sync this list only; left out: every enabled list.", minimum=1, maximum=MAX_ID
)

SECRET = "Never read back (the answer shows it masked); an empty string forgets the stored one."
SERVER_SETTINGS = described(
    ServerConnection, ServerConnectionForm.Meta.fields, {"api_key": f"The API key. {SECRET}"}
)
SYNC_SETTINGS = described(
    SyncSettings,
    SyncSettingsForm.Meta.fields,
    {
        name: f"{SyncSettingsForm.Meta.help_texts[name]} {SECRET}"
        for name in SyncSettingsForm.secret_fields
    },
)

PAGE = Field("page", int, "The page, from 1.", minimum=1, maximum=MAX_ID, default=1)
MAX_PAGE_SIZE = 200


def page_size(default: int) -> Field:
    return Field(
        "page_size", int, "Rows per page.", minimum=1, maximum=MAX_PAGE_SIZE, default=default
    )


RUN_QUERY = (
    PAGE,
    page_size(25),
    Field("state", str, "Only the runs in this state.", choices=tuple(RunState.values)),
)
OUTCOME_QUERY = (
    PAGE,
    page_size(100),
    Field("kind", str, "Only the outcomes of this kind.", choices=tuple(OutcomeKind.values)),
)
TITLE_FILTERS = (
    Field(
        "q",
        str,
        "Words of the title, an IMDb id (tt…) or a TMDB id.",
        max_length=form_max_length(TitleFilters, "q"),
    ),
    Field(
        "status", str, "Only titles with this server status.", choices=tuple(ServerStatus.values)
    ),
    Field("list", int, "Only titles this followed list holds now.", minimum=1, maximum=MAX_ID),
    Field("media_type", str, "Only movies or only shows.", choices=tuple(MediaType.values)),
    Field("never", bool, "true: only the titles marked “never request”."),
)
TITLE_QUERY = (
    *TITLE_FILTERS,
    Field(
        "sort",
        str,
        "The order; a leading - reverses it.",
        choices=tuple(value for value, _ in SORT_CHOICES),
        default=DEFAULT_SORT,
    ),
    PAGE,
    page_size(TITLES_PER_PAGE),
)
ANALYTICS_QUERY = (
    Field(
        "days",
        int,
        "The period: the last 7, 30 or 90 days.",
        choices=analytics.PERIODS,
        default=analytics.DEFAULT_PERIOD,
    ),
)
