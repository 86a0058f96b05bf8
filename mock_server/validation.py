"""Request checks compiled from openapi.yaml once, then run cheaply per request."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import jsonschema_rs

from . import spec as spec_mod
from .errors import ApiError, validation_error
from .spec import resolve

MAX_DEPTH = 100  # deeper JSON is refused: no client needs it and it costs stack
_DIGITS = re.compile(r"[0-9]+")
_LONE_SURROGATE_HINT = re.compile(r"\\u[dD][89a-fA-F]")
# `format: email` is an addr-spec (RFC 5322 §3.4.1): local@domain and nothing around it, so
# no display name (`Bob <a@b.com>`) and no angle brackets. jsonschema-rs's own check accepts
# whole mailboxes; it still judges lengths, labels and literals, this adds the shape.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDR_SPEC = re.compile(rf'(?:{_ATOM}(?:\.{_ATOM})*|"(?:[^"\\\r\n]|\\.)*")@(?:{_ATOM}(?:\.{_ATOM})*|\[[^\[\]\\\s]*\])')
_MAILBOX = jsonschema_rs.validator_for({"type": "string", "format": "email"}, validate_formats=True)


def is_email(value: str) -> bool:
    """The spec's `format: email` as the mock applies it, everywhere: API bodies, fixtures, imports."""
    return _ADDR_SPEC.fullmatch(value) is not None and _MAILBOX.is_valid(value)


@dataclass
class OperationChecks:
    """What one operation accepts: a JSON body schema and typed query parameters."""

    body: Any | None = None  # a compiled validator, when the operation takes a body
    query: Any | None = None
    query_types: dict[str, str] = field(default_factory=dict)
    query_defaults: dict[str, Any] = field(default_factory=dict)
    query_choices: dict[str, list[Any]] = field(default_factory=dict)  # for enum-like parameters


def compile_checks(spec: dict[str, Any]) -> dict[str, OperationChecks]:
    """Map operationId to its compiled checks."""
    checks: dict[str, OperationChecks] = {}
    for _path, _method, operation in spec_mod.operations(spec):
        found = OperationChecks()
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            found.body = _compile(spec, body["schema"])
        properties: dict[str, Any] = {}
        for parameter in operation.get("parameters", []):
            parameter = resolve(spec, parameter)
            if parameter["in"] != "query":
                continue
            schema = parameter.get("schema", {})
            properties[parameter["name"]] = schema
            found.query_types[parameter["name"]] = schema.get("type", "string")
            if "default" in schema:
                found.query_defaults[parameter["name"]] = schema["default"]
            choices = _choices(spec, schema)
            if choices:
                found.query_choices[parameter["name"]] = choices
        if properties:
            found.query = _compile(spec, {"type": "object", "properties": properties})
        checks[operation["operationId"]] = found
    return checks


def _choices(spec: dict[str, Any], schema: dict[str, Any]) -> list[Any]:
    """The values an enum-like schema allows (through $ref, anyOf, oneOf, enum, const)."""
    schema = resolve(spec, schema)
    if "enum" in schema:
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return [value for branch in schema.get("anyOf", schema.get("oneOf", [])) for value in _choices(spec, branch)]


def _compile(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    return jsonschema_rs.validator_for(
        spec_mod.json_schema(spec, schema), validate_formats=True, formats={"email": is_email}
    )


def check_body(validator: Any, payload: Any) -> None:
    errors = [problem for error in validator.iter_errors(payload) for problem in _describe(error)]
    if errors:
        raise validation_error(errors)


def check_query(checks: OperationChecks, sent: Mapping[str, str]) -> dict[str, Any]:
    """Coerce the known query parameters (first value of each name) by their schema type, then validate them."""
    values = dict(checks.query_defaults)
    problems = []
    for name, kind in checks.query_types.items():
        raw = sent.get(name)
        if raw is None:
            continue
        if kind == "integer":
            if not _DIGITS.fullmatch(raw):
                problems.append({"field": name, "message": f"must be a whole number in digits, got {raw[:40]!r}"})
                continue
            try:
                values[name] = int(raw)  # any size: openapi.yaml gives page no maximum
            except ValueError:  # more digits than Python converts (4300)
                problems.append({"field": name, "message": "is too large"})
        else:
            values[name] = raw
    if problems:
        raise validation_error(problems)
    if checks.query is not None:
        try:
            check_body(checks.query, values)
        except ApiError as error:
            for problem in error.details["errors"]:
                if problem["field"] in checks.query_choices:
                    allowed = ", ".join(repr(choice) for choice in checks.query_choices[problem["field"]])
                    problem["message"] = f"must be one of {allowed}"
            raise
    return values


def parse_json(raw: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Decode a UTF-8 JSON body, refusing what JSON or our limits do not allow."""
    if not raw.strip():
        raise _body_error("Request body is empty; send a JSON object")
    try:
        text = raw.decode("utf-8")
        payload = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except UnicodeDecodeError as exc:
        raise _body_error(f"Request body is not valid UTF-8 (byte {exc.start})") from None
    except RecursionError:
        raise _body_error(f"JSON is nested more than {max_depth} levels deep") from None
    except ValueError as exc:
        raise _body_error(f"Malformed JSON: {exc}") from None
    if text.count("{") + text.count("[") > max_depth and _depth(payload, max_depth) > max_depth:
        raise _body_error(f"JSON is nested more than {max_depth} levels deep")
    if _LONE_SURROGATE_HINT.search(text):
        try:
            json.dumps(payload, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise _body_error("JSON contains an unpaired UTF-16 surrogate escape") from None
    return payload


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"number {text[:40]} is too large")
    return number


def _depth(value: Any, max_depth: int) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > max_depth:
                return deepest
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _body_error(message: str) -> ApiError:
    return validation_error([{"field": "body", "message": message}])


def _describe(error: Any) -> list[dict[str, str]]:
    """Name the field at fault: the property missing or unexpected, else the value's path."""
    kind = error.kind
    path = [str(part) for part in error.instance_path]
    message = error.message.replace('a "email"', 'an "email"')
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        return [{"field": ".".join([*path, str(kind.property)]), "message": message}]
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
        return [
            {"field": ".".join([*path, str(name)]), "message": f"{name!r} is not an accepted field"}
            for name in kind.unexpected
        ]
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.AnyOf):
        message = _type_choice(kind) or message
    return [{"field": ".".join(path) or "body", "message": message}]


def _type_choice(kind: Any) -> str | None:
    """`anyOf: [Metadata, null]` refused for its type: say which types would do, not "any of the schemas"."""
    branches = [branch[0] for branch in kind.context if len(branch) == 1]
    if not branches or len(branches) != len(kind.context):
        return None
    if not all(isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Type) for error in branches):
        return None
    value = branches[0].message.split(" is not of type", 1)[0]
    types = [name for error in branches for name in error.kind.types]
    return f"{value} is not of type " + " or ".join(f'"{name}"' for name in types)
