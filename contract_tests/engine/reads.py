"""What each rule reads: the kind of exchange it judges, so a report's "checked" counts those and no others.

A rule checked an exchange when the exchange is of the kind the rule reads: `create-envelope`
reads the 201s of creates, `payload-too-large` a POST or PUT with a body over the limit (or a
413), `no-id-reuse` every create's new id. A rule that read nothing in a stream of traffic was
not judged by it, whatever else the stream held. Each rule module keeps its own conditions for a
breach; this table states only which exchanges a rule looks at.
"""

from __future__ import annotations

import re
from typing import Callable

from mock_server.spec import contract_facts

from .view import View

Reads = Callable[[View], bool]

_FACTS = contract_facts()
_LEAD_ID = re.compile(_FACTS.lead_id_pattern)
_LEAD_OPERATIONS = ("getLead", "updateLead", "deleteLead")


def _has_body(view: View) -> bool:
    return not (view.method == "HEAD" or view.status in (204, 304))


def _on_lead(view: View) -> bool:
    return view.operation in _LEAD_OPERATIONS


def _listed(view: View) -> bool:
    return view.operation == "listLeads" and view.status == 200


def _filtered(name: str) -> Reads:
    return lambda view: _listed(view) and bool(view.query.get(name))


def _json_header_without_body(view: View) -> bool:
    content_type = view.request_headers.get("content-type", "")
    return view.method in ("GET", "DELETE") and view.lead_id is not None and "json" in content_type.lower() and not view.exchange.request_body


def _large(view: View) -> bool:
    body = view.exchange.request_body
    return view.method in ("POST", "PUT") and (view.status == 413 or (body is not None and len(body) > _FACTS.max_body_bytes))


# The rules one exchange shows on its own (openapi.py, per_exchange.py).
PER_EXCHANGE_READS: dict[str, Reads] = {
    "responses-match-openapi": lambda view: True,
    "json-content-type": _has_body,
    "no-server-errors": lambda view: True,
    "unauthorized": lambda view: view.operation is not None,
    "method-not-allowed": lambda view: view.status == 405 or (view.operation is None and view.template is not None),
    "validation-error": lambda view: view.status == 400,
    "json-header-without-body": _json_header_without_body,
    "not-found-malformed-id": lambda view: _on_lead(view) and view.lead_id is not None and not _LEAD_ID.fullmatch(view.lead_id),
    "not-found-envelope": lambda view: view.status == 404 and view.lead_id is not None,
    "unsupported-media-type": lambda view: view.method in ("POST", "PUT") and view.operation is not None,
    "payload-too-large": _large,
    "create-envelope": lambda view: view.operation == "createLead" and view.status == 201,
    "get-envelope": lambda view: view.operation == "getLead" and view.status == 200,
    "delete-envelope": lambda view: view.operation == "deleteLead" and view.status == 200,
    "list-envelope": _listed,
    "list-order": _listed,
    "list-query-values": _listed,
    "pagination-arithmetic": _listed,
    "filter-status": _filtered("status"),
    "filter-source": _filtered("source"),
    "filter-search": _filtered("search"),
}

# The rules only several exchanges show (across.py): the exchanges each compares with others.
ACROSS_READS: dict[str, Reads] = {
    "no-id-reuse": lambda view: view.operation == "createLead" and view.status == 201,
    "not-found-after-delete": _on_lead,
    "deleted-at-after-updates": lambda view: view.operation == "deleteLead" and view.status == 200,
    "other-workspace-not-found": _on_lead,
    "other-workspace-unlisted": _listed,
    "list-after-delete": _listed,
    "update-merge-patch": lambda view: view.operation == "updateLead" and view.status == 200,
    "update-partial": lambda view: view.operation == "updateLead" and view.status == 200,
    "update-null-clears": lambda view: view.operation == "updateLead" and view.status == 200,
    "update-timestamps": lambda view: view.operation == "updateLead" and view.status == 200,
    "refused-update-changes-nothing": lambda view: view.operation == "updateLead" and 400 <= view.status < 500,
}


def read_by(view: View, table: dict[str, Reads]) -> list[str]:
    """The rules of `table` that read this exchange."""
    return [rule_id for rule_id, reads in table.items() if reads(view)]
