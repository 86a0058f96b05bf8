"""CORS for every route, so a page on another origin (a dev server) can call the mock.

On by default for any origin; `--cors-origin` narrows it to a list. Preflights are answered
before anything routes the request: an OPTIONS on an API route is otherwise the contract's
405 (api.py), and a preflight must succeed for the browser to send
the real request and see its real answer, 404 and 405 included. Written by hand rather than
with flask-cors, which leaves preflights to the route's own OPTIONS handling.
"""

from __future__ import annotations

from typing import Iterable

Headers = list[tuple[str, str]]

ALLOW_METHODS = "GET, POST, PUT, DELETE"
ALLOW_HEADERS = "Authorization, Content-Type, Prefer, Leadkit-Sandbox"  # when the preflight names none
# Readable from JavaScript besides the CORS-safelisted ones.
EXPOSE_HEADERS = "Retry-After, WWW-Authenticate, Allow, Preference-Applied, Leadkit-Sandbox-Created"
MAX_AGE_SECONDS = "600"  # browsers may reuse a preflight this long


class Cors:
    """Which origins may call, and the headers that say so; computed once where possible."""

    def __init__(self, origins: Iterable[str] | None = None) -> None:
        self.origins = None if origins is None else frozenset(o.rstrip("/") for o in origins)
        self._not_cross_origin: Headers = [("Vary", "Origin")]  # a cache must not serve it to a page

    def allows(self, origin: str) -> bool:
        return self.origins is None or origin in self.origins

    def is_preflight(self, environ: dict[str, object], origin: str | None) -> bool:
        """A browser's preflight (allowed origin or not); any other OPTIONS is routed as usual (405)."""
        return origin is not None and environ["REQUEST_METHOD"] == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ

    def refusal(self, origin: str) -> tuple[int, str, str, dict[str, object]]:
        """A preflight from an origin `--cors-origin` leaves out: 403, saying how to allow it.

        Not the 405 an OPTIONS otherwise gets, which sends a frontend developer hunting for
        a method bug; the browser blocks the request either way (no grant is given).
        """
        allowed = sorted(self.origins or ())
        message = (
            f"Origin {origin} is not allowed to call this mock; start it with --cors-origin {origin} "
            "(repeatable) or add it to LEADS_CORS_ORIGINS, or leave both unset to allow any origin"
        )
        return 403, "ORIGIN_NOT_ALLOWED", message, {"origin": origin, "allowedOrigins": allowed}

    def preflight_headers(self, environ: dict[str, object], origin: str) -> Headers:
        requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
        return [
            ("Content-Type", "application/json"),  # the contract's type on every answer, even a bodiless one
            ("Content-Length", "0"),
            ("Access-Control-Allow-Methods", ALLOW_METHODS),
            ("Access-Control-Allow-Headers", str(requested) if requested else ALLOW_HEADERS),
            ("Access-Control-Max-Age", MAX_AGE_SECONDS),
            ("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
            *self._grant(origin),
        ]

    def response_headers(self, origin: str | None) -> Headers:
        """What every other answer gains: `Vary: Origin`, and the grant for an allowed origin."""
        if origin is None or not self.allows(origin):
            return self._not_cross_origin
        return [("Vary", "Origin"), *self._grant(origin)]

    @staticmethod
    def _grant(origin: str) -> Headers:
        return [
            ("Access-Control-Allow-Origin", origin),
            # Bearer keys need no credentials mode, but clients that set it anyway still work.
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Expose-Headers", EXPOSE_HEADERS),
        ]
