"""Per-request mock controls: `Prefer: code=, example=, delay=` and `__code`/`__example`.

`Prefer` follows RFC 7240 and Prism's convention; the query parameters do the same from a
browser's address bar and win over the header. Preferences the mock does not know are
ignored, as RFC 7240 asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from .errors import ApiError

MAX_DELAY_MS = 10_000  # a longer wait is more likely a typo than a wish, and holds a worker thread
_QUERY_NAMES = {"__code": "code", "__example": "example"}


@dataclass(frozen=True, slots=True)
class Controls:
    code: str | None = None
    example: str | None = None
    delay_ms: int | None = None
    from_query: frozenset[str] = frozenset()  # which of code/example came from `__` parameters

    @property
    def forces(self) -> bool:
        return self.code is not None or self.example is not None

    def field(self, name: str) -> str:
        """Where `name` (code or example) was given, as error messages name it."""
        return f"__{name}" if name in self.from_query else "Prefer"


def read_controls(environ: dict[str, Any]) -> Controls | None:
    """The controls a request carries, or None for an ordinary request (the common case)."""
    header = environ.get("HTTP_PREFER")
    query = environ.get("QUERY_STRING", "")
    if header is None and "__" not in query:
        return None
    values = _from_prefer(header) if header else {}
    from_query = set()
    if "__" in query:
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name in _QUERY_NAMES:
                values[_QUERY_NAMES[name]] = value
                from_query.add(_QUERY_NAMES[name])
    if not values:
        return None
    delay = _delay(values.get("delay"))
    return Controls(values.get("code"), values.get("example"), delay, frozenset(from_query))


def _from_prefer(header: str) -> dict[str, str]:
    """`code=404, example=notFound; delay=300` -> {"code": "404", ...}; other tokens ignored."""
    values: dict[str, str] = {}
    for token in header.replace(";", ",").split(","):
        name, sep, value = token.partition("=")
        name = name.strip().lower()
        if sep and name in ("code", "example", "delay"):
            values[name] = value.strip().strip('"')
    return values


def _delay(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or int(raw) > MAX_DELAY_MS:
        raise control_error("Prefer", f"delay must be whole milliseconds from 0 to {MAX_DELAY_MS}, got {raw[:40]!r}")
    return int(raw)


def control_error(field: str, message: str, **details: Any) -> ApiError:
    """A mock control the spec cannot honour: 400 in the validation envelope, naming the choices."""
    body = {"errors": [{"field": field, "message": message}], **details}
    return ApiError(400, "VALIDATION_ERROR", "Mock control not understood", body)
