"""openapi.yaml, found and loaded once per app: the single source of truth."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Mapping

import yaml

_HERE = Path(__file__).resolve().parent
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def resource_path(relative: str) -> Path:
    """A file of the project: packaged beside this module in a wheel, at the root in a checkout."""
    for base in (_HERE, _HERE.parent):
        if (base / relative).is_file():
            return base / relative
    raise FileNotFoundError(f"{relative} not found in {_HERE} or {_HERE.parent}")


def default_spec_path() -> Path:
    return resource_path("openapi.yaml")


def load_spec(path: str | Path | None = None) -> dict[str, Any]:
    with open(path or default_spec_path(), "rb") as handle:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        spec: dict[str, Any] = yaml.load(handle, Loader=loader)
    return spec


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (path, method, operation) for every operation in the spec."""
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def json_schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A standalone JSON Schema: `schema`, able to resolve `#/components/...` references."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": spec["components"], **schema}


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` such as `#/components/parameters/LeadId`."""
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@dataclass(frozen=True)
class Facts:
    """The contract's numbers and names that code needs, read from openapi.yaml once: nothing restates them."""

    max_body_bytes: int  # a body over this is 413
    max_header_bytes: int  # a header block over this is 431
    statuses: tuple[str, ...]  # LeadStatus, exactly
    lead_id_pattern: str  # LeadIdValue's pattern
    timestamp_pattern: str
    create_defaults: Mapping[str, Any]  # what a create that leaves a field out stores
    page_min: int
    limit_min: int
    limit_max: int
    limit_default: int


def facts(spec: dict[str, Any]) -> Facts:
    schemas, responses = spec["components"]["schemas"], spec["components"]["responses"]
    operation = next(op for _, _, op in operations(spec) if op.get("operationId") == "listLeads")
    query = {param["name"]: param["schema"] for param in (resolve(spec, p) for p in operation.get("parameters", []))}
    return Facts(
        max_body_bytes=responses["PayloadTooLarge"]["x-max-bytes"],
        max_header_bytes=responses["RequestHeadersTooLarge"]["x-max-bytes"],
        statuses=tuple(schemas["LeadStatus"]["enum"]),
        lead_id_pattern=schemas["LeadIdValue"]["pattern"],
        timestamp_pattern=schemas["Timestamp"]["pattern"],
        create_defaults=MappingProxyType(dict(schemas["LeadCreate"]["x-defaults"])),
        page_min=query["page"]["minimum"],
        limit_min=query["limit"]["minimum"],
        limit_max=query["limit"]["maximum"],
        limit_default=query["limit"]["default"],
    )


@cache
def contract_facts() -> Facts:
    """The facts of the packaged openapi.yaml, read once per process."""
    return facts(load_spec())
