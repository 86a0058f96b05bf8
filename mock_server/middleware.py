"""The one WSGI layer around the whole app: CORS headers and preflights, and the request log.

It wraps the API's front door (api.py) and, behind it, Flask, so every answer gets the
same CORS headers and log line, whoever made it. Done here once per request rather than in
Flask's before/after hooks, which the API's requests no longer pass through.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

from .call import wsgi_text
from .cors import Cors, Headers
from .errors import ApiError, render
from .harfile import HarRecorder, har_entry
from .requestlog import INJECTED, RequestLog
from .rsgi import HEADERS_OVER_LIMIT, MAX_HEADER_BYTES
from .state import WORLD

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def framing_error(environ: dict[str, Any]) -> ApiError | None:
    """What makes a request unanswerable before routing: RFC 9112's Host rule, an oversized header block."""
    if environ.get("SERVER_PROTOCOL") == "HTTP/1.1" and "HTTP_HOST" not in environ:
        message = "An HTTP/1.1 request must send a Host header (RFC 9112 §3.2)"
        return ApiError(400, "VALIDATION_ERROR", "Validation failed", {"errors": [{"field": "Host", "message": message}]})
    if HEADERS_OVER_LIMIT in environ:  # measured by the server bridge as it read them (rsgi.py)
        message = f"Request headers are larger than {MAX_HEADER_BYTES} bytes"
        return ApiError(431, "REQUEST_HEADERS_TOO_LARGE", message, {"maxBytes": MAX_HEADER_BYTES})
    return None


class FrontDoor:
    def __init__(self, app: WsgiApp, cors: Cors, log: RequestLog, recorder: HarRecorder | None = None) -> None:
        self.app = app
        self.cors = cors
        self.log = log
        self.recorder = recorder  # --record: the API's exchanges as HAR

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        wall = time.time()
        origin = environ.get("HTTP_ORIGIN")
        refused = framing_error(environ)
        if refused is not None:
            reply = render(refused)
            start_response(f"{refused.status} {refused.code.replace('_', ' ')}", reply.headers)
            body: Iterable[bytes] = [reply.body]
            status = refused.status
        elif origin is not None and self.cors.is_preflight(environ, origin) and self.cors.allows(origin):
            start_response("204 No Content", self.cors.preflight_headers(environ, origin))
            body = []
            status = 204
        elif origin is not None and self.cors.is_preflight(environ, origin):
            reply = render(ApiError(*self.cors.refusal(origin)))
            start_response("403 Forbidden", _merged(reply.headers, self.cors.response_headers(origin)))
            body, status = [reply.body], 403
        else:
            extra = self.cors.response_headers(origin)
            seen: list[str] = []

            sent: list[Headers] = []

            def start(status_line: str, headers: Headers, exc_info: Any = None) -> Any:
                seen.append(status_line)
                sent[:] = [_merged(headers, extra)]
                return start_response(status_line, sent[0], exc_info)

            body = self.app(environ, start)
            status = int(seen[-1][:3]) if seen else 0
            # The root's traffic only: a sandbox's is another deployment's, and a header-chosen
            # sandbox shares the root's URLs, so one file of both would read as one API contradicting itself.
            if self.recorder is not None and WORLD not in environ and environ.get("PATH_INFO", "").startswith("/api/"):
                body = self._record(environ, status, sent[0] if sent else [], body, wall)
        world = environ.get(WORLD)  # a sandbox's requests go to its own log (sandboxes.py)
        (self.log if world is None else world.requests).record(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            status,
            (time.perf_counter() - started) * 1000,
            INJECTED in environ,
        )
        return body

    def _record(self, environ: dict[str, Any], status: int, headers: Headers, body: Iterable[bytes], wall: float) -> list[bytes]:
        """Keep the exchange for the HAR file; the body is read whole (the API's bodies are already)."""
        try:
            whole = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        assert self.recorder is not None
        stream = environ.get("wsgi.input")
        sent: bytes | None = stream.getvalue() if stream is not None and hasattr(stream, "getvalue") else None
        query = environ.get("QUERY_STRING", "")
        url = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', 'localhost')}{wsgi_text(environ.get('PATH_INFO', ''))}"
        request_headers = [(name[5:].replace("_", "-").title(), value) for name, value in environ.items() if name.startswith("HTTP_")]
        request_headers += [(name.replace("_", "-").title(), environ[name]) for name in ("CONTENT_TYPE", "CONTENT_LENGTH") if environ.get(name)]
        entry = har_entry(
            environ["REQUEST_METHOD"], url + (f"?{query}" if query else ""), request_headers, sent or None, status, headers, whole, wall, time.time()
        )
        self.recorder.add(entry)
        return [whole]


def _merged(headers: Headers, extra: Headers) -> Headers:
    """`headers` plus `extra`, joining a Vary the response already has rather than repeating it."""
    for index, (name, value) in enumerate(headers):
        if name.lower() == "vary":
            joined = ", ".join([value, *(v for n, v in extra if n == "Vary")])
            return [*headers[:index], ("Vary", joined), *headers[index + 1 :], *(h for h in extra if h[0] != "Vary")]
    return headers + extra
