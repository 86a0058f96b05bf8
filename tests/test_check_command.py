"""`leadkit check FILE.har` as a user runs it: what it reads, what it prints, how it exits."""

from __future__ import annotations

import base64
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import jsonschema_rs
from harmaker import BASE, KEY_A, LEAD, Har, deleted, lead, listing, not_found
from inprocess import Ran, leadkit
from livemock import LEADKIT, ROOT
from reportpage import opened_offline, visible_rules

L = f"/api/v1/leads/{LEAD}"


def check(*args: str) -> Ran:
    """`leadkit check` in this process; the first test below runs it as a process, as a user does."""
    return leadkit("check", *args)


def broken_har() -> Har:
    """A lead deleted, then read back with 200: not-found-after-delete at entry 3."""
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=0)
    har.add("DELETE", L, 200, deleted(LEAD), at=1)
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=2)
    return har


def test_a_violation_is_printed_with_entry_rule_section_excerpt_and_curl(tmp_path: Path) -> None:
    har = str(broken_har().write(tmp_path / "s.har"))
    done = subprocess.run([*LEADKIT, "check", har], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "entry 3: BROKEN not-found-after-delete:" in out
    assert "contract: Endpoints > Delete; seed: Delete Lead > After Deletion, 404 Not Found" in out
    assert "earlier:  entry 2: DELETE" in out
    assert f"request:  GET {BASE}{L}" in out
    assert 'response: 200 {"success": true' in out
    assert f"curl -i -X GET {BASE}{L} -H \"Authorization: Bearer $LEADS_API_KEY\"" in out
    assert KEY_A not in out  # keys are never printed
    assert "1 violation of 1 rule: not-found-after-delete (1)" in out
    assert "does NOT conform" in out


def test_a_conforming_recording_exits_0(tmp_path: Path) -> None:
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=0)
    har.add("DELETE", L, 200, deleted(LEAD), at=1)
    har.add("GET", L, 404, not_found(LEAD), at=2)
    done = check(str(har.write(tmp_path / "ok.har")))
    assert done.returncode == 0, done.stdout
    assert "3 API exchanges judged" in done.stdout
    assert "verdict: no violation in the traffic" in done.stdout


def test_json_output_lists_the_violations(tmp_path: Path) -> None:
    done = check("--json", str(broken_har().write(tmp_path / "s.har")))
    assert done.returncode == 1
    report = json.loads(done.stdout)
    [violation] = report["violations"]
    assert (violation["entry"], violation["rule"], violation["earlier"]["entry"]) == (3, "not-found-after-delete", 2)
    assert KEY_A not in done.stdout


def test_unreadable_files_exit_2_with_one_line_naming_file_and_entry(tmp_path: Path) -> None:
    not_json = tmp_path / "a.har"
    not_json.write_text("<html>")
    no_entries = tmp_path / "b.har"
    no_entries.write_text('{"log": {}}')
    bad_entry = tmp_path / "c.har"
    har = broken_har()
    del har.entries[1]["response"]["status"]
    har.write(bad_entry)
    for path, why in [(not_json, "not JSON"), (no_entries, "no log.entries"), (bad_entry, "entry 2: no 'status' field"), (tmp_path / "missing.har", "No such file")]:
        done = check(str(path))
        assert done.returncode == 2, done.stdout
        assert done.stdout == ""
        [line] = done.stderr.strip().splitlines()
        assert str(path) in line and why in line, line


def _devtools_like(tmp_path: Path) -> Path:
    """What a browser export holds besides API calls: the page, a preflight, base64 and omitted bodies."""
    har = Har()
    page = har.add("GET", "/index.html", 200, None, at=0, key=None)
    page["response"]["headers"] = [{"name": "Content-Type", "value": "text/html"}]
    page["response"]["content"] = {"size": 20, "mimeType": "text/html", "text": "<html>hello</html>"}
    preflight = har.add("OPTIONS", L, 204, None, at=0.5, key=None)
    preflight["request"]["headers"] = [{"name": "Origin", "value": "http://localhost:5173"}, {"name": "Access-Control-Request-Method", "value": "DELETE"}]
    preflight["response"]["headers"] = []
    encoded = har.add("GET", L, 200, {"success": True, "data": lead()}, at=1)
    text = encoded["response"]["content"]["text"]
    encoded["response"]["content"].update(text=base64.b64encode(text.encode()).decode(), encoding="base64")
    omitted = har.add("DELETE", L, 200, deleted(LEAD), at=2)
    del omitted["response"]["content"]["text"]
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=3)  # the lead back after its delete
    return har.write(tmp_path / "devtools.har")


def test_base64_omitted_bodies_preflights_and_pages_are_handled(tmp_path: Path) -> None:
    done = check(str(_devtools_like(tmp_path)))
    assert done.returncode == 1, done.stdout
    assert "3 API exchanges judged (1 outside the API, 1 CORS preflights not judged)" in done.stdout
    assert "entry 5: BROKEN not-found-after-delete" in done.stdout  # the omitted DELETE body still says 200
    assert "1 responses had no recorded body; only their status and headers were judged (entries 4)" in done.stdout
    assert "of 1 rule: not-found-after-delete" in done.stdout


def test_stripped_authorization_names_the_rules_it_could_not_judge(tmp_path: Path) -> None:
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=0, key=None)
    har.add("GET", "/api/v1/leads", 200, listing(lead()), at=1, key=None)
    done = check(str(har.write(tmp_path / "chromium.har")))
    assert done.returncode == 0, done.stdout
    for rule in ("other-workspace-not-found", "other-workspace-unlisted", "unauthorized"):
        assert f"not judged: {rule}: the recording has no Authorization headers" in done.stdout
    assert "BROKEN unauthorized" not in done.stdout  # no key is not taken as "answered without one"


def test_base_url_takes_one_host(tmp_path: Path) -> None:
    har = broken_har()
    other = har.add("GET", L, 200, {"success": True, "data": lead()}, at=5)
    other["request"]["url"] = "http://elsewhere.test" + L
    path = har.write(tmp_path / "two.har")
    done = check("--base-url", "http://elsewhere.test", str(path))
    assert done.returncode == 0, done.stdout
    assert "1 API exchanges judged (3 on another host not judged)" in done.stdout


def _attach(har: Har, folder: Path) -> dict[str, bytes]:
    """Playwright's content: "attach": bodies in files named by `_file`."""
    files: dict[str, bytes] = {}
    for number, entry in enumerate(har.entries):
        content: dict[str, Any] = entry["response"]["content"]
        name = f"{number:04x}.json"
        files[name] = content.pop("text").encode()
        content["_file"] = name
    return files


def test_playwright_attached_bodies_beside_the_har_and_in_a_zip(tmp_path: Path) -> None:
    har = broken_har()
    files = _attach(har, tmp_path)
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    done = check(str(har.write(tmp_path / "pw.har")))
    assert done.returncode == 1 and "entry 3: BROKEN not-found-after-delete" in done.stdout, done.stdout
    archive = tmp_path / "pw.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("har.har", json.dumps({"log": {"version": "1.2", "entries": har.entries}}))
        for name, data in files.items():
            out.writestr(name, data)
    done = check(str(archive))
    assert done.returncode == 1 and "entry 3: BROKEN not-found-after-delete" in done.stdout, done.stdout


def test_help_explains_exit_codes_and_recordings() -> None:
    done = check("--help")
    assert done.returncode == 0
    for word in ("--base-url", "exit codes", "Playwright", "Authorization", "2  the file cannot be read", "--report-json PATH", "--report-html PATH", "leadkit-report/1"):
        assert word in done.stdout


def reported(tmp_path: Path, har: Path, *flags: str) -> tuple[Ran, dict[str, Any], str]:
    """`check` with both evidence files: what it printed, the JSON report (checked against its schema), the HTML page."""
    json_path, html_path = tmp_path / "report.json", tmp_path / "report.html"
    done = check("--report-json", str(json_path), "--report-html", str(html_path), *flags, str(har))
    data = json.loads(json_path.read_text())
    schema = json.loads((ROOT / "docs" / "report-schema.json").read_text())
    assert [error.message for error in jsonschema_rs.validator_for(schema).iter_errors(data)] == []
    page = html_path.read_text()
    assert KEY_A not in json_path.read_text() and KEY_A not in page  # keys only as $LEADS_API_KEY
    return done, data, page


def test_report_json_names_the_broken_rule_with_its_entrys_evidence(tmp_path: Path) -> None:
    done, data, _ = reported(tmp_path, broken_har().write(tmp_path / "s.har"))
    assert done.returncode == 1 and "entry 3: BROKEN not-found-after-delete" in done.stdout  # the printed report stays
    assert (data["tool"], data["target"], data["exit_code"], data["outcome"]) == ("check", str(tmp_path / "s.har"), 1, "does-not-conform")
    assert data["verdict"] == "the traffic shows the API does NOT conform to the contract"
    rules = {rule["id"]: rule for rule in data["rules"]}
    broken = rules["not-found-after-delete"]
    assert (broken["status"], broken["broken"], broken["section"]) == ("broken", 1, "Endpoints > Delete; seed: Delete Lead > After Deletion, 404 Not Found")
    [evidence] = broken["evidence"]
    assert (evidence["entry"], evidence["check"]) == (3, "entry 3")
    assert evidence["earlier"] == f"entry 2: DELETE {BASE}{L} -> 200"
    assert "was deleted" in evidence["message"]
    assert evidence["request"] == f"GET {BASE}{L}"
    assert evidence["response"].startswith('200 application/json {"success": true, "data": {"id": "lead_00000000000000aa"')
    # the recorded request carried no User-Agent or Accept: the curl turns curl's own off
    assert evidence["curl"] == f'curl -i -X GET {BASE}{L} -H "Authorization: Bearer $LEADS_API_KEY" -H User-Agent: -H Accept:'
    # every rule the engine judges is listed; checked counts the exchanges of the kind it reads
    assert (rules["delete-envelope"]["status"], rules["delete-envelope"]["checked"]) == ("passed", 1)  # the one DELETE
    assert (rules["responses-match-openapi"]["status"], rules["responses-match-openapi"]["checked"]) == ("passed", 3)
    assert (rules["no-id-reuse"]["status"], rules["no-id-reuse"]["checked"]) == ("skipped", 0)  # no create to read
    assert {"responses-match-openapi", "no-id-reuse", "update-merge-patch", "other-workspace-not-found"} <= set(rules)
    assert [rule["id"] for rule in data["rules"] if rule["status"] == "broken"] == ["not-found-after-delete"]
    operations = {f"{op['method']} {op['path']}": op for op in data["coverage"]["operations"]}
    assert operations["GET /api/v1/leads/{leadId}"]["seen"]["200"] == 2
    assert (operations["DELETE /api/v1/leads/{leadId}"]["seen"]["200"], operations["DELETE /api/v1/leads/{leadId}"]["seen"]["404"]) == (1, 0)
    assert {"operation": "DELETE /api/v1/leads/{leadId}", "status": 404} in data["coverage"]["missing"]
    assert data["requests"] == 3


def test_report_of_a_clean_recording_says_it_conforms(tmp_path: Path) -> None:
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=0)
    har.add("DELETE", L, 200, deleted(LEAD), at=1)
    har.add("GET", L, 404, not_found(LEAD), at=2)
    done, data, page = reported(tmp_path, har.write(tmp_path / "ok.har"))
    assert done.returncode == 0, done.stdout
    assert (data["exit_code"], data["outcome"], data["verdict"]) == (0, "conforms", "no violation in the traffic")
    statuses = {rule["id"]: rule["status"] for rule in data["rules"]}
    assert "broken" not in statuses.values()
    assert statuses["get-envelope"] == statuses["delete-envelope"] == statuses["not-found-after-delete"] == "passed"
    # what three exchanges could not show is skipped, and says why: never a pass it did not earn
    assert statuses["list-envelope"] == statuses["payload-too-large"] == statuses["no-id-reuse"] == "skipped"
    assert {rule["reason"] for rule in data["rules"] if rule["status"] == "skipped"} == {"nothing in the traffic it reads (no exchange of the kind it judges)"}
    assert '<h1 id="verdict" class="ok">no violation in the traffic</h1>' in page


def test_report_lists_the_key_rules_as_skipped_when_authorization_was_stripped(tmp_path: Path) -> None:
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=0, key=None)
    har.add("GET", "/api/v1/leads", 200, listing(lead()), at=1, key=None)
    done, data, page = reported(tmp_path, har.write(tmp_path / "chromium.har"))
    assert done.returncode == 0, done.stdout
    rules = {rule["id"]: rule for rule in data["rules"]}
    for rule_id in ("other-workspace-not-found", "other-workspace-unlisted", "unauthorized"):
        assert rules[rule_id]["status"] == "skipped", rules[rule_id]
        assert rules[rule_id]["reason"].startswith("the recording has no Authorization headers (current Chromium strips them")
        assert rules[rule_id]["checked"] == 0
    assert rules["get-envelope"]["status"] == "passed"
    assert 'data-rule="unauthorized"><td>unauthorized</td><td class="status">skipped (the recording has no Authorization' in page


def test_report_notes_entries_not_judged_and_bodies_not_recorded(tmp_path: Path) -> None:
    _, data, page = reported(tmp_path, _devtools_like(tmp_path))
    assert "2 entries not judged: 1 outside the API, 1 CORS preflights" in data["notes"]
    assert "1 responses had no recorded body; only their status and headers were judged (entries 4)" in data["notes"]
    [evidence] = {rule["id"]: rule for rule in data["rules"]}["not-found-after-delete"]["evidence"]
    assert evidence["earlier"] == f"entry 4: DELETE {BASE}{L} -> 200"
    assert "2 entries not judged: 1 outside the API, 1 CORS preflights" in page


def test_an_unreadable_file_still_gets_a_report_that_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "a.har"
    bad.write_text("<html>")
    json_path = tmp_path / "report.json"
    done = check("--report-json", str(json_path), str(bad))
    assert done.returncode == 2 and done.stdout == ""
    data = json.loads(json_path.read_text())
    assert (data["tool"], data["exit_code"], data["outcome"], data["rules"]) == ("check", 2, "could-not-run", [])
    assert "not JSON" in data["verdict"] and str(bad) in data["verdict"]


def test_html_report_is_one_file_with_the_verdict_and_the_broken_rule(tmp_path: Path) -> None:
    _, _, page = reported(tmp_path, broken_har().write(tmp_path / "s.har"))
    body = page.partition("<body>")[2]
    assert body.lstrip().startswith('<h1 id="verdict" class="bad">the traffic shows the API does NOT conform to the contract</h1>')
    assert "<script src" not in page and "<link" not in page and " src=" not in page  # nothing loaded from anywhere
    section = page.partition('<section class="evidence" id="rule-not-found-after-delete">')[2].partition("</section>")[0]
    assert "<b>entry 3</b>" in section and f"entry 2: DELETE {BASE}{L} -&gt; 200" in section
    assert "curl -i -X GET" in section and "$LEADS_API_KEY" in section


def test_html_report_of_a_recording_in_a_browser_offline(tmp_path: Path, report_browser: Any) -> None:
    reported(tmp_path, broken_har().write(tmp_path / "s.har"))
    html_path = tmp_path / "report.html"
    with opened_offline(report_browser, html_path) as (page, requested):
        assert page.locator("body > *").first.get_attribute("id") == "verdict"
        assert "does NOT conform" in page.text_content("#verdict")
        page.click(".filters button[data-status=broken]")
        assert visible_rules(page) == ["not-found-after-delete"]
        page.click("#rules tr[data-rule=not-found-after-delete] a")
        evidence = page.text_content("#rule-not-found-after-delete")
        assert "entry 3" in evidence and "curl -i -X GET" in evidence and "$LEADS_API_KEY" in evidence
        assert requested == [html_path.as_uri()]
