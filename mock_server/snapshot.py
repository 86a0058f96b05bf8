"""The whole state as one JSON document, out and back in.

An export is a valid fixture file (workspaces, keys, leads) plus `retiredIds`, so it can
also seed a mock with `--fixtures`. An import replaces the leads and adds the retired ids;
workspaces and keys stay as `--fixtures` made them. It is checked whole before anything
changes: a bad import changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from .clock import format_ms
from .errors import validation_error
from .fixtures import FixtureError, parse_workspaces
from .state import MockState
from .store import Lead

_LEAD_ID = re.compile(r"lead_[0-9a-f]{16}")


def export_state(mock: MockState) -> dict[str, Any]:
    by_workspace: dict[str, list[Lead]] = {}
    for lead in mock.store.all_leads():
        by_workspace.setdefault(lead.workspace_id, []).append(lead)
    workspaces = []
    for ws in mock.fixtures.workspaces:
        leads = sorted(by_workspace.pop(ws.id, []), key=lambda lead: lead.order_key, reverse=True)
        workspaces.append({"id": ws.id, "name": ws.name, "apiKeys": list(ws.api_keys), "leads": _api_form(leads)})
    for workspace_id, leads in sorted(by_workspace.items()):  # kept in a state file, no key reaches them
        workspaces.append({"id": workspace_id, "name": workspace_id, "apiKeys": [], "leads": _api_form(leads)})
    return {
        "exportedAt": format_ms(mock.store.last_ms()),  # the store's clock: a seeded mock's export repeats
        "workspaces": workspaces,
        "retiredIds": sorted(mock.store.retired_ids()),
    }


def import_state(mock: MockState, document: Any) -> int:
    """Replace the leads with the document's; returns how many there are now."""
    try:
        workspaces = parse_workspaces("import", document, mock.spec)
    except FixtureError as exc:
        raise _refused("workspaces", str(exc).removeprefix("import: ")) from None
    known = {ws.id for ws in mock.fixtures.workspaces}
    for ws in workspaces:
        if ws.id not in known:
            raise _refused(
                "workspaces", f"{ws.id} is not a workspace of this mock ({', '.join(sorted(known))}); add it with --fixtures"
            )
    retired = document.get("retiredIds", [])
    if not isinstance(retired, list) or not all(isinstance(i, str) and _LEAD_ID.fullmatch(i) for i in retired):
        raise _refused("retiredIds", "must be a list of lead ids (lead_ and 16 lowercase hex digits)")
    leads = [lead for ws in workspaces for lead in ws.leads]
    both = {lead.id for lead in leads} & set(retired)
    if both:
        raise _refused("retiredIds", f"{sorted(both)[0]} is both a lead and retired")
    mock.store.replace(leads, retired)
    return len(leads)


def _api_form(leads: list[Lead]) -> list[dict[str, Any]]:
    forms = []
    for lead in leads:
        form = lead.to_dict()
        del form["workspaceId"]  # implied by the workspace it sits in, as in a fixture file
        forms.append(form)
    return forms


def _refused(field: str, message: str) -> Exception:
    return validation_error([{"field": field, "message": message}])
