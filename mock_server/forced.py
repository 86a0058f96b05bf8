"""Forced responses: the documented example of a response, read from openapi.yaml at start-up.

`Prefer: code=404` answers the first example documented for that status; `example=NAME`
picks one by name (within that status when both are given). Nothing is stored or changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import spec as spec_mod
from .controls import Controls, control_error
from .envelopes import Reply, json_response
from .validation import resolve


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
            for status, response in operation.get("responses", {}).items():
                if status.isdigit():
                    found = _examples(spec, operation["operationId"], int(status), resolve(spec, response))
                    if found:
                        by_status[status] = found
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

    def answer(self, operation_id: str, controls: Controls) -> Reply:
        example = self.choose(operation_id, controls)
        headers = {**example.headers, "Preference-Applied": f"code={example.status}, example={example.name}"}
        return json_response(example.value, example.status, headers)


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
