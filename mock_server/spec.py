"""openapi.yaml, found and loaded once per app: the single source of truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

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
