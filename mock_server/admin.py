"""Routes for people and tools driving the mock, outside the API under `/__mock/`.

No key needed: this is a local test double's control panel, never part of the Leads API.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint, Flask, request

from .call import sent_media_type
from .envelopes import Reply, json_response, success
from .errors import ApiError, validation_error
from .pipeline import is_json
from .rsgi import BODY_LIMIT
from .snapshot import export_state, import_state
from .state import state
from .validation import MAX_DEPTH, parse_json

bp = Blueprint("admin", __name__, url_prefix="/__mock")

MAX_IMPORT_BYTES = 64 * 1024 * 1024  # a saved state may be far larger than an API body
# An export holds each lead 4 levels below its top (document, workspaces, a workspace, its
# leads), so whatever the API accepted at MAX_DEPTH comes back in: the round trip restores.
IMPORT_MAX_DEPTH = MAX_DEPTH + 4

ENDPOINTS = {
    "GET /__mock/": "this list",
    "POST /__mock/reset": "back to the starting leads (fixtures and --generate); empties the audit log",
    "GET /__mock/state": "the whole state as one JSON document: workspaces, keys, leads, retired ids",
    "PUT /__mock/state": "replace the leads with an exported state; checked whole first",
    "GET /__mock/audit": "every DELETE attempt, oldest first",
    "GET /__mock/requests?limit=N": "the most recent API requests, oldest first",
    "DELETE /__mock/requests": "forget the recent requests",
}


def body_limit(default: int) -> Callable[[dict[str, Any]], int]:
    """How large a body the server should read: a state import may be far larger than an API body."""

    def limit(environ: dict[str, Any]) -> int:
        importing = environ["REQUEST_METHOD"] == "PUT" and environ.get("PATH_INFO") == "/__mock/state"
        return MAX_IMPORT_BYTES if importing else default

    return limit


@bp.get("/", strict_slashes=False)
def index() -> Reply:
    return success({"endpoints": ENDPOINTS})


@bp.post("/reset")
def reset() -> Reply:
    mock = state()
    mock.reset()
    return success({"leads": len(mock.store.all_leads())})


@bp.get("/state")
def export() -> Reply:
    """The bare document, no envelope: it is a file format (a fixture file), saved and sent back as is."""
    return json_response(export_state(state()))


@bp.put("/state")
def import_() -> Reply:
    if not is_json(sent_media_type(request.headers.get("Content-Type"))):
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the state as JSON (application/json)")
    request.max_content_length = MAX_IMPORT_BYTES
    count = import_state(state(), parse_json(request.get_data(cache=False), max_depth=IMPORT_MAX_DEPTH))
    return success({"leads": count})


@bp.get("/audit")
def audit_log() -> Reply:
    """Every DELETE attempt, oldest first: time, workspace, lead id, status, outcome."""
    return success({"entries": state().audit.entries()})


@bp.get("/requests")
def recent_requests() -> Reply:
    raw = request.args.get("limit")
    if raw is not None and not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        raise validation_error([{"field": "limit", "message": f"must be a whole number, got {raw[:40]!r}"}])
    return success({"requests": state().requests.entries(int(raw) if raw is not None else None)})


@bp.delete("/requests")
def forget_requests() -> Reply:
    state().requests.clear()
    return success({"requests": []})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions[BODY_LIMIT] = body_limit(app.config["MAX_CONTENT_LENGTH"])
