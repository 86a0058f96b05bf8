"""`leadkit check` on a recording too large to hold: entries read as a stream and judged as they become safe to judge, in the order they ended."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from harmaker import LEAD, Har, deleted, lead, not_found

from contract_tests.core.exchange import Exchange
from contract_tests.core.har import stream_har
from contract_tests.engine.stream import Stream
from contract_tests.evidence.tally import judge_recording

BASE = "http://api.test/api/v1/leads"
AUTH = {"Authorization": "Bearer sk-one"}


def gets(count: int, read: list[int]) -> Iterator[Exchange]:
    """`count` GETs 10 ms apart, each lasting 5 ms; `read` counts how many were taken."""
    for n in range(count):
        read.append(n)
        body = json.dumps({"success": False, "error": "Lead not found", "code": "LEAD_NOT_FOUND", "details": {"leadId": f"lead_{n:016x}"}}).encode()
        yield Exchange("GET", f"{BASE}/lead_{n:016x}", 404, {"Content-Type": "application/json"}, body, AUTH, None, 1000.0 + n / 100, 1000.0 + n / 100 + 0.005, number=n + 1)


def test_a_recording_is_judged_as_it_is_read_never_held_whole() -> None:
    read: list[int] = []
    stream = Stream()
    lag = 0
    for judged, (exchange, _) in enumerate(stream.recording(gets(20_000, read)), 1):
        lag = max(lag, len(read) - judged)
    assert stream.judged == 20_000
    assert lag < 2_000, f"{lag} entries were held at once, of 20,000: the recording was read ahead, not streamed"


def test_entries_out_of_order_in_the_file_are_still_judged_in_the_order_they_ended(tmp_path: Path) -> None:
    """The file lists a read before the delete that happened first: compared as they happened."""
    har = Har()
    har.add("GET", f"/api/v1/leads/{LEAD}", 200, {"success": True, "data": lead()}, at=2)
    har.add("DELETE", f"/api/v1/leads/{LEAD}", 200, deleted(LEAD), at=1)
    path = har.write(tmp_path / "order.har")
    tally = judge_recording(stream_har(str(path)))
    assert [(finding.breach.exchange.number, finding.breach.rule.id) for finding in tally.findings] == [(1, "not-found-after-delete")]


def test_a_streamed_file_gives_the_findings_a_whole_read_gives(tmp_path: Path) -> None:
    har = Har()
    har.add("GET", f"/api/v1/leads/{LEAD}", 200, {"success": True, "data": lead()}, at=0)
    har.add("DELETE", f"/api/v1/leads/{LEAD}", 200, deleted(LEAD), at=1)
    har.add("GET", f"/api/v1/leads/{LEAD}", 200, {"success": True, "data": lead()}, at=2)
    path = har.write(tmp_path / "t.har")
    recording = stream_har(str(path))
    tally = judge_recording(recording)
    assert [(finding.breach.exchange.number, finding.breach.rule.id) for finding in tally.findings] == [(3, "not-found-after-delete")]
    assert recording.count == 3


def test_a_body_kept_as_an_excerpt_is_judged_as_not_recorded_never_as_broken_json(tmp_path: Path) -> None:
    """`/__proxy/har` keeps large bodies as excerpts (`_excerpt`: size, digest): check must not read the cut text as the body."""
    har = Har()
    entry = har.add("GET", f"/api/v1/leads/{LEAD}", 200, {"success": True, "data": lead()}, at=0)
    text = entry["response"]["content"]["text"]
    entry["response"]["content"]["text"] = text[:20]
    entry["response"]["content"]["_excerpt"] = {"size": len(text), "sha256": "0" * 64, "kept": 20}
    tally = judge_recording(stream_har(str(har.write(tmp_path / "cut.har"))))
    assert [finding.breach.rule.id for finding in tally.findings] == []
    assert tally.omitted == [1]


def test_a_slow_write_recorded_late_still_counts_as_under_way_for_the_writes_it_overlapped(tmp_path: Path) -> None:
    """The proxy records exchanges as they end: a 6 s PUT comes after the fast PUT it overlapped, and after reads."""
    har = Har()
    path = f"/api/v1/leads/{LEAD}"
    later = "2024-01-15T10:31:00.000Z"
    latest = "2024-01-15T10:32:00.000Z"
    har.add("GET", path, 200, {"success": True, "data": lead(metadata={"plan": "pro"})}, at=0)
    # the slow PUT was applied first: the fast one's answer shows its seats too, as it should
    har.add("PUT", path, 200, {"success": True, "data": lead(updatedAt=latest, metadata={"plan": "pro", "seats": 1, "x": 1})}, at=2, until=2.5, sent={"metadata": {"x": 1}})
    for n in range(4):
        har.add("GET", "/api/v1/leads/lead_00000000000000cc", 404, not_found("lead_00000000000000cc"), at=3 + n)
    har.add("PUT", path, 200, {"success": True, "data": lead(updatedAt=later, metadata={"plan": "pro", "seats": 1})}, at=1, until=7, sent={"metadata": {"seats": 1}})
    tally = judge_recording(stream_har(str(har.write(tmp_path / "late.har"))))
    assert [(finding.breach.exchange.number, finding.breach.rule.id) for finding in tally.findings] == []
