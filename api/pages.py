"""The API's two web pages: its documentation (drawn from the OpenAPI document on the server)
and the signed-in user's API tokens."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api.models import ApiToken
from api.openapi import openapi_document
from listsync.types import HtmxHttpRequest

METHODS = ("get", "post", "patch", "put", "delete")


class TokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]
        widgets = {"name": forms.TextInput(attrs={"placeholder": "e.g. Home Assistant"})}


@require_http_methods(["GET", "POST"])
def tokens(request: HtmxHttpRequest) -> HttpResponse:
    """The user's tokens; a new one's secret is shown in the answer to the POST that made it,
    and nowhere else (not in a message, which could sit in a cookie)."""
    user = cast(User, request.user)  # signed in: LoginRequiredMiddleware
    form = TokenForm(request.POST or None)
    made = None
    if form.is_valid():
        made = ApiToken.issue(user, form.cleaned_data["name"])
        form = TokenForm()
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=user),
        "made": made[0] if made else None,
        "secret": made[1] if made else "",
    }
    response = render(request, "api/tokens.html", context)
    if made:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
def revoke_token(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=cast(User, request.user))
    token.delete()
    messages.success(request, f"Revoked the token “{token}”: it no longer works.")
    return redirect("api:tokens")


# --- documentation -----------------------------------------------------------------------------


@dataclass
class Value:
    """A parameter or a body field, as the page lists it."""

    name: str
    where: str
    type: str
    required: bool
    description: str


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    public: bool
    inputs: list[Value] = field(default_factory=list)
    example: str = ""  # a request body, as JSON
    responses: list[tuple[str, str, str]] = field(default_factory=list)  # status, meaning, type


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        found: dict[str, Any] = document["components"]["schemas"][name]
        return found
    return schema


def type_name(schema: dict[str, Any]) -> str:
    """A schema in a few words: "integer or null", "Run", "array of Item", "one of a, b"."""
    if "$ref" in schema:
        return str(schema["$ref"].rsplit("/", 1)[-1])
    if "anyOf" in schema or "oneOf" in schema:
        variants = schema.get("anyOf") or schema.get("oneOf") or []
        return " or ".join(type_name(variant) for variant in variants)
    if "enum" in schema:
        return "one of " + ", ".join("null" if v is None else str(v) for v in schema["enum"])
    if "const" in schema:
        return str(schema["const"]).lower()
    kinds = schema.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "array" in kinds:
        return f"array of {type_name(schema.get('items', {}))}"
    words = " or ".join(kinds)
    if "properties" in schema:
        words += f" {{{', '.join(schema['properties'])}}}"
    limits = [
        f"{label} {schema[key]}"
        for key, label in (
            ("minimum", "≥"),
            ("maximum", "≤"),
            ("minLength", "length ≥"),
            ("maxLength", "length ≤"),
        )
        if key in schema
    ]
    return f"{words} ({', '.join(limits)})" if limits else words


def operations(document: dict[str, Any]) -> dict[str, list[Operation]]:
    """The document's operations by tag, in its order."""
    by_tag: dict[str, list[Operation]] = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            spec = item[method]
            found = Operation(
                method=method.upper(),
                path=path,
                summary=spec["summary"],
                description=spec.get("description", ""),
                public=spec.get("security") == [],
            )
            for parameter in [*item.get("parameters", []), *spec.get("parameters", [])]:
                found.inputs.append(
                    Value(
                        parameter["name"],
                        parameter["in"],
                        type_name(parameter["schema"]),
                        parameter["required"],
                        parameter.get("description", ""),
                    )
                )
            if "requestBody" in spec:
                content = spec["requestBody"]["content"]["application/json"]
                if "example" in content:
                    found.example = json.dumps(content["example"], indent=2)
                body = resolve(content["schema"], document)
                for name, schema in body["properties"].items():
                    required = name in body.get("required", [])
                    description = schema.get("description", "")
                    found.inputs.append(
                        Value(name, "body", type_name(schema), required, description)
                    )
            for status, response in spec["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                found.responses.append(
                    (status, response["description"], type_name(schema) if schema else "")
                )
            by_tag.setdefault(spec["tags"][0], []).append(found)
    return by_tag


def fields_of(schema: dict[str, Any]) -> list[Value]:
    """The properties of an object schema (of each, for one of several objects)."""
    variants = schema.get("oneOf", [schema])
    rows: dict[str, Value] = {}
    for variant in variants:
        for name, property_schema in variant.get("properties", {}).items():
            kind = type_name(property_schema)
            if name in rows:
                if kind not in rows[name].type.split(" or "):
                    rows[name].type += f" or {kind}"
                continue
            required = all(name in v.get("required", []) for v in variants)
            text = property_schema.get("description", "")
            rows[name] = Value(name, "", kind, required, text)
    return list(rows.values())


@require_GET
def docs(request: HtmxHttpRequest) -> HttpResponse:
    document = openapi_document()
    context = {
        "info": document["info"],
        "tags": operations(document),
        "schemas": {
            name: fields_of(schema) for name, schema in document["components"]["schemas"].items()
        },
        "base_url": request.build_absolute_uri("/").rstrip("/"),
    }
    return render(request, "api/docs.html", context)
