"""`leadkit proxy` as a process: the seed's clients through it, SIGTERM's summary and exit code, 502, --record."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import jsonschema_rs
import pytest
import requests
import inprocess
from broken_servers import BUGS
from kit_helpers import KEY, SECOND_KEY, served_in_thread
from livemock import LEADKIT, ROOT, ensure_command, free_port

SEED = ROOT / "docs" / "vendor" / "delete-lead.txt"
VENDOR_HOST = "https://your-domain.com"



class LiveProxy:
    """`leadkit proxy --target URL` on a free port, its output kept; `stop()` SIGTERMs it."""

    def __init__(self, target: str, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*LEADKIT, "proxy", "--target", target, "--port", str(self.port), *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{self.url}/__proxy/violations", timeout=1)
                return
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"leadkit proxy did not start: {self.process.communicate()[0]}") from None
                time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            output, _ = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
        return self.process.returncode, output

    def violations(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = requests.get(f"{self.url}/__proxy/violations", timeout=10).json()["violations"]
        return found


@pytest.fixture
def proxy(mock_url: str) -> Iterator[LiveProxy]:
    live = LiveProxy(mock_url)
    yield live
    live.stop()


def seed_block(start: str, end: str) -> str:
    text = SEED.read_text()
    begin = text.index(start)
    return text[begin : text.index(end, begin)]


def test_the_seed_python_client_through_the_proxy_shows_no_violation(
    proxy: LiveProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    namespace: dict[str, Any] = {}
    source = seed_block("import requests", "# Usage examples\napi_key")
    exec(compile(source.replace(VENDOR_HOST, proxy.url), "seed.py", "exec"), namespace)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    assert namespace["delete_lead"](KEY, "lead_0987654321fedcba", backup_first=True) is True
    assert namespace["delete_lead"](KEY, "lead_0987654321fedcba", backup_first=False) is False
    assert namespace["delete_leads_by_status"](KEY, "lost", confirm=True)["errors"] == []
    assert proxy.violations() == []
    code, output = proxy.stop()
    assert code == 0, output
    assert "verdict: no violation in the traffic" in output


def test_the_seed_javascript_client_through_the_proxy_shows_no_violation(proxy: LiveProxy, tmp_path: Path) -> None:
    script = tmp_path / "seed.mjs"
    code = "\n".join(
        [seed_block("const deleteLead", "// Usage examples"), seed_block("const bulkDeleteLeads", "Python (with backup)"), seed_block("const archiveLead", "Error Scenarios")]
    )
    script.write_text(
        "globalThis.confirm = () => true;\n"
        + code.replace(VENDOR_HOST, proxy.url)
        + "\nawait archiveLead('lead_0987654321fedcba');\nawait deleteLead('lead_1234567890abcdef', true);\n"
        + "await bulkDeleteLeads(['lead_0987654321fedcba', 'lead_1234567890abcdef', 'lead_nonexistent123']);\n"
    )
    run = subprocess.run([ensure_command("node", "nodejs"), str(script)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert proxy.violations() == []


def test_sigterm_prints_the_violations_and_exits_1_without_printing_keys() -> None:
    with served_in_thread(BUGS["keeps-deleted"]()) as url:
        live = LiveProxy(url)
        auth = {"Authorization": f"Bearer {KEY}"}
        lead = "lead_1234567890abcdef"
        assert requests.delete(f"{live.url}/api/v1/leads/{lead}", headers=auth, timeout=10).status_code == 200
        again = requests.get(f"{live.url}/api/v1/leads/{lead}", headers=auth, timeout=10)
        assert again.headers["Leadkit-Violations"] == "not-found-after-delete"
        code, output = live.stop()
    assert code == 1, output
    assert f"VIOLATION not-found-after-delete: GET /api/v1/leads/{lead} -> 200" in output
    assert "1 violation of 1 rule: not-found-after-delete (1)" in output
    assert KEY not in output


def test_report_files_on_stop_show_the_broken_rule_with_its_evidence(tmp_path: Path) -> None:
    """A pipeline's e2e suite through the proxy: on SIGTERM, the evidence files check writes."""
    json_path, html_path = tmp_path / "proxy.json", tmp_path / "proxy.html"
    with served_in_thread(BUGS["keeps-deleted"]()) as url:
        live = LiveProxy(url, "--report-json", str(json_path), "--report-html", str(html_path))
        auth = {"Authorization": f"Bearer {KEY}"}
        lead = "lead_1234567890abcdef"
        requests.delete(f"{live.url}/api/v1/leads/{lead}", headers=auth, timeout=10)
        requests.get(f"{live.url}/api/v1/leads/{lead}", headers=auth, timeout=10)
        code, output = live.stop()
    assert code == 1, output
    assert f"wrote {json_path}" in output and f"wrote {html_path}" in output
    data = json.loads(json_path.read_text())
    schema = json.loads((ROOT / "docs" / "report-schema.json").read_text())
    assert [error.message for error in jsonschema_rs.validator_for(schema).iter_errors(data)] == []
    assert (data["tool"], data["target"], data["exit_code"], data["requests"]) == ("proxy", url, 1, 2)
    rules = {rule["id"]: rule for rule in data["rules"]}
    [evidence] = rules["not-found-after-delete"]["evidence"]
    assert (evidence["entry"], evidence["request"]) == (2, f"GET {url}/api/v1/leads/{lead}")
    assert evidence["earlier"] == f"entry 1: DELETE {url}/api/v1/leads/{lead} -> 200"
    assert evidence["curl"].endswith('-H "Authorization: Bearer $LEADS_API_KEY"')
    operations = {f"{op['method']} {op['path']}": op for op in data["coverage"]["operations"]}
    assert operations["DELETE /api/v1/leads/{leadId}"]["seen"]["200"] == 1
    page = html_path.read_text()
    assert "not-found-after-delete" in page and KEY not in page and KEY not in json_path.read_text()


def test_ctrl_c_stops_it_too(proxy: LiveProxy) -> None:
    requests.get(f"{proxy.url}/api/v1/leads", headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
    code, output = proxy.stop(signal.SIGINT)
    assert code == 0, output
    assert "1 API exchanges judged" in output


def test_an_unreachable_upstream_is_a_502_in_the_envelope_counted_not_a_violation() -> None:
    live = LiveProxy(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    reply = requests.get(f"{live.url}/api/v1/leads", headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
    assert reply.status_code == 502
    body = reply.json()
    assert (body["success"], body["code"], isinstance(body["details"], dict)) == (False, "BAD_GATEWAY", True)
    assert reply.headers["Content-Type"].startswith("application/json")
    assert live.violations() == []
    code, output = live.stop()
    assert code == 4, output  # nothing was judged: no verdict, never green
    assert "1 requests found the upstream unreachable (answered 502; not violations)" in output
    assert "verdict: no verdict: no API exchange was judged" in output


def test_record_writes_a_har_that_check_reads(mock_url: str, tmp_path: Path) -> None:
    har = tmp_path / "session.har"
    live = LiveProxy(mock_url, "--record", str(har))
    auth = {"Authorization": f"Bearer {KEY}"}
    made = requests.post(f"{live.url}/api/v1/leads", json={"name": "Rec Ord", "email": "rec.ord@example.com"}, headers=auth, timeout=10)
    lead = made.json()["data"]["id"]
    requests.delete(f"{live.url}/api/v1/leads/{lead}", headers=auth, timeout=10)
    requests.get(f"{live.url}/api/v1/leads/{lead}", headers=auth, timeout=10)
    shown = requests.get(f"{live.url}/__proxy/har", timeout=10).json()
    assert [entry["response"]["status"] for entry in shown["log"]["entries"]] == [201, 200, 404]
    code, output = live.stop()
    assert code == 0, output
    assert f"wrote 3 exchanges to {har}" in output
    entries = json.loads(har.read_text())["log"]["entries"]
    assert [entry["request"]["method"] for entry in entries] == ["POST", "DELETE", "GET"]
    checked = inprocess.leadkit("check", str(har))
    assert checked.returncode == 0, checked.stdout
    assert "3 API exchanges judged" in checked.stdout


def test_concurrent_clients_writing_one_lead_raise_no_false_alarm(mock_url: str) -> None:
    """Many clients at once, PUTs to one lead overlapping, reads and lists in between: all conforming."""
    live = LiveProxy(mock_url)
    auth = {"Authorization": f"Bearer {KEY}"}
    made = requests.post(f"{live.url}/api/v1/leads", json={"name": "Busy Lead", "email": "busy@example.com", "metadata": {"n": 0}}, headers=auth, timeout=10)
    lead = made.json()["data"]["id"]
    errors: list[str] = []

    def client(number: int) -> None:
        session = requests.Session()
        try:
            for step in range(15):
                url = f"{live.url}/api/v1/leads/{lead}"
                change = {"metadata": {f"c{number}": step}, "status": ["contacted", "qualified"][step % 2]}
                for response in (
                    session.put(url, json=change, headers=auth, timeout=30),
                    session.get(url, headers=auth, timeout=30),
                    session.get(f"{live.url}/api/v1/leads", params={"search": "Busy Lead", "limit": 3}, headers=auth, timeout=30),
                    session.get(url, headers={"Authorization": f"Bearer {SECOND_KEY}"}, timeout=30),
                ):
                    if response.status_code >= 500:
                        errors.append(f"{response.status_code} {response.text[:100]}")
        except requests.RequestException as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    requests.delete(f"{live.url}/api/v1/leads/{lead}", headers=auth, timeout=10)
    found = live.violations()
    code, output = live.stop()
    assert not errors, errors
    assert found == [], output
    assert code == 0 and "482 API exchanges judged" in output, output


def test_help_teaches_the_proxy() -> None:
    done = inprocess.leadkit("proxy", "--help")
    assert done.returncode == 0
    for word in ("--target", "--record", "Leadkit-Violations", "/__proxy/violations", "/__proxy/har", "SIGTERM", "--report-json", "--report-html", "kill -TERM"):
        assert word in done.stdout


def test_the_seed_clients_through_the_proxy_in_front_of_the_independent_server_show_no_violation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vendor's Python and JavaScript, with only the host and key changed, on the other implementation."""
    import sys

    from kit_helpers import HERE, live_process

    key = "indie-alpha-7f3c"
    port = free_port()
    with live_process([sys.executable, str(HERE / "independent_server.py"), str(port)], port, tmp_path / "indie.log"):
        live = LiveProxy(f"http://127.0.0.1:{port}")
        auth = {"Authorization": f"Bearer {key}"}

        def made(status: str = "new") -> str:
            body = {"name": "Seed Client", "email": "seed.client@example.com", "status": status, "metadata": {"company": "Acme"}}
            lead_id: str = requests.post(f"{live.url}/api/v1/leads", json=body, headers=auth, timeout=10).json()["data"]["id"]
            return lead_id

        namespace: dict[str, Any] = {}
        source = seed_block("import requests", "# Usage examples\napi_key")
        exec(compile(source.replace(VENDOR_HOST, live.url), "seed.py", "exec"), namespace)
        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr("builtins.input", lambda prompt: "yes")
        first = made()
        assert namespace["delete_lead"](key, first, backup_first=True) is True
        assert namespace["delete_lead"](key, first, backup_first=False) is False
        made("lost")
        assert namespace["delete_leads_by_status"](key, "lost", confirm=True)["errors"] == []

        archived, deleted, bulk = made(), made(), made()
        code = "\n".join(
            [seed_block("const deleteLead", "// Usage examples"), seed_block("const bulkDeleteLeads", "Python (with backup)"), seed_block("const archiveLead", "Error Scenarios")]
        )
        script = tmp_path / "seed.mjs"
        script.write_text(
            "globalThis.confirm = () => true;\n"
            + code.replace(VENDOR_HOST, live.url).replace("sk-workspace_your_api_key", key)
            + f"\nawait archiveLead('{archived}');\nawait deleteLead('{deleted}', true);\n"
            + f"await bulkDeleteLeads(['{bulk}', '{deleted}', 'lead_nonexistent123']);\n"
        )
        run = subprocess.run([ensure_command("node", "nodejs"), str(script)], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        found = live.violations()
        code_, output = live.stop()
    assert found == [], output
    assert code_ == 0, output
