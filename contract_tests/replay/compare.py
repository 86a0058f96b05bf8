"""A replayed answer against the recorded one, by meaning: status, error code, and what the lists showed.

Never ids, timestamps or data that was there before, byte for byte: those differ between any two
deployments that both follow the contract. Each difference names the rule the recorded answer
stood for, so a DIFF reads as the contract's words, not as two bodies that differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.expect import LEAD_ID
from ..core.rules import (
    CREATED_AVAILABLE,
    FILTER_SEARCH,
    FILTER_SOURCE,
    FILTER_STATUS,
    JSON_HEADER_NO_BODY,
    LIST_QUERY,
    METHOD_NOT_ALLOWED,
    NO_SERVER_ERRORS,
    NOT_FOUND_AFTER_DELETE,
    NOT_FOUND_MALFORMED,
    NOT_FOUND_NEVER_EXISTED,
    NOT_FOUND_OTHER_WORKSPACE,
    PAYLOAD_TOO_LARGE,
    REPLAY_LISTED,
    REPLAY_SAME_ANSWER,
    UNAUTHORIZED,
    UNKNOWN_ROUTE,
    UNSUPPORTED_MEDIA_TYPE,
    VALID_ACCEPTED,
    VALIDATION,
    Rule,
)
from ..engine import View

_BY_STATUS = {401: UNAUTHORIZED, 405: METHOD_NOT_ALLOWED, 413: PAYLOAD_TOO_LARGE, 415: UNSUPPORTED_MEDIA_TYPE}


@dataclass(frozen=True)
class Difference:
    rule: Rule
    message: str


@dataclass(frozen=True)
class LeadHistory:
    """What the recording had done to a lead by the time of a step, to name the right 404 rule."""

    deleted: bool
    other_workspace: bool


def code_of(view: View) -> str | None:
    body = view.body
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def answer_differs(recorded: View, target: View, history: LeadHistory | None) -> Difference | None:
    """The first way the target's answer departs from the recorded one, or None."""
    if target.status >= 500 and recorded.status < 500:
        return Difference(NO_SERVER_ERRORS, f"recorded {recorded.status}, the target answered {target.status}")
    before, after = code_of(recorded), code_of(target)
    if recorded.status == target.status and (recorded.status < 400 or before == after):
        return None
    said = f"recorded {recorded.status}" + (f" {before}" if before else "")
    got = f"the target answered {target.status}" + (f" {after}" if after else "")
    return Difference(_rule(recorded, target, history), f"{said}, {got}")


def _rule(recorded: View, target: View, history: LeadHistory | None) -> Rule:
    """The rule the recorded answer stood for (or, for a recorded success, the one the target's refusal breaks)."""
    status = recorded.status if recorded.status >= 400 else target.status
    if recorded.status < 400 and recorded.method in ("GET", "DELETE") and not recorded.exchange.request_body:
        if "json" in recorded.request_headers.get("content-type", "") and target.status in (400, 415):
            return JSON_HEADER_NO_BODY
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status == 404:
        if code_of(recorded if recorded.status == 404 else target) == "NOT_FOUND" or recorded.template is None:
            return UNKNOWN_ROUTE
        if recorded.status < 400:
            return CREATED_AVAILABLE
        if history is not None and history.deleted:
            return NOT_FOUND_AFTER_DELETE
        if history is not None and history.other_workspace:
            return NOT_FOUND_OTHER_WORKSPACE
        return NOT_FOUND_NEVER_EXISTED if LEAD_ID.fullmatch(recorded.lead_id or "") else NOT_FOUND_MALFORMED
    if status == 400:
        if recorded.status < 400:
            return VALID_ACCEPTED
        return LIST_QUERY if recorded.operation == "listLeads" else VALIDATION
    return REPLAY_SAME_ANSWER


def list_rule(query: dict[str, str]) -> Rule:
    """The filter a lead missing from a filtered list breaks; the plain list's rule otherwise."""
    if query.get("search"):
        return FILTER_SEARCH
    if query.get("status"):
        return FILTER_STATUS
    if query.get("source"):
        return FILTER_SOURCE
    return REPLAY_LISTED


def listed_ids(view: View) -> list[str]:
    data: Any = view.data
    leads = data.get("leads") if isinstance(data, dict) else None
    if not isinstance(leads, list):
        return []
    return [lead["id"] for lead in leads if isinstance(lead, dict) and isinstance(lead.get("id"), str)]
