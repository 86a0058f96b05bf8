"""The one place that turns results into JSON responses."""

from __future__ import annotations

import json
from typing import Any

from flask.wrappers import Response

_encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_encode(body), status, headers, mimetype="application/json")


def success(data: Any, status: int = 200, **extra: Any) -> Response:
    """`{"success": true, ...extra, "data": data}`."""
    return json_response({"success": True, **extra, "data": data}, status)
