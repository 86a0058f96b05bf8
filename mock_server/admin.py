"""Routes for people and tools driving the mock, outside the API under `/__mock/`."""

from __future__ import annotations

from flask import Blueprint, Flask, g, request
from flask.wrappers import Response

from .envelopes import success
from .state import state

bp = Blueprint("admin", __name__, url_prefix="/__mock")


@bp.get("/audit")
def audit_log() -> Response:
    """Every DELETE attempt, oldest first: time, workspace, lead id, status, outcome."""
    return success({"entries": state().audit.entries()})


def record_deletion_attempt(response: Response) -> Response:
    if request.endpoint == "deleteLead" and request.view_args is not None:
        state().audit.record(g.get("workspace_id"), request.view_args["leadId"], response.status_code)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.after_request(record_deletion_attempt)
