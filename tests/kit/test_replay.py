"""`leadkit replay`: a session recorded on the mock replays clean on conforming servers and names each planted bug."""

from __future__ import annotations

import dataclasses
import json
import re
import signal
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import requests
from broken_servers import BUGS
from frontend_session import drive
from harmaker import KEY_B, LEAD, Har, deleted, lead, listing, not_found
import inprocess
from kit_helpers import BIN, HERE, KEY, SECOND_KEY, in_process, leadkit, live_process, served_in_thread
from livemock import ROOT, LiveMock, free_port
from planting import lead_ids, mock
from test_browser_traffic import PageServer, browser, pages, use_the_page  # noqa: F401  (fixtures)
from test_live import VENDOR_HOST, seed_block
from test_proxy_traffic import NOT_SHOWN, SHOWN

from contract_tests.core.har import read_har
from contract_tests.replay.session import Replay, replay

INDEPENDENT_KEYS = ("indie-alpha-7f3c", "indie-beta-19d2")


def seed_clients(base_url: str, directory: Path) -> None:
    """The seed page's Python client, unchanged but for its host, on fixture leads (John Doe, the lost ones)."""
    namespace: dict[str, Any] = {}
    exec(compile(seed_block("import requests", "# Usage examples\napi_key").replace(VENDOR_HOST, base_url), "seed.py", "exec"), namespace)
    import builtins
    import os

    here, answer = os.getcwd(), builtins.input
    os.chdir(directory)  # its backup files land here
    builtins.input = lambda prompt="": "yes"  # its prompt, answered
    try:
        assert namespace["delete_lead"](KEY, "lead_1234567890abcdef", backup_first=True) is True
        assert namespace["delete_lead"](KEY, "lead_1234567890abcdef", backup_first=False) is False
        assert namespace["delete_leads_by_status"](KEY, "lost", confirm=True)["deleted"] == 3
    finally:
        os.chdir(here)
        builtins.input = answer


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A frontend's session and the seed's clients, recorded by `leadkit mock --record`."""
    folder = tmp_path_factory.mktemp("recorded")
    har = folder / "session.har"
    with LiveMock("--quiet", "--record", str(har)) as mock:
        drive(mock.base_url, KEY, SECOND_KEY)
        seed_clients(mock.base_url, folder)
        assert mock.stop() == 0
    return har


def replayed(har: Path, target: Any) -> tuple[Replay, str]:
    out = StringIO()
    return replay(read_har(str(har)), target, out), out.getvalue()


def assert_valid_report(report: dict[str, Any]) -> None:
    schema = json.loads((ROOT / "docs" / "report-schema.json").read_text())
    assert [error.message for error in jsonschema_rs.validator_for(schema).iter_errors(report)] == []


def state_leads(base_url: str) -> list[dict[str, Any]]:
    state = requests.get(f"{base_url}/__mock/state", timeout=10).json()
    return [lead for workspace in state["workspaces"] for lead in workspace["leads"]]


def test_the_session_replays_clean_on_a_fresh_mock_and_leaves_its_data_as_it_was(session: Path, tmp_path: Path) -> None:
    with LiveMock("--quiet") as mock:
        before = state_leads(mock.base_url)
        reports = ["--report-json", str(tmp_path / "replay.json"), "--report-html", str(tmp_path / "replay.html")]
        run = leadkit("replay", str(session), "--base-url", mock.base_url, "--api-key", KEY, "--second-api-key", SECOND_KEY, *reports)
        after = state_leads(mock.base_url)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " DIFF " not in run.stdout
    assert "answers the recorded session as the contract did" in run.stdout
    assert after == before  # John Doe and the lost leads were stand-ins: the mock's own are untouched, byte for byte
    assert "test leads the replay created are all gone" in run.stdout
    assert KEY not in run.stdout and SECOND_KEY not in run.stdout
    report = json.loads((tmp_path / "replay.json").read_text())
    assert_valid_report(report)
    assert (report["tool"], report["outcome"], report["exit_code"], report["rules"]) == ("replay", "conforms", 0, [])
    assert {step["outcome"] for step in report["steps"]} == {"ok"}
    assert "answers the recorded session as the contract did" in (tmp_path / "replay.html").read_text()


def test_the_reports_show_the_planted_bug_step_by_step(session: Path, tmp_path: Path) -> None:
    with served_in_thread(BUGS["keeps-deleted"]()) as url:
        run = inprocess.leadkit("replay", str(session), "--base-url", url, "--api-key", KEY, "--second-api-key", SECOND_KEY, "--report-json", str(tmp_path / "r.json"), "--report-html", str(tmp_path / "r.html"))
    assert run.returncode == 1, run.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert_valid_report(report)
    (broken,) = [rule for rule in report["rules"] if rule["id"] == "not-found-after-delete"]
    assert broken["status"] == "broken" and broken["evidence"][0]["curl"].startswith("curl -i -X GET")
    diffs = [step for step in report["steps"] if step["outcome"] == "DIFF"]
    assert diffs and diffs[0]["request"].startswith("GET /api/v1/leads/") and (diffs[0]["recordedStatus"], diffs[0]["targetStatus"]) == (404, 200)
    assert "not-found-after-delete" in (tmp_path / "r.html").read_text()
    assert KEY not in (tmp_path / "r.json").read_text() + (tmp_path / "r.html").read_text()
    # The evidence once per step that showed the rule, its counts the steps' own.
    steps_showing = [step["entry"] for step in report["steps"] if any(d["rule"] == "not-found-after-delete" for d in step["differences"])]
    assert broken["broken"] == broken["checked"] == len(steps_showing) == len({e["check"] for e in broken["evidence"]})
    # The HTML shows the steps too, one row each, not only the JSON.
    page = (tmp_path / "r.html").read_text()
    assert page.count('<tr class="step ') == len(report["steps"])
    assert f'<tr class="step DIFF"><td>{diffs[0]["entry"]}</td>' in page
    # The summary names each step with what that step recorded, never the first step's words for all.
    line = next(line for line in run.stdout.splitlines() if line.startswith("BROKEN  not-found-after-delete"))
    assert f"step {steps_showing[0]}:" in line


def test_the_session_replays_clean_on_the_independent_server(session: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, str(HERE / "independent_server.py"), str(port)]
    with live_process(command, port, tmp_path / "independent.log") as url:
        run = inprocess.leadkit("replay", str(session), "--base-url", url, "--api-key", INDEPENDENT_KEYS[0], "--second-api-key", INDEPENDENT_KEYS[1])
    assert run.returncode == 0, run.stdout + run.stderr


def test_fixture_leads_get_stand_ins_and_made_up_ids_stay_absent(session: Path) -> None:
    result, printed = replayed(session, in_process(mock()))
    assert result.exit_code == 0, printed
    deletes = [outcome for outcome in result.outcomes if outcome.step.label == "DELETE /api/v1/leads/lead_1234567890abcdef"]
    assert [outcome.target.status for outcome in deletes if outcome.target] == [200, 404]
    assert all("lead_1234567890abcdef" not in (outcome.target.url if outcome.target else "") for outcome in deletes)


def test_every_lead_a_replay_creates_is_listed_on_stderr_as_it_is_made(session: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A replay killed with -9 cleans nothing: what it made is on stderr, by id, to clean by hand."""
    app = mock()
    result, _ = replayed(session, in_process(app))
    assert result.exit_code == 0
    listed = re.findall(r"^leadkit replay: created (lead_[0-9a-f]{16}) ", capsys.readouterr().err, re.M)
    made = [outcome.target for outcome in result.outcomes if outcome.target is not None and outcome.target.method == "POST" and outcome.target.status == 201]
    assert listed and len(listed) == len(set(listed)) >= len(made)  # stand-ins are made by the replay too
    assert not set(listed) & lead_ids(app)  # and every one of them was removed at the end


# Each planted bug, and the rule a DIFF names when the frontend's session and the seed's clients
# meet it: what the proxy names in the same session's traffic, and more, since a replay also
# compares each answer with the recorded one.
NAMED = {
    **SHOWN,
    "case-sensitive-search": "filter-search",  # the recorded search found the session's leads
    "lowercase-bearer-refused": "unauthorized",  # recorded 200 for `bearer <key>`
    "phone-digits-only": "valid-input-accepted",  # recorded 201 for a phone with letters
    # The id in upper case names no stand-in (ids map exactly): the bug's 404 gives it back lower-cased.
    "case-insensitive-ids": "not-found-envelope",
}
# What the recorded session never does, so its replay cannot show (verify's hand-written checks do).
OUT_OF_REACH = NOT_SHOWN - set(NAMED)


@pytest.mark.parametrize("bug, rule", sorted(NAMED.items()))
def test_a_replay_names_the_planted_bug(session: Path, bug: str, rule: str) -> None:
    result, printed = replayed(session, in_process(BUGS[bug]()))
    assert result.exit_code == 1, printed
    assert rule in result.rules(), printed
    assert f"DIFF {rule}:" in printed


def test_every_planted_bug_is_named_or_said_to_be_out_of_the_sessions_reach() -> None:
    assert set(NAMED) | OUT_OF_REACH == set(BUGS)
    assert not set(NAMED) & OUT_OF_REACH


def made(har: Har, tmp_path: Path) -> Path:
    return har.write(tmp_path / "made.har")


def test_what_cannot_be_replayed_is_skipped_and_said(tmp_path: Path) -> None:
    har = Har()
    har.add("GET", "/api/v1/leads?limit=1", 200, listing(lead(), limit=1), at=0)
    har.add("POST", "/__mock/reset", 200, {"reset": True}, at=1, key=None)
    har.add("GET", "/api/v1/leads/lead_00000000000000cc", 404, not_found("lead_00000000000000cc"), at=2, headers={"Preference-Applied": "code=404"})
    har.add("GET", "/app.js", 200, None, at=3, key=None)["request"]["url"] = "http://cdn.example.test/app.js"
    preflight = har.add("OPTIONS", "/api/v1/leads", 204, None, at=4, key=None)
    preflight["request"]["headers"] += [{"name": "Origin", "value": "http://localhost:5173"}, {"name": "Access-Control-Request-Method", "value": "POST"}]
    har.add("GET", "/openapi.json", 200, {"openapi": "3.1.0"}, at=5, key=None)
    result, printed = replayed(made(har, tmp_path), in_process(mock()))
    assert result.exit_code == 0, printed
    assert [outcome.word for outcome in result.outcomes] == ["ok"] + ["skipped"] * 5, printed
    reasons = [outcome.reason for outcome in result.outcomes[1:]]
    assert reasons[0].startswith("an admin call of the mock")
    assert reasons[1].startswith("a forced response")
    assert reasons[2] == "a request to another host (cdn.example.test)"
    assert reasons[3].startswith("a CORS preflight")
    assert reasons[4] == "not the Leads API"


def test_a_recorded_answer_that_broke_the_contract_is_not_blamed_on_the_target(tmp_path: Path) -> None:
    har = Har()
    sent = {"name": "Ada Lovelace", "email": "ada@example.com", "source": "website", "metadata": {"plan": "pro"}}
    har.add("POST", "/api/v1/leads", 201, {"success": True, "data": lead()}, at=0, sent=sent)
    wrong = {"success": True, "message": "Lead removed", "data": {"id": LEAD, "deletedAt": "2024-01-16T15:45:00.000Z"}}
    har.add("DELETE", f"/api/v1/leads/{LEAD}", 200, wrong, at=1)
    result, printed = replayed(made(har, tmp_path), in_process(mock()))
    assert result.exit_code == 0, printed
    assert result.outcomes[1].word == "skipped"
    assert result.outcomes[1].reason.startswith("the recorded answer itself broke the contract (")
    assert "delete-envelope" in result.outcomes[1].reason


def test_a_recording_without_keys_is_replayed_with_the_first_key(tmp_path: Path) -> None:
    har = Har()
    sent = {"name": "Ada Lovelace", "email": "ada@example.com", "source": "website", "metadata": {"plan": "pro"}}
    har.add("POST", "/api/v1/leads", 201, {"success": True, "data": lead()}, at=0, sent=sent, key=None)
    har.add("GET", f"/api/v1/leads/{LEAD}", 200, {"success": True, "data": lead()}, at=1, key=None)
    har.add("DELETE", f"/api/v1/leads/{LEAD}", 200, deleted(LEAD), at=2, key=None)
    har.add("GET", f"/api/v1/leads/{LEAD}", 404, not_found(LEAD), at=3, key=None)
    result, printed = replayed(made(har, tmp_path), in_process(mock()))
    assert result.exit_code == 0, printed
    assert [outcome.word for outcome in result.outcomes] == ["ok"] * 4
    assert "no Authorization headers (stripped on export): every request is sent with --api-key" in printed


def test_a_workspace_without_a_key_here_is_skipped_not_failed(tmp_path: Path) -> None:
    har = Har()
    har.add("GET", "/api/v1/leads?limit=1", 200, listing(limit=1), at=0)
    har.add("GET", "/api/v1/leads?limit=1", 200, listing(limit=1), at=1, key=KEY_B)
    only_one = dataclasses.replace(in_process(mock()), second_api_key=None)
    result, printed = replayed(made(har, tmp_path), only_one)
    assert result.exit_code == 0, printed
    assert result.outcomes[1].reason == "workspace 2 of the recording has no key here: pass --second-api-key"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])  # SIGTERM: CI's cancel, timeout, docker stop
def test_ctrl_c_stops_cleans_up_and_gives_no_verdict(session: Path, sig: int) -> None:
    with LiveMock("--quiet", "--latency", "150") as slow:
        before = state_leads(slow.base_url)
        command = [str(BIN / "leadkit"), "replay", str(session), "--base-url", slow.base_url, "--api-key", KEY, "--second-api-key", SECOND_KEY]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert process.stdout is not None
        seen = [process.stdout.readline() for _ in range(6)]  # the banner, then steps: creates among them
        assert any(" ok " in line for line in seen), seen
        process.send_signal(sig)
        rest, _ = process.communicate(timeout=60)
        after = state_leads(slow.base_url)
    assert process.returncode == 130, rest
    assert "interrupted after" in rest and "no verdict" in rest
    assert "BROKEN" not in rest
    assert after == before, rest  # what it had created is gone again


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_while_a_create_is_on_the_wire_lets_it_be_answered_and_removes_its_lead(tmp_path: Path, sig: int) -> None:
    import time

    """Every step a create, each answered after 600 ms: the signal lands while one is on the wire. Its answer
    is awaited and its lead removed with the others, as verify does: never a lead left that the cleanup says is gone."""
    import time

    har = Har()
    for n in range(8):
        sent = {"name": f"Interrupted {n}", "email": f"interrupted.{n}@example.com", "source": "website", "metadata": {"plan": "pro"}}
        made_lead = lead(f"lead_00000000000000{n:02x}", name=sent["name"], email=sent["email"])
        har.add("POST", "/api/v1/leads", 201, {"success": True, "data": made_lead}, at=n, sent=sent)
    with LiveMock("--quiet", "--latency", "600") as slow:
        before = state_leads(slow.base_url)
        command = [str(BIN / "leadkit"), "replay", str(made(har, tmp_path)), "--base-url", slow.base_url, "--api-key", KEY]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert process.stdout is not None
        line = ""
        while " ok " not in line:  # the first create answered: the second is on the wire now
            line = process.stdout.readline()
            assert line, "replay ended before its first step"
        time.sleep(0.2)  # well inside the second create's 600 ms
        process.send_signal(sig)
        rest, _ = process.communicate(timeout=60)
        time.sleep(1.5)  # a create the server was still working on when replay ended would land by now
        after = state_leads(slow.base_url)
    assert process.returncode == 130, rest
    assert "interrupted after" in rest and "no verdict" in rest, rest
    assert "Traceback" not in rest, rest
    assert "interrupted after 1 step:" in rest, rest  # the create on the wire was answered, its lead kept for cleanup, not judged
    assert "Cleanup: the 2 test leads the replay created are all gone" in rest, rest
    assert after == before, rest


@pytest.mark.parametrize(
    "args, says",
    [
        (["/nonexistent/session.har"], "leadkit replay: cannot read /nonexistent/session.har"),  # no such file
        (["{har}", "--base-url", "http://127.0.0.1:9", "--api-key", KEY], "leadkit replay: cannot run: cannot reach"),  # nothing listens
        (["{har}", "--api-key", KEY], "leadkit replay: cannot run: no deployment given"),  # no --base-url
    ],
)
def test_what_stops_it_is_one_line_and_exit_2(session: Path, args: list[str], says: str) -> None:
    run = inprocess.leadkit("replay", *[arg.replace("{har}", str(session)) for arg in args])
    assert run.returncode == 2
    assert run.stderr.startswith(says) and run.stderr.count("\n") == 1, run.stderr


@pytest.fixture(scope="module")
def browser_session(browser: Any, pages: PageServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The browser test page used in headless Chromium (Playwright) against `leadkit mock --record`."""
    har = tmp_path_factory.mktemp("browser") / "page.har"
    with LiveMock("--quiet", "--record", str(har)) as recording:
        assert use_the_page(browser, pages.url(recording.base_url)).startswith("404 LEAD_NOT_FOUND")
        assert recording.stop() == 0
    return har


def test_a_browser_session_replays_clean_on_a_fresh_mock(browser_session: Path) -> None:
    with LiveMock("--quiet") as fresh:
        before = state_leads(fresh.base_url)
        run = inprocess.leadkit("replay", str(browser_session), "--base-url", fresh.base_url, "--api-key", KEY)
        after = state_leads(fresh.base_url)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "skipped: a forced response" in run.stdout  # the page's "force a 429" button
    assert after == before  # the page deleted a fixture lead: the replay deleted a stand-in


def test_a_browser_session_replayed_against_a_planted_bug_names_it_at_the_delete(browser_session: Path) -> None:
    result, printed = replayed(browser_session, in_process(BUGS["wrong-delete-message"]()))
    assert result.exit_code == 1, printed
    (first, *_) = [outcome for outcome in result.outcomes if outcome.word == "DIFF"]
    assert first.step.label.startswith("DELETE /api/v1/leads/") and first.step.recorded.status == 200
    assert "delete-envelope" in {breach.rule.id for breach in first.breaches}
