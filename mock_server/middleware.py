"""The one WSGI layer around the whole app: CORS headers and preflights, and the request log.

It wraps the API's front door (api.py) and, behind it, Flask, so every answer gets the
same CORS headers and log line, whoever made it. Done here once per request rather than in
Flask's before/after hooks, which the API's requests no longer pass through.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

from .cors import Cors, Headers
from .errors import ApiError, render
from .requestlog import INJECTED, RequestLog

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class FrontDoor:
    def __init__(self, app: WsgiApp, cors: Cors, log: RequestLog) -> None:
        self.app = app
        self.cors = cors
        self.log = log

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and self.cors.is_preflight(environ, origin) and self.cors.allows(origin):
            start_response("204 No Content", self.cors.preflight_headers(environ, origin))
            body: Iterable[bytes] = []
            status = 204
        elif origin is not None and self.cors.is_preflight(environ, origin):
            reply = render(ApiError(*self.cors.refusal(origin)))
            start_response("403 Forbidden", _merged(reply.headers, self.cors.response_headers(origin)))
            body, status = [reply.body], 403
        else:
            extra = self.cors.response_headers(origin)
            seen: list[str] = []

            def start(status_line: str, headers: Headers, exc_info: Any = None) -> Any:
                seen.append(status_line)
                return start_response(status_line, _merged(headers, extra), exc_info)

            body = self.app(environ, start)
            status = int(seen[-1][:3]) if seen else 0
        self.log.record(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            status,
            (time.perf_counter() - started) * 1000,
            INJECTED in environ,
        )
        return body


def _merged(headers: Headers, extra: Headers) -> Headers:
    """`headers` plus `extra`, joining a Vary the response already has rather than repeating it."""
    for index, (name, value) in enumerate(headers):
        if name.lower() == "vary":
            joined = ", ".join([value, *(v for n, v in extra if n == "Vary")])
            return [*headers[:index], ("Vary", joined), *headers[index + 1 :], *(h for h in extra if h[0] != "Vary")]
    return headers + extra
