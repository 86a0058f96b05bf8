"""The five operations, named by their operationId in openapi.yaml."""

from __future__ import annotations

from typing import Callable

from flask import g
from flask.wrappers import Response

from .clock import format_ms
from .envelopes import success
from .state import store


def createLead() -> Response:
    lead = store().create(g.workspace_id, g.body)
    return success(lead.to_json(), 201)


def listLeads() -> Response:
    query = g.query
    page = store().find(
        g.workspace_id,
        page=query["page"],
        limit=query["limit"],
        # An empty filter means no filter.
        status=query.get("status") or None,
        source=query.get("source") or None,
        search=query.get("search") or None,
    )
    return success(page.to_json())


def getLead(leadId: str) -> Response:
    return success(store().get(g.workspace_id, leadId).to_json())


def updateLead(leadId: str) -> Response:
    return success(store().update(g.workspace_id, leadId, g.body).to_json())


def deleteLead(leadId: str) -> Response:
    deleted_ms = store().delete(g.workspace_id, leadId)
    data = {"id": leadId, "deletedAt": format_ms(deleted_ms)}
    return success(data, message="Lead deleted successfully")


VIEWS: dict[str, Callable[..., Response]] = {
    view.__name__: view for view in (createLead, listLeads, getLead, updateLead, deleteLead)
}
