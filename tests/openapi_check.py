"""Check calls recorded by the sandbox request server against the real OpenAPI specs.

    validate_call(call, fork)          # one SandboxCall (or anything with the same fields)
    validate_calls(server.calls, fork)  # all of them, one AssertionError listing every problem

(a) The request: the operation exists, the key is there (X-Api-Key or a session cookie), every
query parameter is declared, strictly percent-encoded (the real servers refuse reserved
characters, `+` for a space included) and of the declared type, required ones are present, and
the JSON body matches the operation's schema. Headers the spec does not declare (X-API-User)
are ignored.
(b) The response: validated against the spec when its status code is documented for the
operation; otherwise the body must be a JSON object with a string `message` (or, for a 403,
the `error` string of the servers' isAuthenticated middleware).

Each spec is loaded once with openapi-core. Per call, openapi-core's own validation costs 1-3 ms
(it walks the spec through jsonschema-path every time), too slow for the ~3,000 calls of a full
sync, so the schema checks here use openapi-schema-validator's OAS 3.0 validators (the ones
openapi-core runs) compiled once per operation. validate_call_with_openapi_core() is the slow
reference check, used by the tests to show both agree.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_DIR = Path(__file__).parent / "data" / "spec"
SPEC_FILES = {
    "overseerr": "overseerr-api.yml",
    "jellyseerr": "seerr-api.yml",
    "seerr": "seerr-api.yml",
}
API_PREFIX = "/api/v1"  # the specs' server url is '{server}/api/v1'
SPEC_URI = "urn:listsync:openapi-spec"
# What express-openapi-validator refuses unencoded in a query value.
RESERVED_CHARACTERS = re.compile(r"[:/?#\[\]@!$&'()*+,;=]")
MAX_PROBLEMS_PER_SCHEMA = 5


class RecordedCall(Protocol):
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    status: int
    response: Any


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # query, path, header, cookie
    required: bool
    allow_reserved: bool
    schema_type: str | None
    schema_pointer: str


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    pointer: str
    node: dict[str, Any]
    parameters: tuple[Parameter, ...]
    secured: bool


class Spec:
    """One OpenAPI document, its operations and compiled schema validators."""

    def __init__(self, path: Path):
        self.openapi = OpenAPI.from_file_path(str(path))
        with self.openapi.spec.open() as document:
            self.document: dict[str, Any] = document
        resource = Resource.from_contents(self.document, default_specification=DRAFT4)
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        # Literal paths first, so /movie/upcoming wins over /movie/{movieId}.
        templates = sorted(self.document["paths"], key=lambda t: (t.count("{"), t))
        self._paths = [(_template_regex(t), t) for t in templates]
        self._validators: dict[tuple[str, bool], Validator] = {}
        self._operations: dict[tuple[str, str], Operation | None] = {}

    def operation(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation serving `method path` (a path under /api/v1) and its path values."""
        if not path.startswith(API_PREFIX + "/"):
            return None
        relative = path[len(API_PREFIX) :]
        for regex, template in self._paths:
            match = regex.match(relative)
            if match is None:
                continue
            operation = self._operation(template, method.lower())
            if operation is None:
                return None
            names = re.findall(r"{([^}]+)}", template)
            return operation, dict(zip(names, match.groups(), strict=True))
        return None

    def _operation(self, template: str, method: str) -> Operation | None:
        key = (template, method)
        if key not in self._operations:
            self._operations[key] = self._build_operation(template, method)
        return self._operations[key]

    def _build_operation(self, template: str, method: str) -> Operation | None:
        path_item = self.document["paths"][template]
        node = path_item.get(method)
        if node is None:
            return None
        path_pointer = "/paths/" + _escape_pointer(template)
        pointer = f"{path_pointer}/{method}"
        parameters: dict[tuple[str, str], Parameter] = {}
        for owner, entries in (
            (path_pointer, path_item.get("parameters", [])),
            (pointer, node.get("parameters", [])),
        ):
            for position, entry in enumerate(entries):
                parameter = self._parameter(entry, f"{owner}/parameters/{position}")
                parameters[(parameter.location, parameter.name)] = parameter
        security = node.get("security", self.document.get("security", []))
        return Operation(
            template,
            method,
            pointer,
            node,
            tuple(parameters.values()),
            secured=bool(security) and {} not in security,
        )

    def _parameter(self, entry: dict[str, Any], pointer: str) -> Parameter:
        entry, pointer = self.resolve(entry, pointer)
        schema, _ = self.resolve(entry.get("schema", {}), pointer + "/schema")
        return Parameter(
            name=entry["name"],
            location=entry["in"],
            required=bool(entry.get("required")),
            allow_reserved=bool(entry.get("allowReserved")),
            schema_type=schema.get("type"),
            schema_pointer=pointer + "/schema",
        )

    def resolve(self, node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
        """Follow local $refs; returns the node and its JSON pointer."""
        while "$ref" in node:
            pointer = node["$ref"].removeprefix("#")
            node = self.document
            for part in pointer.strip("/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, pointer

    def validator(self, pointer: str, *, response: bool) -> Validator:
        """A compiled validator for the schema at `pointer` (readOnly rules for responses,
        writeOnly rules for requests)."""
        key = (pointer, response)
        if key not in self._validators:
            cls = OAS30ReadValidator if response else OAS30WriteValidator
            self._validators[key] = cls({"$ref": f"{SPEC_URI}#{pointer}"}, registry=self.registry)
        return self._validators[key]


@functools.cache
def _load(file_name: str) -> Spec:
    return Spec(SPEC_DIR / file_name)


def load_spec(fork: str) -> Spec:
    if fork not in SPEC_FILES:
        raise ValueError(f"unknown fork {fork!r}")
    return _load(SPEC_FILES[fork])


# --------------------------------------------------------------------------------------------


def validate_call(call: RecordedCall, fork: str, *, check_request: bool = True) -> None:
    """Raise AssertionError listing what in `call` disagrees with the fork's spec.

    check_request=False skips (a), for calls made invalid on purpose (a `+` in a query, no key)."""
    problems = call_problems(call, fork, check_request=check_request)
    if problems:
        raise AssertionError(_report(call, fork, problems))


def validate_calls(calls: Iterable[RecordedCall], fork: str, *, check_request: bool = True) -> None:
    reports = [
        _report(call, fork, problems)
        for call in calls
        if (problems := call_problems(call, fork, check_request=check_request))
    ]
    if reports:
        raise AssertionError(
            f"{len(reports)} call(s) disagree with the spec:\n" + "\n".join(reports)
        )


def call_problems(call: RecordedCall, fork: str, *, check_request: bool = True) -> list[str]:
    spec = load_spec(fork)
    found = spec.operation(call.method, call.path)
    problems: list[str] = []
    if check_request:
        if found is None:
            problems.append(f"{call.method} {call.path} is not an operation of the spec")
        else:
            problems += _request_problems(spec, *found, call)
    documented = found is not None and str(call.status) in found[0].node.get("responses", {})
    if found is not None and documented:
        problems += _response_problems(spec, found[0], call)
    else:
        problems += _undocumented_answer_problems(call)
    return problems


def _report(call: RecordedCall, fork: str, problems: list[str]) -> str:
    target = call.path + (f"?{call.query}" if call.query else "")
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return f"[{fork}] {call.method} {target} -> {call.status}\n{lines}"


# ---- (a) the request -----------------------------------------------------------------------


def _request_problems(
    spec: Spec, operation: Operation, path_values: dict[str, str], call: RecordedCall
) -> list[str]:
    headers = {name.lower(): value for name, value in call.headers.items()}
    problems: list[str] = []
    if operation.secured and not _has_credentials(headers):
        problems.append("no X-Api-Key header (nor session cookie) on a protected operation")
    declared = {(p.location, p.name): p for p in operation.parameters}
    for name, value in path_values.items():
        parameter = declared.get(("path", name))
        if parameter is not None:
            problems += _value_problems(spec, parameter, value, f"path parameter {name!r}")
    problems += _query_problems(spec, declared, call.query)
    for parameter in declared.values():
        if (
            parameter.location == "header"
            and parameter.required
            and parameter.name.lower() not in headers
        ):
            problems.append(f"required header {parameter.name!r} missing")
    problems += _body_problems(spec, operation, call.body)
    return problems


def _has_credentials(headers: dict[str, str]) -> bool:
    return bool(headers.get("x-api-key")) or "connect.sid=" in headers.get("cookie", "")


def _query_problems(
    spec: Spec, declared: dict[tuple[str, str], Parameter], raw_query: str
) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for pair in filter(None, raw_query.split("&")):
        raw_name, _, raw_value = pair.partition("=")
        name = unquote(raw_name)
        parameter = declared.get(("query", name))
        if parameter is None:
            problems.append(f"query parameter {name!r} is not declared by the spec")
            continue
        seen.add(name)
        if not parameter.allow_reserved and RESERVED_CHARACTERS.search(raw_value):
            problems.append(
                f"query parameter {name!r} is not strictly percent-encoded: {raw_value!r}"
            )
        problems += _value_problems(
            spec, parameter, unquote(raw_value), f"query parameter {name!r}"
        )
    for (location, name), parameter in declared.items():
        if location == "query" and parameter.required and name not in seen:
            problems.append(f"required query parameter {name!r} missing")
    return problems


def _value_problems(spec: Spec, parameter: Parameter, raw: str, where: str) -> list[str]:
    if raw == "":
        return [f"{where} is empty"]
    try:
        value = _cast(raw, parameter.schema_type)
    except ValueError:
        return [f"{where}: {raw!r} is not of type {parameter.schema_type!r}"]
    validator = spec.validator(parameter.schema_pointer, response=False)
    return _schema_problems(validator, value, where)


def _cast(raw: str, schema_type: str | None) -> Any:
    if schema_type == "number":
        value = float(raw)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(raw)
        return value
    if schema_type == "integer":
        return int(raw)
    if schema_type == "boolean":
        if raw not in ("true", "false"):
            raise ValueError(raw)
        return raw == "true"
    if schema_type == "array":
        return raw.split(",")
    return raw


def _body_problems(spec: Spec, operation: Operation, body: Any) -> list[str]:
    if "requestBody" not in operation.node:
        return [] if body is None else ["a body was sent to an operation that takes none"]
    request_body, pointer = spec.resolve(
        operation.node["requestBody"], operation.pointer + "/requestBody"
    )
    if body is None:
        return ["the JSON body is missing"] if request_body.get("required") else []
    if "application/json" not in request_body.get("content", {}):
        return ["the operation takes no JSON body"]
    validator = spec.validator(pointer + "/content/application~1json/schema", response=False)
    return _schema_problems(validator, body, "body")


# ---- (b) the response ----------------------------------------------------------------------


def _response_problems(spec: Spec, operation: Operation, call: RecordedCall) -> list[str]:
    code = str(call.status)
    response, pointer = spec.resolve(
        operation.node["responses"][code], f"{operation.pointer}/responses/{code}"
    )
    content = response.get("content") or {}
    if "application/json" not in content:
        return []
    if call.response is None:
        return [f"status {code} is documented with a JSON body, none was sent"]
    validator = spec.validator(pointer + "/content/application~1json/schema", response=True)
    return _schema_problems(validator, call.response, "response")


def _undocumented_answer_problems(call: RecordedCall) -> list[str]:
    body = call.response
    if not isinstance(body, dict):
        return [f"undocumented status {call.status}: the answer is not a JSON object"]
    if isinstance(body.get("message"), str):
        return []
    if call.status == 403 and isinstance(body.get("error"), str):
        return []  # isAuthenticated answers {status: 403, error: ...}
    return [f"undocumented status {call.status}: no string 'message' in {_short(body)}"]


# ---- helpers -------------------------------------------------------------------------------


def _schema_problems(validator: Validator, instance: Any, where: str) -> list[str]:
    errors = itertools.islice(validator.iter_errors(instance), MAX_PROBLEMS_PER_SCHEMA)
    return [_describe(error, where) for error in errors]


def _describe(error: ValidationError, where: str) -> str:
    closest = _closest_failure(error)
    path = "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in closest.absolute_path
    )
    return f"{where}{path}: {_short(closest.message)}"


def _closest_failure(error: ValidationError) -> ValidationError:
    """For anyOf / oneOf, the failure inside the alternative that came closest (fewest
    failures), rather than "is not valid under any of the given schemas"."""
    while error.context and error.validator in ("anyOf", "oneOf"):
        by_branch: dict[Any, list[ValidationError]] = {}
        for failure in error.context:
            by_branch.setdefault(failure.relative_schema_path[0], []).append(failure)
        error = min(by_branch.values(), key=len)[0]
    return best_match([error]) or error


def _short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\{[^}]+\\}", "([^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


def _escape_pointer(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


# ---- the slow reference check --------------------------------------------------------------


def validate_call_with_openapi_core(call: RecordedCall, fork: str) -> None:
    """The same check done entirely by openapi-core (1-3 ms a call): request, then the response
    when its status is documented. For spot checks of validate_call()."""
    spec = load_spec(fork)
    args = [
        (unquote(name), unquote(value))
        for name, _, value in (pair.partition("=") for pair in filter(None, call.query.split("&")))
    ]
    data = json.dumps(call.body).encode() if call.body is not None else None
    request = MockRequest(
        "http://localhost:5055",
        call.method.lower(),
        call.path,
        args=args,  # type: ignore[arg-type]  # a list of pairs is accepted
        headers=dict(call.headers),
        data=data,
    )
    try:
        spec.openapi.validate_request(request)
        found = spec.operation(call.method, call.path)
        if found is not None and str(call.status) in found[0].node.get("responses", {}):
            response = MockResponse(json.dumps(call.response).encode(), call.status)
            spec.openapi.validate_response(request, response)
    except Exception as error:  # openapi-core raises one of many classes
        raise AssertionError(f"openapi-core: {_explain(error)}") from error


def _explain(error: BaseException) -> str:
    """openapi-core's message, with the schema errors it keeps in the exception chain."""
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None:
        parts.append(_short(repr(current), 200))
        parts += [_short(e.message) for e in getattr(current, "schema_errors", None) or []]
        current = current.__cause__
    return "; ".join(parts)
