"""What each rule reads: the kind of exchange it judges, so a report's "checked" counts those and no others.

A rule checked an exchange when the exchange is of the kind the rule reads: `create-envelope`
reads the 201s of creates, `payload-too-large` a POST or PUT with a body over the limit (or a
413), `no-id-reuse` every create's new id. A rule that read nothing in a stream of traffic was
not judged by it, whatever else the stream held. Each rule module keeps its own conditions for a
breach; this table states only which exchanges a rule looks at.
"""

from __future__ import annotations

import re
from collections import Counter
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


# Each table: rule id -> (reads, dynamic). A rule that is not dynamic decides from the exchange's
# kind alone (method, operation, whether the path is a known route, status), so the judge counts
# kinds and works the rules out once per kind; a dynamic one reads the query, the id or the body.
Table = dict[str, tuple[Reads, bool]]

# The rules one exchange shows on its own (openapi.py, per_exchange.py).
PER_EXCHANGE_READS: Table = {
    "responses-match-openapi": (lambda view: True, False),
    "json-content-type": (_has_body, False),
    "no-server-errors": (lambda view: True, False),
    "unauthorized": (lambda view: view.operation is not None, False),
    "method-not-allowed": (lambda view: view.status == 405 or (view.operation is None and view.template is not None), False),
    "validation-error": (lambda view: view.status == 400, False),
    "json-header-without-body": (_json_header_without_body, True),
    "not-found-malformed-id": (lambda view: _on_lead(view) and view.lead_id is not None and not _LEAD_ID.fullmatch(view.lead_id), True),
    "not-found-envelope": (lambda view: view.status == 404 and view.lead_id is not None, True),
    "unsupported-media-type": (lambda view: view.method in ("POST", "PUT") and view.operation is not None, False),
    "payload-too-large": (_large, True),
    "create-envelope": (lambda view: view.operation == "createLead" and view.status == 201, False),
    "get-envelope": (lambda view: view.operation == "getLead" and view.status == 200, False),
    "delete-envelope": (lambda view: view.operation == "deleteLead" and view.status == 200, False),
    "list-envelope": (_listed, False),
    "list-order": (_listed, False),
    "list-query-values": (_listed, False),
    "pagination-arithmetic": (_listed, False),
    "filter-status": (_filtered("status"), True),
    "filter-source": (_filtered("source"), True),
    "filter-search": (_filtered("search"), True),
    "rate-limited-answer": (lambda view: view.status == 429, False),
    "read-only-fields-refused": (lambda view: view.operation in ("createLead", "updateLead") and 200 <= view.status < 300, False),
    "ids-exact": (lambda view: _on_lead(view) and view.status == 200, False),
}

_UPDATED = (lambda view: view.operation == "updateLead" and view.status == 200, False)

# The rules only several exchanges show (across.py): the exchanges each compares with others.
ACROSS_READS: Table = {
    "no-id-reuse": (lambda view: view.operation == "createLead" and view.status == 201, False),
    "not-found-after-delete": (_on_lead, False),
    "deleted-at-after-updates": (lambda view: view.operation == "deleteLead" and view.status == 200, False),
    "other-workspace-not-found": (_on_lead, False),
    "other-workspace-unlisted": (_listed, False),
    "list-after-delete": (_listed, False),
    "update-merge-patch": _UPDATED,
    "update-partial": _UPDATED,
    "update-null-clears": _UPDATED,
    "update-timestamps": _UPDATED,
    "refused-update-changes-nothing": (lambda view: view.operation == "updateLead" and 400 <= view.status < 500, False),
}

Kind = tuple[str, "str | None", bool, int]


class ReadCounts:
    """Per rule, the exchanges of the kind it reads: counted by kind as they pass (cheap on a proxy's
    hot path), worked out per rule when a report asks."""

    def __init__(self) -> None:
        self._kinds: dict[tuple[Kind, bool], int] = {}  # (kind, across rules too) -> exchanges
        self._dynamic: Counter[str] = Counter()
        self._static = {
            across: [(rule_id, reads) for table in self._tables(across) for rule_id, (reads, dynamic) in table.items() if not dynamic]
            for across in (False, True)
        }
        self._dynamic_rules = {
            across: [(rule_id, reads) for table in self._tables(across) for rule_id, (reads, dynamic) in table.items() if dynamic]
            for across in (False, True)
        }

    @staticmethod
    def _tables(across: bool) -> tuple[Table, ...]:
        return (PER_EXCHANGE_READS, ACROSS_READS) if across else (PER_EXCHANGE_READS,)

    def add(self, view: View, *, per_exchange: bool = True, across: bool = True) -> None:
        """One judged exchange: `per_exchange` and `across` say which rules judged it."""
        if not per_exchange:
            for rule_id, (reads, _) in ACROSS_READS.items():
                if reads(view):
                    self._dynamic[rule_id] += 1
            return
        key = ((view.method, view.operation, view.template is not None, view.status), across)
        self._kinds[key] = self._kinds.get(key, 0) + 1
        for rule_id, reads in self._dynamic_rules[across]:
            if reads(view):
                self._dynamic[rule_id] += 1

    def counts(self) -> Counter[str]:
        """Rule id -> exchanges of the kind it reads."""
        total = Counter(self._dynamic)
        for ((method, operation, routed, status), across), seen in self._kinds.items():
            view = _KindView(method, operation, routed, status)
            for rule_id, reads in self._static[across]:
                if reads(view):  # type: ignore[arg-type]  # a static rule reads only the kind's fields
                    total[rule_id] += seen
        return total


class _KindView:
    """The fields of a View that a static rule reads."""

    def __init__(self, method: str, operation: str | None, routed: bool, status: int) -> None:
        self.method, self.operation, self.status = method, operation, status
        self.template = "" if routed else None
