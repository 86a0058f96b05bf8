"""Checking one exchange against openapi.yaml with openapi-core, wherever it came from.

Used by the kit (responses from a live URL) and by the mock's own tests (responses from
the Flask test client), so both hold responses to the same spec the same way.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlsplit

import jsonschema_rs
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathError
from werkzeug.datastructures import Headers, ImmutableMultiDict

from mock_server.spec import json_schema, load_spec

# Responses the spec lists but binds to no operation: unknown routes and wrong methods.
_UNBOUND = {404: "NotFoundError", 405: "MethodNotAllowedError"}


@dataclass
class Exchange:
    """One request and its response, as plain data."""

    method: str
    url: str
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes
    request_headers: Mapping[str, str] = field(default_factory=dict)
    request_body: bytes | None = None
    # When it was seen, in seconds since the epoch: the cross-exchange rules compare two
    # exchanges only when one ended before the other began. None: not known.
    started: float | None = None
    ended: float | None = None
    number: int | None = None  # its place in a recording (a HAR entry's number), for reports
    response_omitted: bool = False  # the recording left the response body out: nothing to judge in it

    def excerpt(self, limit: int = 300) -> str:
        text = self.response_body.decode("utf-8", "replace")
        return text if len(text) <= limit else text[:limit] + "…"


class _Request:
    def __init__(self, exchange: Exchange) -> None:
        parts = urlsplit(exchange.url)
        self.host_url = f"{parts.scheme}://{parts.netloc}"
        self.path = parts.path
        self.method = exchange.method.lower()
        self.body = exchange.request_body
        headers = Headers(list(exchange.request_headers.items()))
        self.content_type = headers.get("Content-Type", "application/octet-stream")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(parts.query, keep_blank_values=True)), header=headers
        )


class _Response:
    def __init__(self, exchange: Exchange) -> None:
        self.status_code = exchange.status
        self.headers = Headers(list(exchange.response_headers.items()))
        self.content_type = self.headers.get("Content-Type", "").lower()
        self.data = exchange.response_body


class SpecChecker:
    """Validates responses against openapi.yaml for a deployment at `base_url`."""

    def __init__(self, base_url: str, spec: dict[str, Any] | None = None) -> None:
        spec = copy.deepcopy(spec if spec is not None else load_spec())
        # openapi-core finds operations through `servers`: point it at the deployment.
        spec["servers"] = [{"url": base_url.rstrip("/")}]
        self.spec = spec
        self.openapi = OpenAPI.from_dict(spec)
        self._unbound = {
            status: jsonschema_rs.validator_for(json_schema(spec, {"$ref": f"#/components/schemas/{name}"}))
            for status, name in _UNBOUND.items()
        }

    def problems(self, exchange: Exchange) -> list[str]:
        """What is wrong with the response; empty when it conforms."""
        found = []
        content_type = _Response(exchange).content_type
        if exchange.method.upper() != "HEAD" and not _is_json(content_type):
            found.append(f"Content-Type is {content_type or 'missing'!r}, not application/json")
        try:
            self.openapi.validate_response(_Request(exchange), _Response(exchange))
        except PathError:  # no operation for this URL: an unknown route or a wrong method
            found += self._unbound_problems(exchange)
        except Exception as exc:  # openapi-core raises a family of errors; all mean "does not conform"
            found.append(_describe(exc))
        return found

    def _unbound_problems(self, exchange: Exchange) -> list[str]:
        validator = self._unbound.get(exchange.status)
        if validator is None:
            return [f"status {exchange.status} is not documented for {exchange.method} {urlsplit(exchange.url).path}"]
        try:
            body = json.loads(exchange.response_body)
        except ValueError:
            return ["response body is not JSON"]
        return [f"body: {error.message}" for error in validator.iter_errors(body)]


def _is_json(content_type: str) -> bool:
    mimetype = content_type.split(";", 1)[0].strip()
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def _describe(exc: Exception) -> str:
    """openapi-core nests the schema errors that matter under its own; bring them up."""
    messages: list[str] = []
    inner: BaseException | None = exc
    while inner is not None:
        messages += [getattr(error, "message", str(error)) for error in getattr(inner, "schema_errors", None) or ()]
        inner = inner.__cause__
    return f"{type(exc).__name__}: " + ("; ".join(dict.fromkeys(messages)) or str(exc))
