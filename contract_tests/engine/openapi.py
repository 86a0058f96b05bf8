"""Each response against openapi.yaml: a documented status, JSON, its body schema and its headers.

The schemas are compiled once with jsonschema-rs (a few µs a response), where openapi-core
takes 1-2 ms: fast enough to sit in a proxy's path.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from mock_server.spec import json_schema, resolve

from ..core.exchange import NOT_JSON
from ..core.rules import JSON_EVERYWHERE, METHOD_NOT_ALLOWED, RATE_LIMITED_ANSWER, RESPONSES_MATCH_SPEC, UNAUTHORIZED
from .breach import Breach
from .view import View

# Responses the spec lists but binds to no operation: an unknown route, a wrong method.
_UNBOUND = {"unknown-route": "NotFound", "wrong-method": "MethodNotAllowed"}
# A missing or wrong header breaks the rule that names it, not only the schema.
_HEADER_RULES = {"www-authenticate": UNAUTHORIZED, "allow": METHOD_NOT_ALLOWED, "retry-after": RATE_LIMITED_ANSWER}


class _Expected:
    """One documented response: its body validator and its required headers' validators."""

    def __init__(self, spec: dict[str, Any], response: dict[str, Any]) -> None:
        response = resolve(spec, response)
        content = response.get("content", {}).get("application/json")
        self.body = _compile(spec, content["schema"]) if content else None
        self.headers: dict[str, Any] = {}
        for name, header in response.get("headers", {}).items():
            header = resolve(spec, header)
            if header.get("required"):
                self.headers[name.lower()] = _compile(spec, header.get("schema", {}))


class SpecRules:
    """The compiled expectations of every operation and status in openapi.yaml."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.expected: dict[str, dict[str, _Expected]] = {}
        for item in spec["paths"].values():
            for op in item.values():
                if isinstance(op, dict) and "operationId" in op:
                    self.expected[op["operationId"]] = {
                        str(status): _Expected(spec, response) for status, response in op["responses"].items()
                    }
        for name, component in _UNBOUND.items():
            self.expected[name] = {"404" if name == "unknown-route" else "405": _Expected(spec, {"$ref": f"#/components/responses/{component}"})}

    def judge(self, view: View) -> list[Breach]:
        found: list[Breach] = []
        exchange = view.exchange
        no_body = view.method == "HEAD" or view.status in (204, 304) or exchange.response_omitted
        content_type = view.headers.get("content-type", "")
        json_typed = is_json(content_type)
        if not (view.method == "HEAD" or view.status in (204, 304)) and not json_typed:
            found.append(Breach(JSON_EVERYWHERE, f"Content-Type is {content_type or 'missing'!r}, not application/json", exchange))
        key = view.operation or ("wrong-method" if view.template else "unknown-route")
        documented = self.expected[key]
        expected = documented.get(str(view.status)) or documented.get("default")
        if expected is None:
            where = f"{view.method} {view.template or view.path}"
            found.append(Breach(RESPONSES_MATCH_SPEC, f"status {view.status} is not documented for {where}", exchange))
            return found
        for name, validator in expected.headers.items():
            value = view.headers.get(name)
            rule = _HEADER_RULES.get(name, RESPONSES_MATCH_SPEC)
            if value is None:
                found.append(Breach(rule, f"a {view.status} without the {name.title()} header openapi.yaml requires", exchange))
            elif not validator.is_valid(value):
                found.append(Breach(rule, f"header {name.title()}: {value[:80]!r} does not match openapi.yaml", exchange))
        if no_body or expected.body is None or not json_typed:
            return found
        body = view.body
        if body is NOT_JSON or body is None:
            found.append(Breach(RESPONSES_MATCH_SPEC, "the response body is not JSON" if body is NOT_JSON else "the response has no body", exchange))
            return found
        if expected.body.is_valid(body):
            return found
        if view.status == 404 and _two_readings(view) and self.expected["unknown-route"]["404"].body.is_valid(body):  # type: ignore[union-attr]
            return found  # a path the contract reads as a lead id or as no route at all: the route's 404 is as good
        errors = [f"{'/'.join(map(str, error.instance_path)) or 'body'}: {error.message}" for error in expected.body.iter_errors(body)]
        if errors:
            more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
            found.append(Breach(RESPONSES_MATCH_SPEC, "; ".join(errors[:3]) + more, exchange))
        return found


def _two_readings(view: View) -> bool:
    """A lead path whose id is empty or holds an encoded "/": a server may route it as no route at all."""
    return view.lead_id is not None and (view.lead_id == "" or "/" in view.lead_id)


def is_json(content_type: str) -> bool:
    if content_type == "application/json":
        return True  # nearly every response: no need to split and fold it
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def _compile(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    return jsonschema_rs.validator_for(json_schema(spec, schema), validate_formats=True)
