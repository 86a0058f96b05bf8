"""`leadkit check` on hand-made HARs: each cross-exchange rule fires, and stays silent on its conforming twin."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from harmaker import KEY_B, LEAD, OTHER, Har, deleted, lead, listing, not_found

from contract_tests.core.har import read_har
from contract_tests.evidence.tally import judge_recording

L = f"/api/v1/leads/{LEAD}"
LEADS = "/api/v1/leads"
LATER = "2024-01-15T10:31:00.000Z"


def found(tmp_path: Path, har: Har) -> list[tuple[int | None, str]]:
    tally = judge_recording(read_har(str(har.write(tmp_path / "t.har"))).exchanges)
    return [(finding.breach.exchange.number, finding.breach.rule.id) for finding in tally.findings]


def deleted_then(status: int, body: object, *, at: float = 3) -> Har:
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=0)
    har.add("DELETE", L, 200, deleted(LEAD), at=1)
    har.add("GET", L, status, body, at=at)
    return har


def deleted_then_listed(leads: list[dict[str, object]]) -> Har:
    har = Har()
    har.add("DELETE", L, 200, deleted(LEAD), at=1)
    har.add("GET", LEADS, 200, listing(*leads), at=2)
    return har


def reused(second: str) -> Har:
    har = Har()
    har.add("POST", LEADS, 201, {"success": True, "data": lead()}, at=0, sent={"name": "Ada Lovelace", "email": "ada@example.com", "source": "website", "metadata": {"plan": "pro"}})
    har.add("DELETE", L, 200, deleted(LEAD), at=1)
    har.add("POST", LEADS, 201, {"success": True, "data": lead(second)}, at=2, sent={"name": "Ada Lovelace", "email": "ada@example.com", "source": "website", "metadata": {"plan": "pro"}})
    return har


def created_at(second: str) -> Har:
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=0)
    har.add("GET", L, 200, {"success": True, "data": lead(createdAt=second)}, at=1)
    return har


def put(before: dict[str, object], sent: dict[str, object], after: dict[str, object]) -> Har:
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead(**before)}, at=0)
    har.add("PUT", L, 200, {"success": True, "data": lead(**{"updatedAt": LATER, **after})}, at=1, sent=sent)
    return har


def across_workspaces(status: int, body: object) -> Har:
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=0)  # key A: ws_alpha's lead
    har.add("GET", f"/api/v1/leads/{OTHER}", 200, {"success": True, "data": lead(OTHER, "ws_beta")}, at=1, key=KEY_B)
    har.add("GET", L, status, body, at=2, key=KEY_B)
    return har


def listed_across(leads: list[dict[str, object]]) -> Har:
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=0)
    har.add("GET", f"/api/v1/leads/{OTHER}", 200, {"success": True, "data": lead(OTHER, "ws_beta")}, at=1, key=KEY_B)
    har.add("GET", LEADS, 200, listing(*leads), at=2, key=KEY_B)
    return har


def deleted_at(when: str) -> Har:
    har = Har()
    har.add("PUT", L, 200, {"success": True, "data": lead(updatedAt=LATER)}, at=0, sent={"status": "new"})
    har.add("DELETE", L, 200, deleted(LEAD, when), at=1)
    return har


# (rule, the HAR that breaks it and the entry that shows it, its conforming twin)
CASES: list[tuple[str, Callable[[], Har], int, Callable[[], Har]]] = [
    ("not-found-after-delete", lambda: deleted_then(200, {"success": True, "data": lead()}), 3, lambda: deleted_then(404, not_found(LEAD))),
    ("list-after-delete", lambda: deleted_then_listed([lead()]), 2, lambda: deleted_then_listed([lead(OTHER)])),
    ("no-id-reuse", lambda: reused(LEAD), 3, lambda: reused(OTHER)),
    ("update-timestamps", lambda: created_at("2024-01-15T10:29:00.000Z"), 2, lambda: created_at("2024-01-15T10:30:00.000Z")),
    (
        "update-timestamps",  # a PUT whose updatedAt is not strictly later
        lambda: put({}, {"status": "contacted"}, {"status": "contacted", "updatedAt": "2024-01-15T10:30:00.000Z"}),
        2,
        lambda: put({}, {"status": "contacted"}, {"status": "contacted", "updatedAt": "2024-01-15T10:30:00.001Z"}),
    ),
    (
        "update-merge-patch",
        lambda: put({"metadata": {"plan": "pro"}}, {"metadata": {"seats": 3}}, {"metadata": {"seats": 3}}),
        2,
        lambda: put({"metadata": {"plan": "pro"}}, {"metadata": {"seats": 3}}, {"metadata": {"plan": "pro", "seats": 3}}),
    ),
    (
        "update-partial",  # a field not sent changed
        lambda: put({}, {"status": "lost"}, {"status": "lost", "name": "Someone Else"}),
        2,
        lambda: put({}, {"status": "lost"}, {"status": "lost"}),
    ),
    (
        "update-null-clears",
        lambda: put({"phone": "+1-555-0100"}, {"phone": None}, {"phone": "+1-555-0100"}),
        2,
        lambda: put({"phone": "+1-555-0100"}, {"phone": None}, {"phone": None}),
    ),
    ("other-workspace-not-found", lambda: across_workspaces(200, {"success": True, "data": lead()}), 3, lambda: across_workspaces(404, not_found(LEAD))),
    ("other-workspace-unlisted", lambda: listed_across([lead()]), 3, lambda: listed_across([lead(OTHER, "ws_beta")])),
    ("deleted-at-after-updates", lambda: deleted_at("2024-01-15T10:30:30.000Z"), 2, lambda: deleted_at("2024-01-15T10:31:00.000Z")),
]


@pytest.mark.parametrize("rule, broken, entry, twin", CASES, ids=[f"{case[0]}-{i}" for i, case in enumerate(CASES)])
def test_rule_fires_and_its_conforming_twin_is_silent(
    tmp_path: Path, rule: str, broken: Callable[[], Har], entry: int, twin: Callable[[], Har]
) -> None:
    assert found(tmp_path, broken()) == [(entry, rule)]
    assert found(tmp_path, twin()) == []


def test_exchanges_that_overlap_are_not_compared(tmp_path: Path) -> None:
    """A GET that began before the DELETE ended may have been answered first: no verdict."""
    har = Har()
    har.add("DELETE", L, 200, deleted(LEAD), at=1, until=3)
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=2, until=4)
    har.add("GET", LEADS, 200, listing(lead()), at=2.5, until=3.5)
    assert found(tmp_path, har) == []


def test_a_put_overlapping_another_write_is_not_held_to_the_last_state(tmp_path: Path) -> None:
    """Two PUTs in flight together: either may have landed first, so neither's metadata is judged."""
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead(metadata={"a": 1})}, at=0)
    har.add("PUT", L, 200, {"success": True, "data": lead(metadata={"a": 1, "b": 2, "c": 3}, updatedAt=LATER)}, at=1, until=3, sent={"metadata": {"b": 2}})
    har.add("PUT", L, 200, {"success": True, "data": lead(metadata={"a": 1, "c": 3}, updatedAt="2024-01-15T10:30:30.000Z")}, at=1.5, until=2, sent={"metadata": {"c": 3}})
    assert found(tmp_path, har) == []


def test_updated_at_going_back_after_a_later_state_is_caught(tmp_path: Path) -> None:
    har = Har()
    har.add("PUT", L, 200, {"success": True, "data": lead(updatedAt=LATER)}, at=0, sent={"status": "new"})
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=1)
    assert found(tmp_path, har) == [(2, "update-timestamps")]


def _refused_then(updated: str) -> Har:
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=0)
    har.add("PUT", L, 400, {"success": False, "error": "Invalid", "code": "VALIDATION_ERROR", "details": {"errors": [{"field": "bogus", "message": "no"}]}}, at=1, sent={"status": "lost", "bogus": 1})
    har.add("GET", L, 200, {"success": True, "data": lead(updatedAt=updated, status="lost")}, at=2)
    return har


def test_a_refused_update_that_changed_the_lead_is_caught(tmp_path: Path) -> None:
    assert found(tmp_path, _refused_then(LATER)) == [(3, "refused-update-changes-nothing")]
    assert found(tmp_path, _refused_then("2024-01-15T10:30:00.000Z")) == []


def test_a_mock_reset_between_two_exchanges_keeps_them_apart(tmp_path: Path) -> None:
    """`POST /__mock/reset` brings deleted leads back: the GET after it is not compared with the DELETE before."""
    har = deleted_then(200, {"success": True, "data": lead()}, at=3)
    har.add("POST", "/__mock/reset", 200, {"reset": True}, at=2, key=None)
    assert found(tmp_path, har) == []


def _relisted_then(updated: str, *, reset: bool = False) -> Har:
    """A lead listed seven times with a later updatedAt each (more than the judge keeps marks of), then read."""
    har = Har()
    for n in range(7):
        har.add("GET", LEADS, 200, listing(lead(updatedAt=f"2024-01-15T10:3{n}:00.000Z")), at=n)
    if reset:
        har.add("POST", "/__mock/reset", 200, {"reset": True}, at=7, key=None)
    har.add("GET", L, 200, {"success": True, "data": lead(updatedAt=updated)}, at=8)
    return har


def test_an_updated_at_below_the_latest_of_many_listings_is_caught(tmp_path: Path) -> None:
    """The judge looks back only below the greatest updatedAt it marked: that one must be the latest listed."""
    assert found(tmp_path, _relisted_then("2024-01-15T10:35:00.000Z")) == [(8, "update-timestamps")]
    assert found(tmp_path, _relisted_then("2024-01-15T10:36:00.000Z")) == []


def test_a_mock_reset_forgets_the_updated_at_marked_before_it(tmp_path: Path) -> None:
    assert found(tmp_path, _relisted_then("2024-01-15T10:35:00.000Z", reset=True)) == []


def test_a_list_poller_overlapping_a_put_leaves_its_merge_patch_judged(tmp_path: Path) -> None:
    """A dashboard polling the list while a PUT is under way: the PUT is still compared with the state before it."""
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead(metadata={"plan": "pro", "seats": 3})}, at=0)
    har.add("GET", LEADS, 200, listing(lead(metadata={"plan": "pro", "seats": 3})), at=2, until=4)  # began before the PUT, ended during it
    har.add("PUT", L, 200, {"success": True, "data": lead(updatedAt=LATER, metadata={"seats": 5})}, at=3, until=5, sent={"metadata": {"seats": 5}})
    har.add("GET", LEADS, 200, listing(lead(updatedAt=LATER, metadata={"seats": 5})), at=4.5, until=6)  # and one ending after it
    assert found(tmp_path, har) == [(3, "update-merge-patch")]


def test_a_list_poller_overlapping_a_correct_put_raises_nothing(tmp_path: Path) -> None:
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead(metadata={"plan": "pro", "seats": 3})}, at=0)
    har.add("GET", LEADS, 200, listing(lead(metadata={"plan": "pro", "seats": 3})), at=2, until=4)
    har.add("PUT", L, 200, {"success": True, "data": lead(updatedAt=LATER, metadata={"plan": "pro", "seats": 5})}, at=3, until=5, sent={"metadata": {"seats": 5}})
    har.add("GET", LEADS, 200, listing(lead(updatedAt=LATER, metadata={"plan": "pro", "seats": 5})), at=4.5, until=6)
    assert found(tmp_path, har) == []


def test_a_keys_workspace_is_decided_by_evidence_and_the_foreign_answer_is_marked_never_its_own_list(tmp_path: Path) -> None:
    """The first thing key B is answered is ws_alpha's lead; its own list then shows ws_beta's: the first answer is the foreign one."""
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=0, key=KEY_B)
    har.add("GET", LEADS, 200, listing(lead("lead_00000000000000bd", "ws_beta"), lead("lead_00000000000000bc", "ws_beta"), lead(OTHER, "ws_beta")), at=1, key=KEY_B)
    har.add("GET", f"/api/v1/leads/{OTHER}", 200, {"success": True, "data": lead(OTHER, "ws_beta")}, at=2, key=KEY_B)
    assert found(tmp_path, har) == [(1, "other-workspace-not-found")]


def test_every_answer_of_another_workspace_is_marked_not_only_the_first(tmp_path: Path) -> None:
    har = Har()
    har.add("POST", LEADS, 201, {"success": True, "data": lead(OTHER, "ws_beta")}, at=0, key=KEY_B, sent={"name": "Ada Lovelace", "email": "ada@example.com", "source": "website", "metadata": {"plan": "pro"}})
    for n in range(3):
        har.add("GET", L, 200, {"success": True, "data": lead()}, at=1 + n, key=KEY_B)
    har.add("GET", f"/api/v1/leads/{OTHER}", 200, {"success": True, "data": lead(OTHER, "ws_beta")}, at=5, key=KEY_B)
    assert found(tmp_path, har) == [(2, "other-workspace-not-found"), (3, "other-workspace-not-found"), (4, "other-workspace-not-found")]
