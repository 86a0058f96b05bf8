"""Forced responses: the documented example of a response, read from openapi.yaml at start-up.

`Prefer: code=404` answers the first example documented for that status that fits the
operation (a 400 naming a query parameter for the list, the body's `email` for a create);
`example=NAME` picks one by name (within that status when both are given). Nothing is
stored or changed.

Like Prism's dynamic mode, the answer is made to fit the request: the path's `leadId`
stands where the example has a lead id, a forced 201 carries a fresh id (retired at once,
so it is never issued again), and a forced 2xx shows the fields the request sent.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

from . import spec as spec_mod
from .controls import Controls, control_error
from .envelopes import Reply, json_response
from .merge_patch import merge_patch
from .spec import resolve

WRITABLE = ("name", "email", "phone", "source", "status", "metadata")  # the fields a request may send


@dataclass(frozen=True)
class Example:
    name: str
    status: int
    value: Any
    headers: dict[str, str]


class ForcedResponses:
    """Every documented example of every operation, by operationId, then status, in spec order."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._examples: dict[str, dict[str, list[Example]]] = {}
        for _path, _method, operation in spec_mod.operations(spec):
            by_status: dict[str, list[Example]] = {}
            fields = _request_fields(spec, operation)
            for status, response in operation.get("responses", {}).items():
                if status.isdigit():
                    found = _examples(spec, operation["operationId"], int(status), resolve(spec, response))
                    if found:
                        # Examples that name only this operation's own fields first: the list's
                        # 400 is about `limit`, never the create's `email`.
                        by_status[status] = sorted(found, key=lambda example: not _fits(example.value, fields))
            self._examples[operation["operationId"]] = by_status

    def documented(self, operation_id: str) -> dict[str, list[str]]:
        """Status -> example names, for error messages and the docs."""
        return {status: [e.name for e in found] for status, found in self._examples[operation_id].items()}

    def choose(self, operation_id: str, controls: Controls) -> Example:
        by_status = self._examples[operation_id]
        documented = self.documented(operation_id)
        if controls.code is not None:
            candidates = by_status.get(controls.code)
            if candidates is None:
                raise control_error(
                    controls.field("code"),
                    f"code {controls.code[:40]!r} has no documented example for {operation_id}; "
                    f"choose one of {', '.join(documented)}",
                    documented=documented,
                )
        else:
            candidates = [example for found in by_status.values() for example in found]
        if controls.example is None:
            return candidates[0]
        for example in candidates:
            if example.name == controls.example:
                return example
        names = [example.name for example in candidates]
        where = f"status {controls.code} of {operation_id}" if controls.code is not None else operation_id
        raise control_error(
            controls.field("example"),
            f"example {controls.example[:60]!r} is not documented for {where}; choose one of {', '.join(names)}",
            documented=documented,
        )

    def answer(
        self,
        operation_id: str,
        controls: Controls,
        params: dict[str, str] | None = None,
        sent: Any = None,
        fresh_id: Callable[[], str] | None = None,
    ) -> Reply:
        """The chosen example, fitted to the request: its path's `params`, the body `sent`, a fresh id for a 201."""
        example = self.choose(operation_id, controls)
        headers = {**example.headers, "Preference-Applied": f"code={example.status}, example={example.name}"}
        value = example.value
        lead_id = (params or {}).get("leadId")
        if lead_id is not None or example.status == 201 or (sent and 200 <= example.status < 300):
            value = copy.deepcopy(value)
            if example.status == 201 and fresh_id is not None:
                lead_id = fresh_id()
            if lead_id is not None:
                _put_lead_id(value, lead_id)
            if isinstance(sent, dict) and 200 <= example.status < 300:
                _put_sent(value, sent, merge=example.status != 201)
        return json_response(value, example.status, headers)


def _request_fields(spec: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    """The names a request of this operation may get wrong: its query parameters and body fields."""
    names = {resolve(spec, p)["name"] for p in operation.get("parameters", []) if resolve(spec, p).get("in") == "query"}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        names |= {"body", *resolve(spec, body["schema"]).get("properties", {})}
    return names


def _fits(value: Any, fields: set[str]) -> bool:
    """An error example whose `details.errors` name only `fields` (any other example fits)."""
    errors = value.get("details", {}).get("errors") if isinstance(value, dict) else None
    if not isinstance(errors, list):
        return True
    return all(isinstance(e, dict) and str(e.get("field", "")).split(".")[0] in fields for e in errors)


def _put_lead_id(value: Any, lead_id: str) -> None:
    """The request's lead id where the example has one: `data.id` of a lead, `details.leadId` of a 404."""
    if not isinstance(value, dict):
        return
    data, details = value.get("data"), value.get("details")
    if isinstance(data, dict) and "id" in data:
        data["id"] = lead_id
    if isinstance(details, dict) and "leadId" in details:
        details["leadId"] = lead_id


def _put_sent(value: dict[str, Any], sent: dict[str, Any], merge: bool) -> None:
    """The fields the request sent, in the example's lead: as a create stores them, as an update merges them."""
    data = value.get("data")
    if not isinstance(data, dict) or "name" not in data:
        return
    for name in WRITABLE:
        if name not in sent:
            continue
        if name == "metadata" and merge:
            data["metadata"] = merge_patch(data.get("metadata") or {}, sent["metadata"] or {}) if sent["metadata"] is not None else {}
        else:
            data[name] = sent[name]


def _examples(spec: dict[str, Any], operation_id: str, status: int, response: dict[str, Any]) -> list[Example]:
    media = response.get("content", {}).get("application/json")
    if media is None:
        return []
    named = {name: resolve(spec, example)["value"] for name, example in media.get("examples", {}).items()}
    if not named and "example" in media:
        named = {"default": media["example"]}
    headers = {}
    for name, header in response.get("headers", {}).items():
        header = resolve(spec, header)
        value = _header_example(header)
        if value is not None:
            headers[name] = value
        elif header.get("required"):
            raise ValueError(f"openapi.yaml: {operation_id} {status} requires header {name} but gives no example")
    return [Example(name, status, value, headers) for name, value in named.items()]


def _header_example(header: dict[str, Any]) -> str | None:
    if "example" in header:
        return str(header["example"])
    for example in header.get("examples", {}).values():
        return str(example["value"])
    schema = header.get("schema", {})
    if "examples" in schema and schema["examples"]:
        return str(schema["examples"][0])
    return None
