"""`leadkit mock` as a real process: the vendor's own examples, start-up and shutdown."""

from __future__ import annotations

import json
import os
import signal
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

import inprocess
from livemock import LEADKIT, ROOT, LiveMock, ensure_command, free_port

SEED = ROOT / "docs" / "vendor" / "delete-lead.txt"
SHARED_SEED = ROOT.parent / "shared" / "seed" / "000_64848d4f1852f8da.txt"
VENDOR_HOST = "https://your-domain.com"
KEY = "sk-workspace_your_api_key"


def seed_block(start: str, end: str) -> str:
    """The seed page's text from the line starting with `start` up to the one with `end`."""
    text = SEED.read_text()
    begin = text.index(start)
    return text[begin : text.index(end, begin)]


@pytest.fixture
def mock() -> Iterator[LiveMock]:
    with LiveMock() as live:
        yield live


def output_of(*args: str) -> tuple[int, str, LiveMock]:
    """Start a mock, stop it with SIGTERM; its exit code and everything it printed."""
    with tempfile.TemporaryFile("w+") as output:
        live = LiveMock(*args, output=output)
        code = live.stop()
        output.seek(0)
        return code, output.read(), live


def test_vendored_seed_page_is_the_shared_one() -> None:
    if not SHARED_SEED.exists():
        pytest.skip("../shared is not beside this checkout")  # a plain clone has only the vendored copy
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_seed_curl_delete_returns_the_documented_body(mock: LiveMock) -> None:
    command = seed_block('curl -X DELETE', "JavaScript (with confirmation)").strip()
    command = command.replace(VENDOR_HOST, mock.base_url)
    run = ["bash", "-c", command + " --silent --show-error"]
    first = json.loads(subprocess.run(run, capture_output=True, text=True, check=True, timeout=30).stdout)
    assert first["success"] is True and first["message"] == "Lead deleted successfully"
    assert first["data"]["id"] == "lead_1234567890abcdef"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", first["data"]["deletedAt"])
    again = json.loads(subprocess.run(run, capture_output=True, text=True, check=True, timeout=30).stdout)
    assert again == {
        "success": False,
        "error": "Lead not found",
        "code": "LEAD_NOT_FOUND",
        "details": {"leadId": "lead_1234567890abcdef", "message": "No lead found with this ID in your workspace"},
    }


def test_seed_python_client_works_unchanged(mock: LiveMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    source = seed_block("import requests", "# Usage examples\napi_key")
    namespace: dict[str, Any] = {}
    exec(compile(source.replace(VENDOR_HOST, mock.base_url), "seed.py", "exec"), namespace)
    monkeypatch.chdir(tmp_path)  # backup files land here
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")  # the interactive prompt, answered

    assert namespace["delete_lead"](KEY, "lead_1234567890abcdef", backup_first=True) is True
    (backup,) = tmp_path.glob("lead_backup_lead_1234567890abcdef_*.json")
    assert json.loads(backup.read_text())["name"] == "John Doe"
    assert namespace["delete_lead"](KEY, "lead_1234567890abcdef", backup_first=False) is False  # 404: gone

    result = namespace["delete_leads_by_status"](KEY, "lost", confirm=True)
    assert result == {"deleted": 3, "errors": []}
    left = requests.get(f"{mock.base_url}/api/v1/leads?status=lost", headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
    assert left.json()["data"]["pagination"]["total"] == 0
    assert "not found or already deleted" in capsys.readouterr().out


def test_seed_javascript_client_works_unchanged(mock: LiveMock, tmp_path: Path) -> None:
    delete_lead = seed_block("const deleteLead", "// Usage examples")
    bulk = seed_block("const bulkDeleteLeads", "Python (with backup)")
    archive = seed_block("const archiveLead", "Error Scenarios")
    script = tmp_path / "seed.mjs"
    script.write_text(
        "globalThis.confirm = () => true;  // the confirmation dialog, answered\n"
        + "\n".join([delete_lead, bulk, archive]).replace(VENDOR_HOST, mock.base_url)
        + """
const archived = await archiveLead('lead_0987654321fedcba');
const deleted = await deleteLead('lead_1234567890abcdef', true);
const bulk = await bulkDeleteLeads(['lead_0987654321fedcba', 'lead_1234567890abcdef', 'lead_nonexistent123']);
console.log(JSON.stringify({archived, deleted, bulk}));
"""
    )
    run = subprocess.run([ensure_command("node", "nodejs"), str(script)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["archived"]["data"]["status"] == "lost"
    assert result["archived"]["data"]["metadata"]["archived"] is True
    assert result["archived"]["data"]["metadata"]["company"] == "Tech Solutions Inc"  # merged, not replaced
    assert result["deleted"]["id"] == "lead_1234567890abcdef"
    assert result["bulk"]["success"] == ["lead_0987654321fedcba"]
    assert result["bulk"]["failed"] == [
        {"leadId": "lead_1234567890abcdef", "error": "Lead not found or already deleted"},
        {"leadId": "lead_nonexistent123", "error": "Lead not found or already deleted"},
    ]


def test_sigterm_stops_cleanly() -> None:
    code, out, _live = output_of()
    assert code == 0, out
    assert "stopped" in out
    assert "Traceback" not in out


def test_start_up_prints_the_base_url_and_keys() -> None:
    _code, out, live = output_of()
    assert f"{live.base_url}/api/v1" in out
    assert "sk-workspace_your_api_key" in out and "sk-workspace_second_api_key" in out


def test_port_in_use_is_a_one_line_error() -> None:
    with LiveMock() as live:
        run = subprocess.run([*LEADKIT, "mock", "--port", str(live.port)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [f"leadkit: error: port {live.port} on 127.0.0.1 is already in use; pick another with --port"]


@pytest.mark.parametrize(
    ("content", "names"),
    [
        ("{not json", "not valid JSON"),  # malformed file
        ('{"workspaces": [{"id": "ws_a", "apiKeys": ["k"], "leads": [{"id": "lead_1"}]}]}', "workspaces[0].leads[0] (lead_1)"),
        ('{"workspaces": [{"id": "nope", "apiKeys": ["k"]}]}', "workspaces[0]"),  # id without ws_
        ('{"workspaces": [{"id": "ws_a", "apiKeys": []}]}', "workspaces[0] (ws_a)"),  # no key
        ('{"workspaces": []}', "at least one workspace"),
    ],
)
def test_malformed_fixture_file_stops_start_up_naming_file_and_entry(tmp_path: Path, content: str, names: str) -> None:
    fixture = tmp_path / "broken.json"
    fixture.write_text(content)
    run = inprocess.leadkit("mock", "--port", str(free_port()), "--fixtures", str(fixture))
    assert run.returncode == 2
    assert str(fixture) in run.stderr and names in run.stderr
    assert "Traceback" not in run.stderr


def test_other_fixture_file_is_served(tmp_path: Path) -> None:
    fixture = tmp_path / "mine.json"
    lead = {"id": "lead_00000000000000a1", "name": "Only One", "email": "one@example.com", "phone": None, "source": None,
            "status": "new", "metadata": {}, "createdAt": "2024-05-01T00:00:00.000Z", "updatedAt": "2024-05-01T00:00:00.000Z"}
    fixture.write_text(json.dumps({"workspaces": [{"id": "ws_mine", "apiKeys": ["sk-mine"], "leads": [lead]}]}))
    with LiveMock("--fixtures", str(fixture)) as live:
        answer = requests.get(f"{live.base_url}/api/v1/leads", headers={"Authorization": "Bearer sk-mine"}, timeout=10).json()
    assert [item["name"] for item in answer["data"]["leads"]] == ["Only One"]


def test_console_script_help_explains_every_option() -> None:
    leadkit = Path(sys.executable).parent / "leadkit"
    run = subprocess.run([str(leadkit), "mock", "--help"], capture_output=True, text=True, timeout=30, check=True)
    for option in ("--host", "--port", "--fixtures", "4010", "127.0.0.1"):
        assert option in run.stdout


def test_a_delayed_request_holds_up_no_other() -> None:
    import threading

    auth = {"Authorization": f"Bearer {KEY}"}
    with LiveMock() as live:
        url = f"{live.base_url}/api/v1/leads/lead_1234567890abcdef"
        slow = threading.Thread(target=requests.get, args=(url,), kwargs={"headers": {**auth, "Prefer": "delay=3000"}, "timeout": 30})
        slow.start()
        try:
            for _ in range(5):  # answered while the delayed request still waits
                assert requests.get(url, headers=auth, timeout=30).status_code == 200
            assert slow.is_alive()
        finally:
            slow.join()


def test_ctrl_c_in_a_terminal_stops_cleanly() -> None:
    """A terminal's Ctrl-C reaches the whole process group, the worker too: the mock still stops cleanly."""
    with tempfile.TemporaryFile("w+") as output:
        live = LiveMock(output=output)
        try:
            os.killpg(live.process.pid, signal.SIGINT)
            code = live.process.wait(timeout=15)
        finally:
            live.stop()  # whatever happened, nothing of it is left running
        output.seek(0)
        printed = output.read()
    assert code == 0, printed
    assert "Unexpected exit" not in printed and "Traceback" not in printed
    assert "stopped" in printed
