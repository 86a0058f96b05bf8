"""Routes for people and tools driving the mock, outside the API under `/__mock/`.

No key needed: this is a local test double's control panel, never part of the Leads API.
Inside a sandbox (sandboxes.py) every route acts on that sandbox's world; the sandboxes
themselves are made, listed and dropped under `/__mock/sandboxes`, from the root only.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint, Flask, current_app, request

from .call import sent_media_type
from .envelopes import Reply, json_response, success
from .errors import ApiError, validation_error
from .pipeline import is_json
from .rsgi import BODY_LIMIT
from .sandboxes import ADMIN_PATH, HEADER, PREFIX, SANDBOXES, Sandbox, Sandboxes, check_name
from .snapshot import export_state, import_state
from .state import WORLD, state
from .validation import MAX_DEPTH, parse_json
from .world import recipe_from

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
    "PUT /__mock/sandboxes/NAME": "make a sandbox (or reset it), with options of its own in a JSON body",
    "GET /__mock/sandboxes": "the live sandboxes: name, leads, requests served, created, last used",
    "GET /__mock/sandboxes/NAME": "one sandbox: its base URL, header and workspaces",
    "DELETE /__mock/sandboxes/NAME": "drop a sandbox and its data",
}


def body_limit(default: int) -> Callable[[dict[str, Any]], int]:
    """How large a body the server should read: a state import may be far larger than an API body."""

    def limit(environ: dict[str, Any]) -> int:
        path: str = environ.get("PATH_INFO", "")
        importing = environ["REQUEST_METHOD"] == "PUT" and (
            path == "/__mock/state"
            or (path.startswith(PREFIX) and path.endswith("/__mock/state"))  # a sandbox's import
            or path.startswith("/__mock/sandboxes/")  # a sandbox's own fixtures, inline
        )
        return MAX_IMPORT_BYTES if importing else default

    return limit


@bp.get("/", strict_slashes=False)
def index() -> Reply:
    if WORLD in request.environ:  # inside a sandbox: the routes that act on it, not the root's sandbox routes
        return success({"endpoints": {route: does for route, does in ENDPOINTS.items() if ADMIN_PATH not in route}})
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


def _sandboxes() -> Sandboxes:
    found: Sandboxes = current_app.extensions[SANDBOXES]
    return found


def _described(sandbox: Sandbox) -> dict[str, Any]:
    """What a client needs to use a sandbox: its base URL, its header, its workspaces' keys and lead counts."""
    counts: dict[str, int] = {}
    for lead in sandbox.world.store.all_leads():
        counts[lead.workspace_id] = counts.get(lead.workspace_id, 0) + 1
    return {
        "name": sandbox.name,
        "baseUrl": f"{request.host_url.rstrip('/')}{PREFIX}{sandbox.name}",
        "header": {HEADER: sandbox.name},
        "workspaces": [
            {"id": ws.id, "apiKeys": list(ws.api_keys), "leads": counts.get(ws.id, 0)} for ws in sandbox.world.fixtures.workspaces
        ],
    }


@bp.put("/sandboxes/<name>")
def put_sandbox(name: str) -> Reply:
    """Make the sandbox, or reset it, from the start options or the body's own; 201 made, 200 reset."""
    check_name(name, "path")
    options: Any = {}
    request.max_content_length = MAX_IMPORT_BYTES
    raw = request.get_data(cache=False)
    if raw:
        if not is_json(sent_media_type(request.headers.get("Content-Type"))):
            raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the sandbox's options as JSON (application/json)")
        options = parse_json(raw, max_depth=IMPORT_MAX_DEPTH)
    registry = _sandboxes()
    recipe = recipe_from(options, registry.recipe, registry.shared) if options != {} else None
    sandbox, created = registry.put(name, recipe)
    return json_response(_described(sandbox), 201 if created else 200)


@bp.get("/sandboxes")
def list_sandboxes() -> Reply:
    return json_response({"sandboxes": _sandboxes().listing()})


@bp.get("/sandboxes/<name>")
def get_sandbox(name: str) -> Reply:
    sandbox = _sandboxes().get(check_name(name, "path"))
    if sandbox is None:
        raise _no_sandbox(name)
    return json_response(_described(sandbox))


@bp.delete("/sandboxes/<name>")
def drop_sandbox(name: str) -> Reply:
    if not _sandboxes().drop(check_name(name, "path")):
        raise _no_sandbox(name)
    return json_response({"name": name, "dropped": True})


def _no_sandbox(name: str) -> ApiError:
    message = f"No sandbox {name!r} is live (never made, dropped, or expired); any use of the name makes it"
    return ApiError(404, "NOT_FOUND", message, {"sandbox": name})  # NOT_FOUND: every 404 outside the API has that code


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions[BODY_LIMIT] = body_limit(app.config["MAX_CONTENT_LENGTH"])
