"""`leadkit check FILE.har` as a user runs it: what it reads, what it prints, how it exits."""

from __future__ import annotations

import base64
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from harmaker import BASE, KEY_A, LEAD, Har, deleted, lead, listing, not_found
from livemock import LEADKIT, ROOT

L = f"/api/v1/leads/{LEAD}"


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LEADKIT, "check", *args], capture_output=True, text=True, timeout=60, cwd=ROOT)


def broken_har() -> Har:
    """A lead deleted, then read back with 200: not-found-after-delete at entry 3."""
    har = Har()
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=0)
    har.add("DELETE", L, 200, deleted(LEAD), at=1)
    har.add("GET", L, 200, {"success": True, "data": lead()}, at=2)
    return har


def test_a_violation_is_printed_with_entry_rule_section_excerpt_and_curl(tmp_path: Path) -> None:
    done = check(str(broken_har().write(tmp_path / "s.har")))
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "entry 3: BROKEN not-found-after-delete:" in out
    assert "contract: Endpoints > Delete; seed: Delete Lead > After Deletion, 404 Not Found" in out
    assert "earlier:  entry 2: DELETE" in out
    assert f"request:  GET {BASE}{L}" in out
    assert 'response: 200 {"success": true' in out
    assert f"curl -i -X GET {BASE}{L} -H \"Authorization: Bearer $LEADS_API_KEY\"" in out
    assert KEY_A not in out  # keys are never printed
    assert "1 violations of 1 rules: not-found-after-delete (1)" in out
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
    assert "violations of 1 rules" in done.stdout


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
    done = subprocess.run([*LEADKIT, "check", "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0
    for word in ("--base-url", "exit codes", "Playwright", "Authorization", "2  the file cannot be read"):
        assert word in done.stdout
