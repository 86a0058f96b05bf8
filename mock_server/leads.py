"""The five operations, named by their operationId in openapi.yaml.

Each takes the checked request (its workspace, body, query and path parameters) and the
store, and returns the reply; a missing lead is the store's LeadNotFound, answered by the
one error handler.
"""

from __future__ import annotations

from typing import Callable

from .call import Call
from .clock import format_ms
from .envelopes import Reply, success
from .store import LeadStore

View = Callable[[Call, LeadStore], Reply]


def createLead(call: Call, store: LeadStore) -> Reply:
    lead = store.create(_workspace(call), call.body)
    return success(lead.to_json(), 201)


def listLeads(call: Call, store: LeadStore) -> Reply:
    query = call.query or {}
    page = store.find(
        _workspace(call),
        page=query["page"],
        limit=query["limit"],
        # An empty filter means no filter.
        status=query.get("status") or None,
        source=query.get("source") or None,
        search=query.get("search") or None,
    )
    return success(page.to_json())


def getLead(call: Call, store: LeadStore) -> Reply:
    return success(store.get(_workspace(call), call.params["leadId"]).to_json())


def updateLead(call: Call, store: LeadStore) -> Reply:
    return success(store.update(_workspace(call), call.params["leadId"], call.body).to_json())


def deleteLead(call: Call, store: LeadStore) -> Reply:
    lead_id = call.params["leadId"]
    deleted_ms = store.delete(_workspace(call), lead_id)
    data = {"id": lead_id, "deletedAt": format_ms(deleted_ms)}
    return success(data, message="Lead deleted successfully")


def _workspace(call: Call) -> str:
    if call.workspace_id is None:
        raise RuntimeError(f"{call.operation_id} ran before auth resolved a workspace")
    return call.workspace_id


VIEWS: dict[str, View] = {view.__name__: view for view in (createLead, listLeads, getLead, updateLead, deleteLead)}
