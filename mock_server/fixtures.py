"""Fixture files: the workspaces, their keys and their leads that a mock starts with."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jsonschema_rs

from . import spec as spec_mod
from .clock import parse_timestamp
from .store import Lead
from .validation import is_email


class FixtureError(Exception):
    """A fixture file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Workspace:
    id: str
    name: str
    api_keys: tuple[str, ...]
    leads: tuple[Lead, ...]  # leads never change, so the store and a reset share these


@dataclass(frozen=True)
class Fixtures:
    path: Path
    workspaces: tuple[Workspace, ...]

    def keys(self) -> dict[str, str]:
        return {key: ws.id for ws in self.workspaces for key in ws.api_keys}

    def leads(self) -> list[Lead]:
        """The file's leads; the raw data is not kept (at 100k leads it took 114 MB)."""
        return [lead for ws in self.workspaces for lead in ws.leads]


def default_fixtures_path() -> Path:
    return spec_mod.resource_path("fixtures/default.json")


def load_fixtures(path: str | Path | None, spec: dict[str, Any]) -> Fixtures:
    path = Path(path) if path else default_fixtures_path()
    try:
        document = json.loads(path.read_bytes())
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read fixture file: {exc.strerror}") from None
    except ValueError as exc:
        raise FixtureError(f"{path}: not valid JSON: {exc}") from None
    return Fixtures(path, tuple(parse_workspaces(path, document, spec)))


def parse_workspaces(source: str | Path, document: Any, spec: dict[str, Any]) -> list[Workspace]:
    """Check a fixture document (or an imported state); errors name `source` and the entry."""

    def fail(where: str, message: str) -> FixtureError:
        return FixtureError(f"{source}: {where}: {message}")

    if not isinstance(document, dict) or not isinstance(document.get("workspaces"), list):
        raise fail("top level", 'expected an object with a "workspaces" list')
    check = lead_check(spec)
    seen_ids: set[str] = set()
    seen_keys: set[str] = set()
    found = []
    for w, ws in enumerate(document["workspaces"]):
        made: list[Lead] = []
        where = f"workspaces[{w}]"
        if not isinstance(ws, dict) or not str(ws.get("id", "")).startswith("ws_"):
            raise fail(where, 'needs an "id" starting with "ws_"')
        keys = ws.get("apiKeys")
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) and k for k in keys):
            raise fail(f"{where} ({ws['id']})", '"apiKeys" must be a non-empty list of strings')
        for key in keys:
            if key in seen_keys:
                raise fail(f"{where} ({ws['id']})", f"API key {key!r} is given to two workspaces")
            seen_keys.add(key)
        leads = ws.get("leads", [])
        if not isinstance(leads, list):
            raise fail(f"{where} ({ws['id']})", '"leads" must be a list')
        for i, lead in enumerate(leads):
            entry = f"{where}.leads[{i}]"
            if isinstance(lead, dict) and "id" in lead:
                entry += f" ({lead['id']})"
            problem = check(lead)
            if problem is not None:
                raise fail(entry, problem)
            if lead["id"] in seen_ids:
                raise fail(entry, "this lead id is used twice")
            seen_ids.add(lead["id"])
            if lead.get("workspaceId", ws["id"]) != ws["id"]:
                raise fail(entry, f"workspaceId {lead['workspaceId']!r} is not {ws['id']!r}")
            made.append(Lead.from_dict(_detached(lead), ws["id"]))
        found.append(Workspace(ws["id"], str(ws.get("name", ws["id"])), tuple(keys), tuple(made)))
    if not found:
        raise fail("workspaces", "at least one workspace is needed")
    return found


def lead_check(spec: dict[str, Any]) -> Callable[[Any], str | None]:
    """What is wrong with a stored lead (fixture, import, state file row), None when it may be served.

    One rule for every way a lead gets in: the spec's ListedLead, the API's email rule,
    real dates, and an `updatedAt` no earlier than `createdAt`.
    """
    schema = spec_mod.json_schema(spec, {"$ref": "#/components/schemas/ListedLead"})
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)

    def check(lead: Any) -> str | None:
        error = next(iter(validator.iter_errors(lead)), None)
        if error is not None:
            at = "/".join(str(p) for p in error.instance_path)
            return f"{at + ': ' if at else ''}{error.message}"
        if not is_email(lead["email"]):
            return f"email: {lead['email'][:80]!r} is not an email address (an addr-spec like ada@example.com, no display name)"
        try:
            created, updated = parse_timestamp(lead["createdAt"]), parse_timestamp(lead["updatedAt"])
        except ValueError:  # the schema's pattern lets through dates like month 13
            return "createdAt or updatedAt is not a real date"
        if updated < created:
            return "updatedAt is earlier than createdAt"
        return None

    return check


def _detached(lead: dict[str, Any]) -> dict[str, Any]:
    """The lead's strings copied, so that nothing a Lead keeps sits in the parsed document.

    The allocator cannot give back a page of the document's objects while one object on it
    lives on; kept strings scattered among them left ~38 MB resident at 100k leads.
    """
    copied: dict[str, Any] = {name: lead[name].encode().decode() for name in ("id", "name", "email") if name in lead}
    if lead.get("phone") is not None:
        copied["phone"] = lead["phone"].encode().decode()
    return {**lead, **copied}
