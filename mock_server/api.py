"""The API's five operations, served straight from WSGI; every other path goes on to Flask.

A request for a path of openapi.yaml runs the one pipeline (pipeline.py), its view
(leads.py) and, on any exception, the one error handler (errors.py); a DELETE is then
audited. Flask keeps the rest: the admin API, the docs and unknown paths.

Why not Flask's own routing for these: Flask's request context, URL adapter, hooks and
response object cost ~45 µs of the ~63 µs that GET one lead took in process, and the
mock's throughput against Prism (issue 5) is set by that per-request cost. Served here,
the same checks and views take ~7 µs for GET one lead and ~16 µs for a list of ten
(bench/request_cost.py).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterable

from werkzeug.http import HTTP_STATUS_CODES

from .call import Call, wsgi_text
from .envelopes import Reply
from .errors import ApiError, error_reply
from .leads import VIEWS
from .pipeline import check_request
from .routes import Route, Routes
from .state import WORLD, MockState

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_STATUS_LINES = {code: f"{code} {phrase.upper()}" for code, phrase in HTTP_STATUS_CODES.items()}


class Api:
    def __init__(self, mock: MockState, routes: Routes, fallback: WsgiApp, logger: logging.Logger) -> None:
        missing = sorted(set(mock.checks) - set(VIEWS))
        if missing:
            raise RuntimeError(f"openapi.yaml has {', '.join(missing)}, the mock has no view for it")
        self.mock = mock
        self.routes = routes
        self.fallback = fallback
        self.logger = logger  # the Flask app's, so a 500's traceback is logged as Flask logs it

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # As sent: methods are case-sensitive (RFC 9110 §9.1), so `delete` is no DELETE but an
        # unknown method on a known route, a 405 with `Allow`, as a strict server answers.
        method: str = environ["REQUEST_METHOD"]
        path = wsgi_text(environ.get("PATH_INFO", ""))
        try:
            route = self.routes.match(method, path)
        except ApiError as wrong_method:  # routing comes first: before auth, before anything
            reply = error_reply(wrong_method, method, path, self.logger)
        else:
            if route is None:
                return self.fallback(environ, start_response)
            reply = self.answer(environ, method, path, route)
        start_response(_STATUS_LINES.get(reply.status) or f"{reply.status} UNKNOWN", reply.headers)
        return [] if method == "HEAD" else [reply.body]

    def answer(self, environ: dict[str, Any], method: str, path: str, route: Route) -> Reply:
        mock: MockState = environ.get(WORLD) or self.mock  # a sandbox's world (sandboxes.py), else the root
        call = Call(environ, method, path, route.operation_id, route.params)
        try:
            reply = check_request(call, mock) or VIEWS[call.operation_id](call, mock.store)
        except Exception as error:
            reply = error_reply(error, method, path, self.logger)
        if call.operation_id == "deleteLead":
            try:
                mock.audit.record(call.workspace_id, call.params["leadId"], reply.status, call.simulated)
            except Exception as error:  # the audit could not be written (a --state file's disk)
                reply = error_reply(error, method, path, self.logger)
        return reply
