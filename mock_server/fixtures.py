"""Fixture files: the workspaces, their keys and their leads that a mock starts with."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs

from . import spec as spec_mod
from .clock import parse_timestamp
from .store import Lead


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
    lead_schema = spec_mod.json_schema(spec, {"$ref": "#/components/schemas/ListedLead"})
    validator = jsonschema_rs.validator_for(lead_schema, validate_formats=True)
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
            error = next(iter(validator.iter_errors(lead)), None)
            if error is not None:
                at = "/".join(str(p) for p in error.instance_path)
                raise fail(entry, f"{at + ': ' if at else ''}{error.message}")
            if lead["id"] in seen_ids:
                raise fail(entry, "this lead id is used twice")
            seen_ids.add(lead["id"])
            if lead.get("workspaceId", ws["id"]) != ws["id"]:
                raise fail(entry, f"workspaceId {lead['workspaceId']!r} is not {ws['id']!r}")
            try:
                created, updated = parse_timestamp(lead["createdAt"]), parse_timestamp(lead["updatedAt"])
            except ValueError:  # the schema's pattern lets through dates like month 13
                raise fail(entry, "createdAt or updatedAt is not a real date") from None
            if updated < created:
                raise fail(entry, "updatedAt is earlier than createdAt")
            made.append(Lead.from_dict(_detached(lead), ws["id"]))
        found.append(Workspace(ws["id"], str(ws.get("name", ws["id"])), tuple(keys), tuple(made)))
    if not found:
        raise fail("workspaces", "at least one workspace is needed")
    return found


def _detached(lead: dict[str, Any]) -> dict[str, Any]:
    """The lead's strings copied, so that nothing a Lead keeps sits in the parsed document.

    The allocator cannot give back a page of the document's objects while one object on it
    lives on; kept strings scattered among them left ~38 MB resident at 100k leads.
    """
    copied: dict[str, Any] = {name: lead[name].encode().decode() for name in ("id", "name", "email") if name in lead}
    if lead.get("phone") is not None:
        copied["phone"] = lead["phone"].encode().decode()
    return {**lead, **copied}
