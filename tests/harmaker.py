"""Hand-made HAR files: exchanges written out as a recording would hold them, at chosen times."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mock_server.harfile import har_entry, har_log

BASE = "http://api.example.test"
KEY_A = "sk-workspace_alpha"
KEY_B = "sk-workspace_beta"
LEAD = "lead_00000000000000aa"
OTHER = "lead_00000000000000bb"
T0 = 1_700_000_000.0  # seconds since the epoch; each step below is a second later


def lead(lead_id: str = LEAD, workspace: str = "ws_alpha", **fields: Any) -> dict[str, Any]:
    made = {
        "id": lead_id,
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": None,
        "source": "website",
        "status": "new",
        "metadata": {"plan": "pro"},
        "createdAt": "2024-01-15T10:30:00.000Z",
        "updatedAt": "2024-01-15T10:30:00.000Z",
        "workspaceId": workspace,
    }
    made.update(fields)
    return made


def not_found(lead_id: str) -> dict[str, Any]:
    details = {"leadId": lead_id, "message": "No lead found with this ID in your workspace"}
    return {"success": False, "error": "Lead not found", "code": "LEAD_NOT_FOUND", "details": details}


def deleted(lead_id: str, at: str = "2024-01-16T15:45:00.000Z") -> dict[str, Any]:
    return {"success": True, "message": "Lead deleted successfully", "data": {"id": lead_id, "deletedAt": at}}


def listing(*leads: dict[str, Any], page: int = 1, limit: int = 10) -> dict[str, Any]:
    total = len(leads)
    pages = -(-total // limit)
    pagination = {"page": page, "limit": limit, "total": total, "totalPages": pages, "hasNext": page < pages, "hasPrev": page > 1}
    return {"success": True, "data": {"leads": list(leads), "pagination": pagination}}


class Har:
    """Entries added one by one; `at` and `until` are steps after T0, so overlaps can be written."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(
        self,
        method: str,
        path: str,
        status: int,
        body: Any,
        *,
        at: float,
        until: float | None = None,
        key: str | None = KEY_A,
        sent: Any = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        request_headers = [("Authorization", f"Bearer {key}")] if key else []
        request_body = None if sent is None else json.dumps(sent).encode()
        if request_body is not None:
            request_headers.append(("Content-Type", "application/json"))
        response_headers = [("Content-Type", "application/json"), *(headers or {}).items()]
        response = b"" if body is None else json.dumps(body).encode()
        entry = har_entry(
            method, BASE + path, request_headers, request_body, status, response_headers, response, T0 + at, T0 + (until if until is not None else at + 0.5)
        )
        self.entries.append(entry)
        return entry

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(har_log(self.entries, "harmaker")))
        return path
