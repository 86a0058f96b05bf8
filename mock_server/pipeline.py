"""The checks every API request passes, in the contract's order, before its view runs.

Routing, auth, rate limit, body size, media type, validation; the view does the lookup.
A request refused here has changed nothing.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from .auth import resolve_workspace
from .body import read_body
from .errors import ApiError, payload_too_large
from .state import state
from .validation import check_body, check_query, parse_json

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def is_json(mimetype: str) -> bool:
    """`application/json` or any `application/*+json` (parameters already stripped)."""
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def check_request() -> None:
    if request.routing_exception is not None:
        raise request.routing_exception  # unknown route or wrong method, before anything else
    mock = state()
    checks = mock.checks.get(request.endpoint or "")
    if checks is None:
        return  # not an API operation (admin routes, docs)
    resolve_workspace(mock.keys)
    if request.method in BODY_METHODS:
        length = request.content_length
        if length is not None and length > current_app.config["MAX_CONTENT_LENGTH"]:
            raise payload_too_large()
        if not is_json(request.mimetype):
            raise ApiError(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "Request body must be JSON (application/json)",
                {"contentType": request.headers.get("Content-Type")},
            )
    if checks.body is not None:
        g.body = parse_json(read_body(request.environ))
        check_body(checks.body, g.body)
    if checks.query is not None:
        g.query = check_query(checks, request.args)


def init_app(app: Flask) -> None:
    app.before_request(check_request)
