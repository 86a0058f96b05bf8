"""The kit never damages data: it writes only to leads it created, and removes them, whatever happens."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path
from typing import Any, Callable, Iterable

import pytest
import requests
from broken_servers import BUGS
from kit_helpers import BIN, HAND_WRITTEN, KEY, SECOND_KEY, in_process, leadkit, live_mock, run_verify
from planting import Planted, error, lead_ids, mock
from werkzeug.wrappers import Request, Response

from contract_tests.live.guard import Guard, GuardRefused, Ledger

LEADS = "http://deployment.example/api/v1/leads"
OWNED, PROBE, FOREIGN = "lead_00000000000000aa", "lead_00000000000000bb", "lead_1234567890abcdef"


@pytest.mark.parametrize(
    "method, url, read_only, allowed",
    [
        ("GET", f"{LEADS}/{FOREIGN}", False, True),  # reading is always allowed
        ("POST", LEADS, False, True),  # a create: the lead becomes the kit's
        ("PUT", f"{LEADS}/{OWNED}", False, True),  # the kit created it
        ("DELETE", f"{LEADS}/{OWNED}", False, True),  # the kit created it
        ("DELETE", f"{LEADS}/{PROBE}", False, True),  # made up by the kit and confirmed absent
        ("PUT", f"{LEADS}/{FOREIGN}", False, False),  # someone else's lead
        ("DELETE", f"{LEADS}/{FOREIGN}", False, False),  # someone else's lead
        ("PATCH", f"{LEADS}/{FOREIGN}", False, False),  # any other write, too
        ("DELETE", LEADS, False, False),  # the whole collection
        ("PUT", LEADS, False, False),  # the whole collection
        ("POST", f"{LEADS}/{FOREIGN}", False, False),  # a POST that is not a create
        ("DELETE", f"http://elsewhere.example/api/v1/leads/{OWNED}", False, False),  # another host
        ("DELETE", f"{LEADS}/{OWNED}/notes", False, False),  # below a lead
        ("POST", LEADS, True, False),  # --read-only: not even a create
        ("DELETE", f"{LEADS}/{OWNED}", True, False),  # --read-only: not even the kit's own
        ("GET", LEADS, True, True),  # --read-only still reads
    ],
)
def test_guard_lets_through_only_writes_to_the_kits_own_leads(method: str, url: str, read_only: bool, allowed: bool) -> None:
    ledger = Ledger(owned={OWNED: KEY}, probes={PROBE})
    guard = Guard(LEADS, ledger, read_only)
    if allowed:
        guard.check(method, url)
    else:
        with pytest.raises(GuardRefused):
            guard.check(method, url)


class Recorder:
    """WSGI middleware that remembers every request and every id a create answered with."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[tuple[str, str, int]] = []
        self.created: set[str] = set()
        self.absent: set[str] = set()  # ids a GET answered 404 for

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ, shallow=True)
        response = Response.from_app(self.app, environ)
        self.requests.append((request.method, request.path, response.status_code))
        if request.method == "POST" and response.status_code == 201:
            self.created.add(json.loads(response.get_data())["data"]["id"])
        if request.method == "GET" and response.status_code == 404:
            self.absent.add(request.path.rpartition("/")[2])
        return response(environ, start_response)

    def writes(self) -> list[tuple[str, str, int]]:
        return [entry for entry in self.requests if entry[0] not in ("GET", "HEAD", "OPTIONS", "TRACE")]


def test_every_write_of_a_whole_run_targets_a_lead_the_kit_created() -> None:
    """Schemathesis's generated writes included: none reaches a fixture lead or an id the kit did not make."""
    app = mock()
    fixture_ids = lead_ids(app)
    recorder = Recorder(app)
    outcome = run_verify(in_process(recorder, seed=5, max_examples=10))
    assert outcome.exit_code == 0, outcome.summary
    targets = {path.rpartition("/")[2] for method, path, _ in recorder.writes() if path != "/api/v1/leads"}
    assert targets, "the run made no write to a single lead"
    assert targets <= recorder.created | recorder.absent
    assert not targets & fixture_ids
    assert lead_ids(app) == fixture_ids  # and every kit lead is gone


def test_read_only_sends_no_write_and_says_what_it_skipped() -> None:
    recorder = Recorder(mock())
    outcome = run_verify(in_process(recorder, read_only=True))
    assert outcome.exit_code == 0, outcome.summary
    assert {method for method, _, _ in recorder.requests} == {"GET"}
    assert "checks (--read-only: creates, updates or deletes leads). Rules left unchecked:" in outcome.summary
    assert "delete-envelope" in outcome.summary.partition("Rules left unchecked:")[2]


def test_the_kits_leads_are_removed_after_a_failed_run() -> None:
    app = BUGS["replaces-metadata"]()
    fixture_ids = lead_ids(app)
    outcome = run_verify(in_process(app), select=HAND_WRITTEN)
    assert outcome.exit_code == 1
    assert lead_ids(app) == fixture_ids
    assert "test leads the kit created are all gone" in outcome.summary


def test_leads_the_kit_could_not_remove_are_reported() -> None:
    def refuse_deletes(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        return error(503, "UNAVAILABLE") if request.method == "DELETE" else None

    app = mock()
    outcome = run_verify(in_process(Planted(app, before=refuse_deletes)), select="test_get_answers_200")
    left = lead_ids(app) - lead_ids(mock())  # a fresh mock holds the same fixture leads
    assert len(left) == 1
    assert f"Cleanup: could NOT remove 1 of the 1 test lead the kit created:\n  {left.pop()}: DELETE answered 503" in outcome.summary


SEEDED_A, SEEDED_B = "sk-seeded-alpha", "sk-seeded-beta"


def seeded_lead(lead_id: str, name: str, **fields: Any) -> dict[str, Any]:
    lead: dict[str, Any] = {"id": lead_id, "name": name, "email": f"{lead_id}@example.org", "phone": None, "source": "website"}
    lead.update(status="new", metadata={"company": "Acme"}, createdAt="2024-01-15T10:30:00.000Z", updatedAt="2024-01-15T10:30:00.000Z")
    return {**lead, **fields}


SEEDED: dict[str, Any] = {
    "workspaces": [
        {
            "id": "ws_seeded_alpha",
            "apiKeys": [SEEDED_A],
            "leads": [
                seeded_lead("lead_1234567890abcdef", "John Doe"),  # the spec's example id, which Schemathesis tries
                seeded_lead("lead_0987654321fedcba", "Jane Smith", status="qualified", phone="+1-555-987-6543"),
                # Decoys that look like the kit's own test data: made by someone else, so never touched.
                seeded_lead("lead_00000000000000d1", "Leadkit Test lk000000000000n1", source="leadkit-test"),
                seeded_lead("lead_00000000000000d2", "Leadkit Test decoy", metadata={"leadkitRun": "run_000000000000"}),
            ]
            + [seeded_lead(f"lead_{n:016x}", f"Customer {n}", status="lost") for n in range(1, 13)],
        },
        {
            "id": "ws_seeded_beta",
            "apiKeys": [SEEDED_B],
            "leads": [seeded_lead(f"lead_{n:016x}", f"Beta customer {n}") for n in range(100, 104)],
        },
    ]
}


def snapshot(base_url: str) -> dict[str, bytes]:
    """The raw bytes of every seeded lead and of each workspace's whole list."""
    found = {}
    for workspace, key in zip(SEEDED["workspaces"], (SEEDED_A, SEEDED_B)):
        auth = {"Authorization": f"Bearer {key}"}
        found[f"list {key}"] = requests.get(f"{base_url}/api/v1/leads", params={"limit": 100}, headers=auth, timeout=10).content
        for lead in workspace["leads"]:
            found[lead["id"]] = requests.get(f"{base_url}/api/v1/leads/{lead['id']}", headers=auth, timeout=10).content
    return found


def test_seeded_leads_are_byte_for_byte_unchanged_after_a_full_run(tmp_path: Path) -> None:
    fixtures = tmp_path / "seeded.json"
    fixtures.write_text(json.dumps(SEEDED))
    with live_mock(tmp_path, "--fixtures", str(fixtures)) as url:
        before = snapshot(url)
        result = leadkit("verify", "--base-url", url, "--api-key", SEEDED_A, "--second-api-key", SEEDED_B)
        after = snapshot(url)
        audit = requests.get(f"{url}/__mock/audit", timeout=10).json()["data"]["entries"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert after == before
    seeded_ids = {lead["id"] for workspace in SEEDED["workspaces"] for lead in workspace["leads"]}
    assert audit and not {entry["leadId"] for entry in audit} & seeded_ids  # not one DELETE was even tried


def test_ctrl_c_still_removes_the_kits_leads(tmp_path: Path) -> None:
    with live_mock(tmp_path) as url:
        command = [str(BIN / "leadkit"), "verify", "--base-url", url, "--api-key", KEY, "--second-api-key", SECOND_KEY]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert process.stdout is not None
            done = 0
            while done < 30:  # well into the run: the kit's leads are there to be removed
                line = process.stdout.readline()
                assert line, "verify ended before it could be interrupted"
                done += line.startswith("  ok")
            assert _total(url, KEY) > 28
            process.send_signal(signal.SIGINT)
            output, _ = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        totals = (_total(url, KEY), _total(url, SECOND_KEY))
    assert process.returncode == 130, output
    assert "interrupted; removing the kit's test leads" in output
    assert re.search(r"Cleanup: the \d+ test leads the kit created are all gone", output), output
    assert totals == (28, 4)  # the default fixtures, and nothing else


def _total(base_url: str, key: str) -> int:
    reply = requests.get(f"{base_url}/api/v1/leads", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    total: int = reply.json()["data"]["pagination"]["total"]
    return total


def test_no_search_token_is_part_of_another() -> None:
    """Checks find their own leads by `search=<token>`: token 4 must not find token 43's leads."""
    from contract_tests.live.guard import Ledger

    ledger = Ledger()
    tokens = [ledger.token() for _ in range(500)]
    assert [(a, b) for a in tokens for b in tokens if a != b and a in b] == []
