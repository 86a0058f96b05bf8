"""Servers whose bug hides where every check used to look away: behind unique names, ASCII-only text,
one spelling of a key, a field sent beside another, the byte limit's last byte. One deviation each."""

from __future__ import annotations

import io
import json
import threading
import time
from collections import deque
from dataclasses import replace
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, urlencode

from broken_text import _SearchesByPattern, _strings
from flask import Flask
from planting import LEAD_PATH, Planted, error, everything, mock, page_of, store_of
from werkzeug.wrappers import Request, Response

from mock_server import create_app
from mock_server.store import Lead, LeadStore, Page

MIB = 1024 * 1024


def _sent(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


class _Rewrites:
    """WSGI middleware that edits the request (its JSON body, its environ) before the mock reads it."""

    def __init__(self, app: Flask, edit: Callable[[dict[str, Any], Any], Any]) -> None:
        self.app = app
        self.edit = edit  # (environ, the body's JSON or None) -> the JSON to send on, or None to keep the body

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        edited = self.edit(environ, _sent(body) if environ["REQUEST_METHOD"] in ("POST", "PUT") else None)
        if edited is not None:
            body = json.dumps(edited).encode()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        response: Iterable[bytes] = self.app(environ, start_response)
        return response


# 1. Read-only fields on update.


def update_moves_workspace() -> Planted:
    """A PUT's workspaceId is taken: the lead moves to that workspace (another tenant's, or one made up)."""
    app = mock()
    store = store_of(app)
    moves: dict[str, str] = {}

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        sent = _sent(body) if request.method == "PUT" else None
        match = LEAD_PATH.match(request.path)
        if match and isinstance(sent, dict) and "workspaceId" in sent:
            moves[match["id"]] = str(sent.pop("workspaceId"))
            raw = json.dumps(sent).encode()
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(raw), str(len(raw))
        return None

    def after(request: Request, body: bytes, response: Response) -> None:
        match = LEAD_PATH.match(request.path)
        target = moves.pop(match["id"], None) if match else None
        if target is None or response.status_code != 200:
            return
        with store._lock:
            lead = store._leads[match["id"]]  # type: ignore[index]
            store._order[lead.workspace_id].remove(lead.order_key)
            store._insert(replace(lead, workspace_id=target))
        moved = json.loads(response.get_data())
        moved["data"]["workspaceId"] = target
        response.set_data(json.dumps(moved))

    return Planted(app, before, after)


# 2. Stored as sent.


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    return value


class DropsNullMetadataOnCreate(LeadStore):
    """A create's metadata goes through the update's merge patch: its nulls, top level and nested, are dropped."""

    def create(self, workspace_id: str, fields: dict[str, Any]) -> Lead:
        if isinstance(fields.get("metadata"), dict):
            fields = {**fields, "metadata": _without_nulls(fields["metadata"])}
        return super().create(workspace_id, fields)


def trims_names_on_update() -> _Rewrites:
    """A PUT's name is trimmed and its inner spaces collapsed (the create path keeps it as sent)."""

    def edit(environ: dict[str, Any], sent: Any) -> Any:
        if environ["REQUEST_METHOD"] == "PUT" and isinstance(sent, dict) and isinstance(sent.get("name"), str) and sent["name"].strip():
            sent["name"] = " ".join(sent["name"].split())
            return sent
        return None

    return _Rewrites(mock(), edit)


# 3. Writes keyed on the wrong column.


class DeletesByEmail(LeadStore):
    """DELETE removes every lead of the workspace with the email of the one named."""

    def delete(self, workspace_id: str, lead_id: str) -> int:
        email = self.get(workspace_id, lead_id).email
        with self._lock:
            twins = [lead.id for lead in self._leads.values() if lead.workspace_id == workspace_id and lead.email == email and lead.id != lead_id]
            for twin in twins:
                super().delete(workspace_id, twin)
            return super().delete(workspace_id, lead_id)


class UpdatesByEmail(LeadStore):
    """PUT writes its changes to every lead of the workspace with the email of the one named."""

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        email = self.get(workspace_id, lead_id).email
        with self._lock:
            twins = [lead.id for lead in self._leads.values() if lead.workspace_id == workspace_id and lead.email == email and lead.id != lead_id]
            for twin in twins:
                super().update(workspace_id, twin, {name: value for name, value in changes.items() if name != "email"})
            return super().update(workspace_id, lead_id, changes)


# 4. Enum spelling.


def status_in_any_case() -> _Rewrites:
    """status is lower-cased before it is checked, in the query and in a body: NEW and QUALIFIED pass."""

    def edit(environ: dict[str, Any], sent: Any) -> Any:
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if any(name == "status" for name, _ in query):
            environ["QUERY_STRING"] = urlencode([(name, value.lower() if name == "status" else value) for name, value in query])
        if isinstance(sent, dict) and isinstance(sent.get("status"), str):
            sent["status"] = sent["status"].lower()
            return sent
        return None

    return _Rewrites(mock(), edit)


# 5. Byte boundaries.


def body_limit_in_characters() -> Planted:
    """The 1 MiB limit counts the body's characters, not its bytes: 1 MiB of é (2 MiB of UTF-8) passes."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if len(body.decode("utf-8", "replace")) > MIB:
            return error(413, "PAYLOAD_TOO_LARGE", {"maxBytes": MIB})
        return None

    return Planted(create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 4 * MIB}), before=before)


def page_past_64_bits_is_500() -> Planted:
    """The list's offset is a 64-bit integer: a page whose offset overflows it is a 500."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        page, limit = request.args.get("page", ""), request.args.get("limit", "10")
        if request.path == "/api/v1/leads" and page.isdigit() and limit.isdigit() and (int(page) - 1) * int(limit) >= 2**63:
            return error(500, "INTERNAL_ERROR")
        return None

    return Planted(mock(), before=before)


# 6. Ids in another case.


class CaseInsensitiveIds(LeadStore):
    """Ids are looked up without regard to case, as a case-insensitive database collation does."""

    def get(self, workspace_id: str, lead_id: str) -> Lead:
        return super().get(workspace_id, lead_id.lower())

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        return super().update(workspace_id, lead_id.lower(), changes)

    def delete(self, workspace_id: str, lead_id: str) -> int:
        return super().delete(workspace_id, lead_id.lower())


# 7. Keys in other shapes.


def key_in_query_accepted() -> _Rewrites:
    """Without an Authorization header, ?api_key=, ?key= or ?access_token= is taken as the key."""

    def edit(environ: dict[str, Any], sent: Any) -> Any:
        if "HTTP_AUTHORIZATION" not in environ:
            query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
            key = query.get("api_key") or query.get("key") or query.get("access_token")
            if key:
                environ["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        return None

    return _Rewrites(mock(), edit)


# 8. What search reads.


def _ascii_lower(text: str) -> str:
    return "".join(char.lower() if char.isascii() else char for char in text)


class SearchFoldsAsciiOnly(_SearchesByPattern):
    """search ignores the case of ASCII letters only, as SQLite's LIKE and lower() do: ÉLAN misses élan."""

    def matcher(self, search: str) -> Callable[[str], Any]:
        needle = _ascii_lower(search)
        return lambda text: needle in _ascii_lower(text)


class ShortSearchIgnored(LeadStore):
    """A search shorter than three characters filters nothing, as a trigram index cannot use it."""

    def find(self, workspace_id: str, **query: Any) -> Any:
        search = query.get("search")
        if search and len(search) < 3:
            query["search"] = None
        return super().find(workspace_id, **query)


class SearchReadsEveryField(LeadStore):
    """search looks in phone, source and metadata as well, as a search over the whole row does."""

    def find(self, workspace_id: str, *, page: int = 1, limit: int = 10, search: str | None = None, **filters: Any) -> Page:
        needle = search.casefold() if search else None
        texts = lambda lead: (lead.name, lead.email, lead.phone or "", lead.source or "", lead.encoded_metadata.decode())  # noqa: E731
        leads = [lead for lead in everything(self, workspace_id, **filters) if needle is None or any(needle in text.casefold() for text in texts(lead))]
        return page_of(leads, page, limit)


# 9. Every 429 judged.


def rate_limited_without_retry_after() -> Planted:
    """The list is limited to 8 requests a second per key; its 429 is RATE_LIMITED but says nothing of when to retry."""
    recent: dict[str, deque[float]] = {}
    lock = threading.Lock()

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if request.method != "GET" or request.path != "/api/v1/leads":
            return None
        now = time.monotonic()
        with lock:
            window = recent.setdefault(request.headers.get("Authorization", ""), deque())
            while window and window[0] < now - 1:
                window.popleft()
            if len(window) >= 8:
                return error(429, "RATE_LIMITED")
            window.append(now)
        return None

    return Planted(mock(), before=before)


# 10. Luck made deterministic.


def server_error_on_nul() -> Planted:
    """A NUL in any text is a 500, as PostgreSQL's text columns refuse it."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if request.method in ("POST", "PUT") and any("\x00" in text for text in _strings(_sent(body))):
            return error(500, "INTERNAL_ERROR")
        return None

    return Planted(mock(), before=before)


def blank_name_refused() -> Planted:
    """A name of spaces is refused as if empty (the name is trimmed before the length check)."""

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        sent = _sent(body) if request.method in ("POST", "PUT") else None
        name = sent.get("name") if isinstance(sent, dict) else None
        if isinstance(name, str) and name and not name.strip():
            return error(400, "VALIDATION_ERROR", {"errors": [{"field": "name", "message": "name is required"}]})
        return None

    return Planted(mock(), before=before)


def caches_reads() -> Planted:
    """GET of a lead is cached per key; a PUT evicts it, a DELETE forgets to."""
    cache: dict[tuple[str, str], bytes] = {}

    def before(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        match = LEAD_PATH.match(request.path)
        if match and request.method == "GET":
            hit = cache.get((request.headers.get("Authorization", ""), match["id"]))
            if hit is not None:
                return Response(hit, 200, mimetype="application/json")
        return None

    def after(request: Request, body: bytes, response: Response) -> None:
        match = LEAD_PATH.match(request.path)
        if not match:
            return
        key = (request.headers.get("Authorization", ""), match["id"])
        if request.method == "GET" and response.status_code == 200:
            cache[key] = response.get_data()
        elif request.method == "PUT":
            cache.pop(key, None)

    return Planted(mock(), before=before, after=after)
