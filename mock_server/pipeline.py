"""The checks every API request passes, in the contract's order, before its view runs.

Routing, auth, rate limit, body size, media type, validation; the view does the lookup.
A request refused here has changed nothing.

The mock's own controls fit in around them. `Prefer`/`__code`/`__example` are read right
after routing (a malformed delay is a 400 then) and the delay is served there, so every
answer, a 401 included, is slow when asked. A forced response is answered at the rate-limit
step and skips the body and query checks: it is the spec's example, changes nothing and
tells nothing of the workspace. It needs no key, so `?__code=404` works from a browser's
address bar, but a key that is sent must be valid (a wrong key is still a 401) and counts
against the rate limit. Injected faults (`--fail-rate`) come at the same step, after auth.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask.wrappers import Response

from .auth import api_key, resolve_workspace
from .body import read_body
from .controls import read_controls
from .errors import ApiError, payload_too_large
from .faults import sleep_for
from .state import state
from .validation import check_body, check_query, parse_json

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def is_json(mimetype: str) -> bool:
    """`application/json` or any `application/*+json` (parameters already stripped)."""
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def check_request() -> Response | None:
    req = request._get_current_object()  # type: ignore[attr-defined]  # once: each proxy access costs a lookup
    if req.routing_exception is not None:
        raise req.routing_exception  # unknown route or wrong method, before anything else
    mock = state()
    operation_id = req.endpoint or ""
    checks = mock.checks.get(operation_id)
    if checks is None:
        return None  # not an API operation (admin routes, docs)
    controls = read_controls(req.environ)
    if controls is not None or mock.latency is not None:
        sleep_for(controls, mock.latency)
    if controls is None or not controls.forces or "Authorization" in req.headers:
        resolve_workspace(mock.keys)
        if mock.limiter is not None:
            mock.limiter.check(api_key())
    if controls is not None and controls.forces:
        g.simulated = True
        return mock.forced.answer(operation_id, controls)
    if mock.fail_rate is not None:
        failed = mock.fail_rate.maybe_fail(operation_id)
        if failed is not None:
            g.simulated = True
            return failed
    if req.method in BODY_METHODS:
        length = req.content_length
        if length is not None and length > current_app.config["MAX_CONTENT_LENGTH"]:
            raise payload_too_large()
        if not is_json(req.mimetype):
            raise ApiError(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "Request body must be JSON (application/json)",
                {"contentType": req.headers.get("Content-Type")},
            )
    if checks.body is not None:
        g.body = parse_json(read_body(req.environ))
        check_body(checks.body, g.body)
    if checks.query is not None:
        g.query = check_query(checks, req.args)
    return None


def init_app(app: Flask) -> None:
    app.before_request(check_request)
