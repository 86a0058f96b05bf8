"""`leadkit check` on hand-made HARs: what a recording shows of the blind spots fires its rule, and its conforming twin is silent.

Read-only fields answered 2xx, a case-changed id answered 200, a 429 without Retry-After or
its envelope, and a filter answered with leads outside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from harmaker import LEAD, Har, lead, listing, not_found

from contract_tests.core.har import read_har
from contract_tests.evidence.tally import judge_recording

L = f"/api/v1/leads/{LEAD}"
UPPER = f"/api/v1/leads/{LEAD.upper()}"
LEADS = "/api/v1/leads"
LATER = "2024-01-15T10:31:00.000Z"
CREATE = {"name": "Ada Lovelace", "email": "ada@example.com", "source": "website", "metadata": {"plan": "pro"}}
RATE_LIMITED = {"success": False, "error": "Too many requests", "code": "RATE_LIMITED", "details": {}}


def found(tmp_path: Path, har: Har) -> list[tuple[int | None, str]]:
    tally = judge_recording(read_har(str(har.write(tmp_path / "t.har"))).exchanges)
    return [(finding.breach.exchange.number, finding.breach.rule.id) for finding in tally.findings]


def refused(field: str) -> dict[str, Any]:
    return {"success": False, "error": "Invalid", "code": "VALIDATION_ERROR", "details": {"errors": [{"field": field, "message": "not writable"}]}}


def created_with(field: str, value: Any, status: int) -> Har:
    har = Har()
    body = {"success": True, "data": lead()} if status == 201 else refused(field)
    har.add("POST", LEADS, status, body, at=0, sent={**CREATE, field: value})
    return har


def updated_with(field: str, value: Any, status: int) -> Har:
    har = Har()
    body = {"success": True, "data": lead(status="lost", updatedAt=LATER)} if status == 200 else refused(field)
    har.add("PUT", L, status, body, at=0, sent={"status": "lost", field: value})
    return har


def other_case(method: str, status: int) -> Har:
    har = Har()
    if status == 404:
        body: Any = not_found(LEAD.upper())
    elif method == "DELETE":
        body = {"success": True, "message": "Lead deleted successfully", "data": {"id": LEAD, "deletedAt": "2024-01-16T15:45:00.000Z"}}
    else:
        body = {"success": True, "data": lead(updatedAt=LATER if method == "PUT" else "2024-01-15T10:30:00.000Z")}
    har.add(method, UPPER, status, body, at=0, sent={"status": "new"} if method == "PUT" else None)
    return har


def rate_limited(headers: dict[str, str], body: Any = RATE_LIMITED) -> Har:
    har = Har()
    har.add("GET", LEADS, 429, body, at=0, headers=headers)
    return har


def filtered(query: str, *leads: dict[str, Any]) -> Har:
    har = Har()
    har.add("GET", f"{LEADS}?{query}", 200, listing(*leads), at=0)
    return har


# (rule, the HAR that breaks it and the entry that shows it, its conforming twin)
CASES: list[tuple[str, Callable[[], Har], int, Callable[[], Har]]] = [
    *[
        ("read-only-fields-refused", lambda f=field, v=value: created_with(f, v, 201), 1, lambda f=field, v=value: created_with(f, v, 400))
        for field, value in [("workspaceId", "ws_beta"), ("id", LEAD), ("updatedAt", LATER), ("bogus", 1)]
    ],
    *[
        ("read-only-fields-refused", lambda f=field, v=value: updated_with(f, v, 200), 1, lambda f=field, v=value: updated_with(f, v, 400))
        for field, value in [("workspaceId", "ws_beta"), ("createdAt", LATER), ("bogus", 1)]
    ],
    *[("ids-exact", lambda m=method: other_case(m, 200), 1, lambda m=method: other_case(m, 404)) for method in ("GET", "PUT", "DELETE")],
    ("rate-limited-answer", lambda: rate_limited({}), 1, lambda: rate_limited({"Retry-After": "1"})),
    ("rate-limited-answer", lambda: rate_limited({"Retry-After": "soon"}), 1, lambda: rate_limited({"Retry-After": "30"})),
    ("filter-status", lambda: filtered("status=lost", lead(status="new")), 1, lambda: filtered("status=lost", lead(status="lost"))),
    ("filter-source", lambda: filtered("source=webinar", lead(source="website")), 1, lambda: filtered("source=webinar", lead(source="webinar"))),
    ("filter-search", lambda: filtered("search=lovelace", lead(name="Ada Byron")), 1, lambda: filtered("search=lovelace", lead())),
    (  # a match held only in phone: search reads name and email
        "filter-search",
        lambda: filtered("search=555", lead(phone="+1-555-0100")),
        1,
        lambda: filtered("search=555", lead(email="ada555@example.com")),
    ),
    (  # Unicode case folding, accents kept: ÉLAN lists élan, never cafe's café
        "filter-search",
        lambda: filtered("search=cafe", lead(name="Café Élan")),
        1,
        lambda: filtered("search=%C3%89LAN", lead(name="Café élan")),
    ),
    ("list-query-values", lambda: filtered("status=NEW", lead()), 1, lambda: filtered("status=new", lead())),
]


@pytest.mark.parametrize("rule, broken, entry, twin", CASES, ids=[f"{case[0]}-{i}" for i, case in enumerate(CASES)])
def test_rule_fires_and_its_conforming_twin_is_silent(tmp_path: Path, rule: str, broken: Callable[[], Har], entry: int, twin: Callable[[], Har]) -> None:
    assert found(tmp_path, broken()) == [(entry, rule)]
    assert found(tmp_path, twin()) == []


def test_a_429_in_another_envelope_breaks_its_rule_as_well_as_the_schema(tmp_path: Path) -> None:
    assert found(tmp_path, rate_limited({"Retry-After": "1"}, {"error": "slow down"})) == [(1, "responses-match-openapi"), (1, "rate-limited-answer")]


def test_a_429_whose_body_was_not_recorded_is_judged_by_its_headers_alone(tmp_path: Path) -> None:
    """Chromium leaves some bodies out of its HAR: a 429 with Retry-After and no recorded body is no finding."""
    har = Har()
    entry = har.add("GET", LEADS, 429, RATE_LIMITED, at=0, headers={"Retry-After": "1"})
    del entry["response"]["content"]["text"]
    assert found(tmp_path, har) == []
    entry["response"]["headers"] = [header for header in entry["response"]["headers"] if header["name"] != "Retry-After"]
    assert found(tmp_path, har) == [(1, "rate-limited-answer")]  # the header is still judged


def test_a_429_to_a_wrong_method_still_says_when_to_retry(tmp_path: Path) -> None:
    """The spec documents no 429 for PATCH, so its header check is silent there: the rule itself is not."""
    har = Har()
    har.add("PATCH", L, 429, RATE_LIMITED, at=0)
    assert (1, "rate-limited-answer") in found(tmp_path, har)
    har = Har()
    har.add("PATCH", L, 429, RATE_LIMITED, at=0, headers={"Retry-After": "2"})
    assert (1, "rate-limited-answer") not in found(tmp_path, har)
