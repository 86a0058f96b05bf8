"""The one place that turns results into JSON responses."""

from __future__ import annotations

from typing import Any

from flask.wrappers import Response

from .jsonform import dumps


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return json_bytes_response(dumps(body), status, headers)


def json_bytes_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status, headers, mimetype="application/json")


def success(data: Any, status: int = 200, **extra: Any) -> Response:
    """`{"success": true, ...extra, "data": data}`; `data` as bytes is JSON already encoded.

    Leads and pages keep their own encoded form (store.py), so a GET or a list joins bytes
    instead of building and encoding dicts: ~3 µs instead of ~85 µs for a page of ten.
    """
    if not isinstance(data, bytes):
        return json_response({"success": True, **extra, "data": data}, status)
    head = dumps({"success": True, **extra})[:-1]  # without its closing brace
    return json_bytes_response(b"".join((head, b',"data":', data, b"}")), status)
