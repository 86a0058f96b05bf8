"""The API's routes, read from openapi.yaml's paths: which operation a request is for.

A path template's `{param}` is one path segment, possibly empty, so `/api/v1/leads/` is a
lookup of the empty id (404 LEAD_NOT_FOUND), as the template reads it. HEAD is answered
as GET without a body, as the WSGI frameworks do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import ApiError
from .spec import operations

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Route:
    """One operation and the path parameters the request gave it."""

    operation_id: str
    params: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Path:
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    operations: dict[str, str]  # method -> operationId

    def allowed(self) -> list[str]:
        return sorted(self.operations)


class Routes:
    """Match a request's method and path against every path of the spec, compiled once."""

    def __init__(self, spec: dict[str, Any]) -> None:
        by_path: dict[str, dict[str, str]] = {}
        for path, method, operation in operations(spec):
            by_path.setdefault(path, {})[method.upper()] = operation["operationId"]
        self._exact: dict[str, _Path] = {}
        self._templated: list[_Path] = []
        for path, methods in by_path.items():
            names = tuple(_PARAM.findall(path))
            pattern = "".join(
                "([^/]*)" if index % 2 else re.escape(part) for index, part in enumerate(_PARAM.split(path))
            )
            compiled = _Path(re.compile(pattern), names, methods)
            if names:
                self._templated.append(compiled)
            else:
                self._exact[path] = compiled

    def match(self, method: str, path: str) -> Route | None:
        """The operation for this request, None when the path is none of the API's; 405 for a wrong method.

        `path` is decoded text (WSGI's PATH_INFO gives UTF-8 bytes as Latin-1 characters).
        """
        found = self._exact.get(path)
        params: dict[str, str] = {}
        if found is None:
            for candidate in self._templated:
                matched = candidate.pattern.fullmatch(path)
                if matched is not None:
                    found, params = candidate, dict(zip(candidate.names, matched.groups()))
                    break
            else:
                return None
        operation_id = found.operations.get("GET" if method == "HEAD" else method)
        if operation_id is None:
            allowed = found.allowed()
            raise ApiError(
                405,
                "METHOD_NOT_ALLOWED",
                "Method not allowed",
                {"method": method, "allowed": allowed},
                {"Allow": ", ".join(allowed)},
            )
        return Route(operation_id, params)
