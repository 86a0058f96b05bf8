"""Deliberately broken servers: each is the mock with one planted deviation from the contract.

The bugs are planted from outside mock_server, never as switches in it: WSGI middleware that
answers instead of the mock or edits its answer, or a LeadStore subclass swapped into one app.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from dataclasses import replace
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, urlencode

from flask import Flask
from werkzeug.wrappers import Request, Response

from mock_server import create_app
from mock_server.state import EXTENSION
from mock_server.store import WRITABLE, Lead, LeadNotFound, LeadStore, Page

LEAD_PATH = re.compile(r"^/api/v1/leads/(?P<id>[^/]+)$")
Before = Callable[[Request, bytes, dict[str, Any]], Response | None]
After = Callable[[Request, bytes, Response], None]


def mock() -> Flask:
    return create_app({"TESTING": True})


def store_of(app: Flask) -> LeadStore:
    found: LeadStore = app.extensions[EXTENSION].store
    return found


def lead_ids(app: Flask) -> set[str]:
    """Every lead id the app holds, in any workspace."""
    leads: Iterable[Lead] = store_of(app).all_leads()
    return {lead.id for lead in leads}


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status, headers, mimetype="application/json")


def error(status: int, code: str, details: dict[str, Any] | None = None) -> Response:
    return answer(status, {"success": False, "error": code.replace("_", " ").title(), "code": code, "details": details or {}})


class Planted:
    """WSGI middleware around one mock: `before` may answer in its place, `after` may change its answer."""

    def __init__(self, app: Flask, before: Before | None = None, after: After | None = None) -> None:
        self.app = app
        self.before = before
        self.after = after

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        request = Request(environ, shallow=True)
        response = self.before(request, body, environ) if self.before else None
        if response is None:
            environ["wsgi.input"] = io.BytesIO(body)
            response = Response.from_app(self.app, environ)
            if self.after:
                self.after(request, body, response)
        return response(environ, start_response)


def edit_json(response: Response, edit: Callable[[dict[str, Any]], None]) -> None:
    body = json.loads(response.get_data())
    edit(body)
    response.set_data(json.dumps(body))


def with_store(store_class: type[LeadStore]) -> Flask:
    app = mock()
    store_of(app).__class__ = store_class
    return app


def everything(store: LeadStore, workspace_id: str, **filters: Any) -> list[Lead]:
    """Every lead the honest list would match, newest first."""
    return LeadStore.list(store, workspace_id, page=1, limit=10**9, **filters).leads


def page_of(leads: list[Lead], page: int, limit: int) -> Page:
    start = (page - 1) * limit
    return Page(leads[start : start + limit], page, limit, len(leads))


# --- Store subclasses: the domain gets a rule wrong ---------------------------------------


class KeepsDeleted(LeadStore):
    """A deleted lead still answers GET, as it was."""

    def delete(self, workspace_id: str, lead_id: str) -> int:
        self.__dict__.setdefault("graveyard", {})[lead_id] = self.get(workspace_id, lead_id)
        return super().delete(workspace_id, lead_id)

    def get(self, workspace_id: str, lead_id: str) -> Lead:
        try:
            return super().get(workspace_id, lead_id)
        except LeadNotFound:
            ghost: Lead | None = self.__dict__.get("graveyard", {}).get(lead_id)
            if ghost is None or ghost.workspace_id != workspace_id:
                raise
            return ghost


class _ThisIdFirst:
    def __init__(self, lead_id: str, then: Any) -> None:
        self.lead_id: str | None = lead_id
        self.then = then

    def candidate(self) -> str:
        lead_id, self.lead_id = self.lead_id, None
        return lead_id or self.then.candidate()


class ReusesIds(LeadStore):
    """The next create gets the id of the lead deleted last."""

    def delete(self, workspace_id: str, lead_id: str) -> int:
        deleted = super().delete(workspace_id, lead_id)
        self._issued.discard(lead_id)
        self._ids = _ThisIdFirst(lead_id, self._ids)  # type: ignore[assignment]
        return deleted


class CountsDeleted(LeadStore):
    """Totals still count deleted leads."""

    def delete(self, workspace_id: str, lead_id: str) -> int:
        self.__dict__.setdefault("gone", Counter())[workspace_id] += 1
        return super().delete(workspace_id, lead_id)

    def list(self, workspace_id: str, **query: Any) -> Page:
        page = super().list(workspace_id, **query)
        return replace(page, total=page.total + self.__dict__.get("gone", Counter())[workspace_id])


class ReplacesMetadata(LeadStore):
    """PUT replaces metadata with what was sent instead of merging it."""

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        if isinstance(changes.get("metadata"), dict):
            super().update(workspace_id, lead_id, {"metadata": None})
        return super().update(workspace_id, lead_id, changes)


class NullKeepsPhoneAndSource(LeadStore):
    """PUT with phone or source null leaves the old value."""

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        kept = {name: value for name, value in changes.items() if value is not None or name not in ("phone", "source")}
        return super().update(workspace_id, lead_id, kept)


class KeepsUpdatedAt(LeadStore):
    """PUT leaves updatedAt as it was."""

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        before = self.get(workspace_id, lead_id).updated_ms
        lead = super().update(workspace_id, lead_id, changes)
        lead.updated_ms = before
        return lead


class IgnoresStatusFilter(LeadStore):
    """status= filters nothing."""

    def list(self, workspace_id: str, **query: Any) -> Page:
        return super().list(workspace_id, **{**query, "status": None})


class SourcePrefixMatch(LeadStore):
    """source= matches any source that starts with it."""

    def list(self, workspace_id: str, *, page: int = 1, limit: int = 10, source: str | None = None, **filters: Any) -> Page:
        leads = [lead for lead in everything(self, workspace_id, **filters) if not source or (lead.source or "").startswith(source)]
        return page_of(leads, page, limit)


class CaseSensitiveSearch(LeadStore):
    """search= minds case."""

    def list(self, workspace_id: str, *, page: int = 1, limit: int = 10, search: str | None = None, **filters: Any) -> Page:
        leads = [lead for lead in everything(self, workspace_id, **filters) if not search or search in f"{lead.name} {lead.email}"]
        return page_of(leads, page, limit)


class OldestFirst(LeadStore):
    """The list is oldest first."""

    def list(self, workspace_id: str, *, page: int = 1, limit: int = 10, **filters: Any) -> Page:
        return page_of(everything(self, workspace_id, **filters)[::-1], page, limit)


class ListsEveryWorkspace(LeadStore):
    """The list shows the leads of every workspace."""

    def list(self, workspace_id: str, *, page: int = 1, limit: int = 10, **filters: Any) -> Page:
        leads = [lead for ws in list(self._order) for lead in everything(self, ws, **filters)]
        return page_of(sorted(leads, key=lambda lead: lead.order_key, reverse=True), page, limit)


# --- Middleware: the HTTP around the data gets a rule wrong ---------------------------------


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
    app = mock()
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    return app


BUGS: dict[str, Callable[[], Any]] = {
    "keeps-deleted": lambda: with_store(KeepsDeleted),
    "reuses-ids": lambda: with_store(ReusesIds),
    "counts-deleted": lambda: with_store(CountsDeleted),
    "replaces-metadata": lambda: with_store(ReplacesMetadata),
    "null-keeps-phone-and-source": lambda: with_store(NullKeepsPhoneAndSource),
    "keeps-updated-at": lambda: with_store(KeepsUpdatedAt),
    "ignores-status-filter": lambda: with_store(IgnoresStatusFilter),
    "source-prefix-match": lambda: with_store(SourcePrefixMatch),
    "case-sensitive-search": lambda: with_store(CaseSensitiveSearch),
    "oldest-first": lambda: with_store(OldestFirst),
    "lists-every-workspace": lambda: with_store(ListsEveryWorkspace),
    "reads-across-workspaces": reads_across_workspaces,
    "deletes-across-workspaces": deletes_across_workspaces,
    "lookup-before-auth": lookup_before_auth,
    "refused-update-partly-applied": refused_update_partly_applied,
    "forbidden-instead-of-401": forbidden_instead_of_401,
    "no-www-authenticate": no_www_authenticate,
    "no-allow-header": no_allow_header,
    "error-without-code": error_without_code,
    "html-unknown-route": html_unknown_route,
    "wrong-delete-message": wrong_delete_message,
    "success-as-string": success_as_string,
    "created-at-moves-on-update": created_at_moves_on_update,
    "total-pages-rounded-down": total_pages_rounded_down,
    "validation-errors-name-no-field": validation_errors_name_no_field,
    "limit-over-100-accepted": limit_over_100_accepted,
    "malformed-id-is-400": malformed_id_is_400,
    "text-plain-accepted": text_plain_accepted,
    "charset-parameter-refused": charset_parameter_refused,
    "json-header-without-body-refused": json_header_without_body_refused,
    "lowercase-bearer-refused": lowercase_bearer_refused,
    "server-error-on-letter-in-phone": server_error_on_letter_in_phone,
    "no-body-size-limit": no_body_size_limit,
}
