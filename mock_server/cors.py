"""CORS for every route, so a page on another origin (a dev server) can call the mock.

On by default for any origin; `--cors-origin` narrows it to a list. Preflights are answered
here, before routing: the app turns off Flask's automatic OPTIONS (an OPTIONS on an API
route is otherwise a 405), and a preflight must succeed for the browser to send the real
request and see its real answer, 404 and 405 included. Written by hand rather than with
flask-cors, which leaves preflights to the route's own OPTIONS handling.
"""

from __future__ import annotations

from typing import Iterable

from flask import Flask, request
from flask.wrappers import Response

ALLOW_METHODS = "GET, POST, PUT, DELETE"
ALLOW_HEADERS = "Authorization, Content-Type, Prefer"  # when the preflight names none
# Readable from JavaScript besides the CORS-safelisted ones.
EXPOSE_HEADERS = "Retry-After, WWW-Authenticate, Allow, Preference-Applied"
MAX_AGE_SECONDS = "600"  # browsers may reuse a preflight this long


class Cors:
    def __init__(self, origins: Iterable[str] | None = None) -> None:
        self.origins = None if origins is None else frozenset(o.rstrip("/") for o in origins)

    def allows(self, origin: str) -> bool:
        return self.origins is None or origin in self.origins

    def preflight(self) -> Response | None:
        """Answer a browser's preflight from an allowed origin; anything else goes on as usual."""
        if request.method != "OPTIONS":
            return None
        headers = request.headers
        origin = headers.get("Origin")
        if origin is None or "Access-Control-Request-Method" not in headers or not self.allows(origin):
            return None  # not a preflight, or not for us: the route's own answer (405) stands
        response = Response(status=204, mimetype="application/json")  # the contract's type, even bodiless
        response.headers.update(
            {
                "Access-Control-Allow-Methods": ALLOW_METHODS,
                "Access-Control-Allow-Headers": headers.get("Access-Control-Request-Headers") or ALLOW_HEADERS,
                "Access-Control-Max-Age": MAX_AGE_SECONDS,
                "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            }
        )
        return response

    def add_headers(self, response: Response) -> Response:
        """The one place cross-origin headers are set, on every response."""
        headers = response.headers
        if "Vary" not in headers:
            headers["Vary"] = "Origin"
        elif "Origin" not in headers["Vary"]:
            headers["Vary"] = headers["Vary"] + ", Origin"
        origin = request.headers.get("Origin")
        if origin is not None and self.allows(origin):
            headers["Access-Control-Allow-Origin"] = origin
            # Bearer keys need no credentials mode, but clients that set it anyway still work.
            headers["Access-Control-Allow-Credentials"] = "true"
            headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        return response


def init_app(app: Flask, cors: Cors) -> None:
    app.before_request(cors.preflight)
    app.after_request(cors.add_headers)
