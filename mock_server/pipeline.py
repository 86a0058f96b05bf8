"""The checks every API request passes, in the contract's order, before its view runs.

Routing (api.py), auth, rate limit, body size, media type, validation; the view does the
lookup. A request refused here has changed nothing.

The mock's own controls fit in around them. `Prefer`/`__code`/`__example` are read right
after routing and the delay is served there, so every answer, a 401 included, is slow when
asked. A control the mock cannot honour (a malformed delay, a code or example the spec does
not document for the operation) is validation: a 400 after auth and the rate limit, so
without a valid key it is a 401. A well-formed forced response is answered at the rate-limit
step and skips the body and query checks: it is the spec's example, changes nothing and
tells nothing of the workspace. It needs no key, so `?__code=404` works from a browser's
address bar, but a key that is sent must be valid (a wrong key is still a 401) and counts
against the rate limit. Injected faults (`--fail-rate`) come at the same step, after auth.
"""

from __future__ import annotations

import re

from .auth import resolve_workspace
from .body import read_body
from .call import Call
from .controls import read_controls
from .envelopes import Reply
from .errors import ApiError, payload_too_large
from .faults import sleep_for
from .requestlog import INJECTED
from .state import MockState
from .validation import check_body, check_query, parse_json

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_TOKEN = r"[!#$%&'*+.^_`|~0-9a-z-]+"  # RFC 9110 §5.6.2, lower-cased
_JSON_TYPE = re.compile(rf"application/(?:json|{_TOKEN}\+json)")


def is_json(mimetype: str) -> bool:
    """`application/json` or any `application/*+json` (parameters already stripped, lower case).

    One media type only (RFC 9110 §8.3: `type "/" subtype`): `application/foo/bar+json` is none,
    and two Content-Type headers (joined with a comma) are more than one.
    """
    return _JSON_TYPE.fullmatch(mimetype) is not None


def _valid_body(call: Call, mock: MockState) -> object:
    """The request's body when it would pass the checks, for a forced answer to show; else None."""
    if not is_json(call.mimetype):
        return None
    try:
        body = parse_json(read_body(call.environ, mock.max_body))
        check_body(mock.checks[call.operation_id].body, body)
    except ApiError:
        return None
    return body


def check_request(call: Call, mock: MockState) -> Reply | None:
    """None when the view may run; a forced or faulted answer; else raises the ApiError that refuses it."""
    operation_id = call.operation_id
    checks = mock.checks[operation_id]
    environ = call.environ
    controls, malformed = None, None
    try:
        controls = read_controls(environ)  # a malformed delay raises
        if controls is not None and controls.forces:
            mock.forced.choose(operation_id, controls)  # a code or example the spec does not document raises
    except ApiError as refused:
        malformed = refused
    if controls is not None or mock.latency is not None:
        sleep_for(controls, mock.latency)
    forced = controls is not None and controls.forces and malformed is None
    if not forced or "HTTP_AUTHORIZATION" in environ:
        key = resolve_workspace(call, mock.keys)
        if mock.limiter is not None:
            mock.limiter.check(key)
    if malformed is not None:
        raise malformed  # a control the mock cannot honour is validation: after auth, as the contract orders
    if controls is not None and forced:
        call.simulated = True
        sent = _valid_body(call, mock) if checks.body is not None else None
        return mock.forced.answer(operation_id, controls, call.params, sent, mock.store.reserve_id)
    if mock.fail_rate is not None:
        failed = mock.fail_rate.maybe_fail(operation_id)
        if failed is not None:
            call.simulated = True
            environ[INJECTED] = True  # the request log marks it
            return failed
    if call.method in BODY_METHODS:
        length = call.content_length
        if length is not None and length > mock.max_body:
            raise payload_too_large(mock.max_body)
        if not is_json(call.mimetype):
            if length is None:  # chunked: its size is known only once read, and size comes first
                read_body(environ, mock.max_body)
            raise ApiError(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "Request body must be JSON (application/json)",
                {"contentType": call.header("Content-Type")},
            )
    if checks.body is not None:
        call.body = parse_json(read_body(environ, mock.max_body))
        check_body(checks.body, call.body)
    if checks.query is not None:
        call.query = check_query(checks, call.args())
    return None
