"""A second, independent implementation of the Leads API contract, on the standard library's http.server.

It shares no code with mock_server and differs from it wherever the contract leaves room: other
keys, workspaces and fixture leads, lower-case header names, `; charset=utf-8` on every
response, extra response fields and headers, its own error texts. `leadkit verify` must pass
against it; if it does not, the kit relies on something only the mock does.

Run: python independent_server.py PORT (prints "ready" once it listens).
"""

from __future__ import annotations

import json
import math
import secrets
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import jsonschema_rs

KEYS = {"indie-alpha-7f3c": "ws_alpha", "indie-beta-19d2": "ws_beta"}
STATUSES = ("new", "contacted", "qualified", "converted", "lost", "follow_up")
FIELDS = ("name", "email", "phone", "source", "status", "metadata")
MAX_BODY = 1024 * 1024
# The email format check is the one piece taken from a library, as a real server would.
EMAIL = jsonschema_rs.validator_for({"type": "string", "format": "email"}, validate_formats=True)


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or {}
        self.headers = headers or {}


def invalid(errors: list[tuple[str, str]]) -> Refusal:
    return Refusal(400, "VALIDATION_ERROR", "The request is invalid", {"errors": [{"field": f, "message": m} for f, m in errors]})


def stamp(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def merge(target: Any, patch: Any) -> Any:
    """RFC 7396."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge(result.get(key), value)
    return result


class Leads:
    """All workspaces' leads behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.leads: dict[str, dict[str, Any]] = {}
        self.issued: set[str] = set()
        self.last_ms = 0
        for workspace, count in (("ws_alpha", 3), ("ws_beta", 2)):
            for n in range(count):
                self.create(workspace, {"name": f"Seeded {workspace} {n}", "email": f"seed{n}@{workspace}.example.org", "source": "import"})

    def now(self) -> int:
        self.last_ms = max(self.last_ms, time.time_ns() // 1_000_000)
        return self.last_ms

    def create(self, workspace: str, fields: dict[str, Any]) -> dict[str, Any]:
        lead_id = "lead_" + secrets.token_hex(8)
        while lead_id in self.issued:
            lead_id = "lead_" + secrets.token_hex(8)
        self.issued.add(lead_id)
        now = self.now()
        lead = {"id": lead_id, "phone": None, "source": None, "status": "new", "metadata": {}, **fields}
        lead.update(created=now, updated=now, workspaceId=workspace)
        self.leads[lead_id] = lead
        return lead

    def find(self, workspace: str, lead_id: str) -> dict[str, Any]:
        lead = self.leads.get(lead_id)
        if lead is None or lead["workspaceId"] != workspace:
            details = {"leadId": lead_id, "message": "No lead found with this ID in your workspace"}
            raise Refusal(404, "LEAD_NOT_FOUND", "Lead not found", details)
        return lead


def shown(lead: dict[str, Any]) -> dict[str, Any]:
    out = {name: lead[name] for name in ("id", *FIELDS)}
    out.update(createdAt=stamp(lead["created"]), updatedAt=stamp(lead["updated"]), workspaceId=lead["workspaceId"])
    out["kind"] = "lead"  # a field the contract does not list: clients must tolerate it
    return out


def check_fields(body: Any, creating: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid([("body", "must be a JSON object")])
    errors = [(name, "is not a field you may set") for name in body if name not in FIELDS]
    if creating:
        errors += [(name, "is required") for name in ("name", "email") if name not in body]
    elif not body:
        errors.append(("body", "send at least one field"))
    for name, value in body.items():
        if name == "name" and not (isinstance(value, str) and 1 <= len(value) <= 200):
            errors.append((name, "must be 1 to 200 characters"))
        elif name == "email" and not (isinstance(value, str) and EMAIL.is_valid(value)):
            errors.append((name, "must be an email address"))
        elif name in ("phone", "source") and not (value is None or isinstance(value, str)):
            errors.append((name, "must be text or null"))
        elif name == "status" and value not in STATUSES:
            errors.append((name, "is not a known status"))
        elif name == "metadata" and not (isinstance(value, dict) or (value is None and not creating)):
            errors.append((name, "must be an object"))
    if errors:
        raise invalid(errors)
    return body


def parse_json(raw: bytes) -> Any:
    def no_constants(name: str) -> Any:
        raise ValueError(name)

    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise invalid([("body", "is not valid JSON")]) from None
    if any(isinstance(number, float) and not math.isfinite(number) for number in _numbers(value)):
        raise invalid([("body", "numbers must be finite")])
    return value


def _numbers(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    return [value]


def whole(query: dict[str, str], name: str, default: int, low: int, high: int | None) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 4000 or not low <= int(raw) <= (high or int(raw)):
        raise invalid([(name, f"must be a whole number from {low}" + (f" to {high}" if high else ""))])
    return int(raw)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: do not wait 40 ms between them
    server_version = "IndependentLeads/1.0"
    store: Leads

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle_one(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length <= 16 * MAX_BODY else b""
        if length > 16 * MAX_BODY:
            self.close_connection = True
        try:
            status, body = self.route(length, raw)
            self.reply(status, body, {})
        except Refusal as refusal:
            body = {"success": False, "error": refusal.message, "code": refusal.code, "details": refusal.details, "requestId": secrets.token_hex(4)}
            self.reply(refusal.status, body, refusal.headers)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_QUERY = handle_one

    def reply(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-request-id", secrets.token_hex(6))
        for name, value in headers.items():
            self.send_header(name.lower(), value)
        self.end_headers()
        self.wfile.write(data)

    def route(self, length: int, raw: bytes) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(self.path)
        segments = parts.path.split("/")
        allowed: tuple[str, ...]
        if parts.path == "/api/v1/leads":
            allowed, lead_id = ("GET", "POST"), None
        elif len(segments) == 5 and parts.path.startswith("/api/v1/leads/") and segments[4]:
            allowed, lead_id = ("GET", "PUT", "DELETE"), unquote(segments[4])
        else:
            raise Refusal(404, "NOT_FOUND", f"Nothing at {parts.path}", {"path": parts.path})
        if self.command not in allowed:
            raise Refusal(405, "METHOD_NOT_ALLOWED", f"{self.command} is not allowed here", {}, {"allow": ", ".join(allowed)})
        workspace = self.workspace()
        if self.command in ("POST", "PUT"):
            if length > MAX_BODY:
                raise Refusal(413, "PAYLOAD_TOO_LARGE", "Body over 1 MiB")
            media = (self.headers.get("content-type") or "").split(";")[0].strip().lower()
            if not (media == "application/json" or (media.startswith("application/") and media.endswith("+json"))):
                raise Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "Send JSON")
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self.store.lock:
            if lead_id is None and self.command == "GET":
                return 200, self.listing(workspace, query)
            if lead_id is None:
                lead = self.store.create(workspace, check_fields(parse_json(raw), creating=True))
                return 201, {"success": True, "data": shown(lead)}
            if self.command == "PUT":
                changes = check_fields(parse_json(raw), creating=False)
                lead = self.store.find(workspace, lead_id)
                for name, value in changes.items():
                    lead[name] = merge(lead["metadata"], value) if name == "metadata" and value is not None else ({} if name == "metadata" else value)
                lead["updated"] = max(self.store.now(), lead["updated"] + 1)
                return 200, {"success": True, "data": shown(lead)}
            lead = self.store.find(workspace, lead_id)
            if self.command == "GET":
                return 200, {"success": True, "data": shown(lead)}
            del self.store.leads[lead_id]
            data = {"id": lead_id, "deletedAt": stamp(self.store.now())}
            return 200, {"success": True, "message": "Lead deleted successfully", "data": data}

    def workspace(self) -> str:
        scheme, _, key = (self.headers.get("authorization") or "").strip().partition(" ")
        if scheme.lower() != "bearer" or key.strip() not in KEYS:
            raise Refusal(401, "UNAUTHORIZED", "A valid bearer key is needed", {}, {"www-authenticate": 'Bearer realm="independent"'})
        return KEYS[key.strip()]

    def listing(self, workspace: str, query: dict[str, str]) -> dict[str, Any]:
        page, limit = whole(query, "page", 1, 1, None), whole(query, "limit", 10, 1, 100)
        status, source, search = query.get("status", ""), query.get("source", ""), query.get("search", "").casefold()
        if status and status not in STATUSES:
            raise invalid([("status", "is not a known status")])
        matching = [
            lead
            for lead in self.store.leads.values()
            if lead["workspaceId"] == workspace
            and (not status or lead["status"] == status)
            and (not source or lead["source"] == source)
            and (not search or search in lead["name"].casefold() or search in lead["email"].casefold())
        ]
        matching.sort(key=lambda lead: (lead["created"], lead["id"]), reverse=True)
        pages = math.ceil(len(matching) / limit)
        chosen = matching[(page - 1) * limit : page * limit] if page <= pages else []
        pagination = {"page": page, "limit": limit, "total": len(matching), "totalPages": pages, "hasNext": page < pages, "hasPrev": page > 1}
        return {"success": True, "data": {"leads": [shown(lead) for lead in chosen], "pagination": pagination}, "requestId": secrets.token_hex(4)}


def main(port: int) -> None:
    Handler.store = Leads()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]))
