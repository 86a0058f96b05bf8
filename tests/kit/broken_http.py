"""Middleware that gets one rule of the HTTP around the data wrong each, wrapped round one mock app."""

from __future__ import annotations

import json
import re
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode

from flask import Flask
from planting import LEAD_PATH, Before, Planted, answer, edit_json, error, mock, store_of
from werkzeug.wrappers import Request, Response

from mock_server import create_app
from mock_server.state import EXTENSION
from mock_server.store import WRITABLE


def _owner(app: Flask, lead_id: str) -> str | None:
    lead = store_of(app)._leads.get(lead_id)
    return lead.workspace_id if lead else None


def reads_across_workspaces() -> Planted:
    """GET of another workspace's lead answers 200 with it."""
    app = mock()

    def after(request: Request, body: bytes, response: Response) -> None:
        match = LEAD_PATH.match(request.path)
        owner = _owner(app, match["id"]) if match and request.method == "GET" and response.status_code == 404 else None
        if owner:
            lead = store_of(app).get(owner, match["id"])  # type: ignore[index]
            response.status_code = 200
            response.set_data(json.dumps({"success": True, "data": lead.to_dict()}))

    return Planted(app, after=after)


def deletes_across_workspaces() -> Planted:
    """DELETE of another workspace's lead deletes it."""
    app = mock()

    def after(request: Request, body: bytes, response: Response) -> None:
        match = LEAD_PATH.match(request.path)
        owner = _owner(app, match["id"]) if match and request.method == "DELETE" and response.status_code == 404 else None
        if owner:
            store_of(app).delete(owner, match["id"])  # type: ignore[index]
            data = {"id": match["id"], "deletedAt": "2024-01-16T15:45:00.000Z"}  # type: ignore[index]
            response.status_code = 200
            response.set_data(json.dumps({"success": True, "message": "Lead deleted successfully", "data": data}))

    return Planted(app, after=after)


def lookup_before_auth() -> Planted:
    """Without a valid key, a missing lead is a 404 and an existing one a 401: existence leaks."""
    app = mock()
    keys = app.extensions[EXTENSION].keys

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        match = LEAD_PATH.match(request.path)
        token = request.headers.get("Authorization", "").partition(" ")[2].strip()
        if match and token not in keys and _owner(app, match["id"]) is None:
            return error(404, "LEAD_NOT_FOUND", {"leadId": match["id"], "message": "No lead found with this ID in your workspace"})
        return None

    return Planted(app, before=before)


def refused_update_partly_applied() -> Planted:
    """A PUT refused with 400 still applies the fields it understood."""
    app = mock()

    def after(request: Request, body: bytes, response: Response) -> None:
        match = LEAD_PATH.match(request.path)
        if not (match and request.method == "PUT" and response.status_code == 400):
            return
        try:
            sent = json.loads(body)
        except ValueError:
            return
        owner = _owner(app, match["id"])
        known = {name: value for name, value in sent.items() if name in WRITABLE} if isinstance(sent, dict) else {}
        if owner and known:
            store_of(app).update(owner, match["id"], known)

    return Planted(app, after=after)


def _rewrite_response(when: Callable[[Request, Response], bool], edit: Callable[[Request, Response], object]) -> Planted:
    def after(request: Request, body: bytes, response: Response) -> None:
        if when(request, response):
            edit(request, response)

    return Planted(mock(), after=after)


def _is_error(code: str) -> Callable[[Request, Response], bool]:
    return lambda request, response: response.status_code >= 400 and json.loads(response.get_data()).get("code") == code


def forbidden_instead_of_401() -> Planted:
    """A bad key is 403, not 401."""
    return _rewrite_response(_is_error("UNAUTHORIZED"), lambda request, response: setattr(response, "status_code", 403))


def no_www_authenticate() -> Planted:
    """401 without WWW-Authenticate."""
    return _rewrite_response(_is_error("UNAUTHORIZED"), lambda request, response: response.headers.pop("WWW-Authenticate"))


def no_allow_header() -> Planted:
    """405 without Allow."""
    return _rewrite_response(_is_error("METHOD_NOT_ALLOWED"), lambda request, response: response.headers.pop("Allow"))


def error_without_code() -> Planted:
    """Errors carry no `code`."""
    return _rewrite_response(
        lambda request, response: response.status_code >= 400, lambda request, response: edit_json(response, lambda body: body.pop("code"))
    )


def html_unknown_route() -> Planted:
    """An unknown route is an HTML page."""

    def edit(request: Request, response: Response) -> None:
        response.set_data("<!doctype html><title>404 Not Found</title><h1>Not Found</h1>")
        response.mimetype = "text/html"

    return _rewrite_response(_is_error("NOT_FOUND"), edit)


def wrong_delete_message() -> Planted:
    """DELETE says something other than the seed's message."""
    return _rewrite_response(
        lambda request, response: request.method == "DELETE" and response.status_code == 200,
        lambda request, response: edit_json(response, lambda body: body.update(message="Lead removed")),
    )


def success_as_string() -> Planted:
    """`success` is the string "true", not a boolean."""
    return _rewrite_response(
        lambda request, response: response.status_code < 300,
        lambda request, response: edit_json(response, lambda body: body.update(success="true")),
    )


def created_at_moves_on_update() -> Planted:
    """PUT answers with createdAt moved to the update time."""
    return _rewrite_response(
        lambda request, response: request.method == "PUT" and response.status_code == 200,
        lambda request, response: edit_json(response, lambda body: body["data"].update(createdAt=body["data"]["updatedAt"])),
    )


def total_pages_rounded_down() -> Planted:
    """totalPages is total // limit, and hasNext follows it."""

    def fix(body: dict[str, Any]) -> None:
        pages = body["data"]["pagination"]
        pages["totalPages"] = pages["total"] // pages["limit"]
        pages["hasNext"] = pages["page"] < pages["totalPages"]

    return _rewrite_response(
        lambda request, response: request.path == "/api/v1/leads" and request.method == "GET" and response.status_code == 200,
        lambda request, response: edit_json(response, fix),
    )


def validation_errors_name_no_field() -> Planted:
    """VALIDATION_ERROR lists messages without the field they are about."""

    def drop(body: dict[str, Any]) -> None:
        body["details"]["errors"] = [{"message": error["message"]} for error in body["details"]["errors"]]

    return _rewrite_response(_is_error("VALIDATION_ERROR"), lambda request, response: edit_json(response, drop))


def _answer_first(before: Before) -> Planted:
    return Planted(mock(), before=before)


def limit_over_100_accepted() -> Planted:
    """limit=101 and beyond is quietly taken as 100."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> None:
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if query.get("limit", "").isdigit() and int(query["limit"]) > 100:
            environ["QUERY_STRING"] = urlencode({**query, "limit": "100"})

    return _answer_first(before)


def malformed_id_is_400() -> Planted:
    """A malformed lead id is a 400, not the seed's 404."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        match = LEAD_PATH.match(request.path)
        if match and not re.fullmatch(r"lead_[0-9a-f]{16}", match["id"]) and request.method in ("GET", "PUT", "DELETE"):
            return error(400, "VALIDATION_ERROR", {"errors": [{"field": "leadId", "message": "malformed id"}]})
        return None

    return _answer_first(before)


def text_plain_accepted() -> Planted:
    """A text/plain body is read as JSON."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> None:
        if environ.get("CONTENT_TYPE", "").startswith("text/plain"):
            environ["CONTENT_TYPE"] = "application/json"

    return _answer_first(before)


def charset_parameter_refused() -> Planted:
    """`application/json; charset=utf-8` is a 415."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if ";" in environ.get("CONTENT_TYPE", "") and request.method in ("POST", "PUT"):
            return error(415, "UNSUPPORTED_MEDIA_TYPE")
        return None

    return _answer_first(before)


def json_header_without_body_refused() -> Planted:
    """GET or DELETE with Content-Type: application/json and no body is a 400."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if request.method in ("GET", "DELETE") and environ.get("CONTENT_TYPE") == "application/json" and not body:
            return error(400, "VALIDATION_ERROR", {"errors": [{"field": "body", "message": "empty JSON body"}]})
        return None

    return _answer_first(before)


def lowercase_bearer_refused() -> Planted:
    """`bearer <key>` is refused: the scheme name is taken case-sensitively."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if request.headers.get("Authorization", "").split(" ")[0] in ("bearer", "BEARER"):
            return answer(401, {"success": False, "error": "Bad key", "code": "UNAUTHORIZED", "details": {}}, {"WWW-Authenticate": "Bearer"})
        return None

    return _answer_first(before)


def server_error_on_letter_in_phone() -> Planted:
    """A phone number with a letter in it crashes create and update with a 500."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        try:
            sent = json.loads(body) if request.method in ("POST", "PUT") else None
        except ValueError:
            return None
        phone = sent.get("phone") if isinstance(sent, dict) else None
        if isinstance(phone, str) and re.search(r"[A-Za-z]", phone):
            return error(500, "INTERNAL_ERROR")
        return None

    return _answer_first(before)


def no_body_size_limit() -> Flask:
    """Bodies over 1 MiB are accepted."""
    return create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 16 * 1024 * 1024})


