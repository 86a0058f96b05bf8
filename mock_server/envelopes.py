"""The one place that turns results into JSON responses.

A response is a `Reply`: body, status and headers, nothing of any framework. The API
(api.py) writes it to WSGI itself; a Flask view may return it as it is, since Flask takes
a `(body, status, headers)` tuple as a response.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .jsonform import dumps

Headers = list[tuple[str, str]]
_SUCCESS = b'{"success":true'


class Reply(NamedTuple):
    body: bytes
    status: int
    headers: Headers


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return json_bytes_response(dumps(body), status, headers)


def json_bytes_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    fixed = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    return Reply(body, status, fixed + list(headers.items()) if headers else fixed)


def success(data: Any, status: int = 200, **extra: Any) -> Reply:
    """`{"success": true, ...extra, "data": data}`; `data` as bytes is JSON already encoded.

    Leads and pages keep their own encoded form (store.py), so a GET or a list joins bytes
    instead of building and encoding dicts: ~3 µs instead of ~85 µs for a page of ten.
    """
    if not isinstance(data, bytes):
        return json_response({"success": True, **extra, "data": data}, status)
    head = dumps({"success": True, **extra})[:-1] if extra else _SUCCESS  # without its closing brace
    return json_bytes_response(b"".join((head, b',"data":', data, b"}")), status)
