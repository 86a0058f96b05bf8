"""The API's routes, read from openapi.yaml's paths: which operation a request is for.

A path template's `{param}` is one path segment, possibly empty, so `/api/v1/leads/` is a
lookup of the empty id (404 LEAD_NOT_FOUND), as the template reads it. HEAD is answered
as GET without a body, as the WSGI frameworks do. Where several templates match a path,
the one with more literal text wins (`/a/{x}/c` over `/a/{x}/{y}`), and a method any of
them takes is routed there before a 405 is given.
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
    literal: int  # characters of the template outside its parameters: more is more specific


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
            compiled = _Path(re.compile(pattern), names, methods, len(_PARAM.sub("", path)))
            if names:
                self._templated.append(compiled)
            else:
                self._exact[path] = compiled
        self._templated.sort(key=lambda found: -found.literal)  # stable: spec order among equals

    def match(self, method: str, path: str) -> Route | None:
        """The operation for this request, None when the path is none of the API's; 405 for a wrong method.

        `path` is decoded text (WSGI's PATH_INFO gives UTF-8 bytes as Latin-1 characters).
        """
        wanted = "GET" if method == "HEAD" else method
        exact = self._exact.get(path)
        if exact is not None and wanted in exact.operations:  # the common case, without a regex
            return Route(exact.operations[wanted], {})
        allowed = set(exact.operations) if exact is not None else set()
        for candidate in self._templated:
            matched = candidate.pattern.fullmatch(path)
            if matched is None:
                continue
            if wanted in candidate.operations:
                return Route(candidate.operations[wanted], dict(zip(candidate.names, matched.groups())))
            allowed.update(candidate.operations)
        if not allowed:
            return None
        methods = sorted(allowed)
        raise ApiError(
            405,
            "METHOD_NOT_ALLOWED",
            "Method not allowed",
            {"method": method, "allowed": methods},
            {"Allow": ", ".join(methods)},
        )
