"""How bugs are planted in the mock from outside it: middleware around one app, or a store swapped in."""

from __future__ import annotations

import io
import json
import re
from typing import Any, Callable, Iterable

from flask import Flask
from werkzeug.wrappers import Request, Response

from mock_server import create_app
from mock_server.state import EXTENSION
from mock_server.store import Lead, LeadStore, Page

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
    """WSGI middleware around one mock: `before` may answer in its place (or put another body in
    `environ["wsgi.input"]` for the mock to read), `after` may change its answer."""

    def __init__(self, app: Flask, before: Before | None = None, after: After | None = None) -> None:
        self.app = app
        self.before = before
        self.after = after

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        sent = environ["wsgi.input"] = io.BytesIO(body)
        request = Request(environ, shallow=True)
        response = self.before(request, body, environ) if self.before else None
        if response is None:
            if environ["wsgi.input"] is sent:
                sent.seek(0)  # read again from the start, unless `before` gave the mock another body
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
    return LeadStore.find(store, workspace_id, page=1, limit=10**9, **filters).leads


def page_of(leads: list[Lead], page: int, limit: int) -> Page:
    start = (page - 1) * limit
    return Page(leads[start : start + limit], page, limit, len(leads))


