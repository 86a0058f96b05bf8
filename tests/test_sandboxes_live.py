"""Sandboxes of a real `leadkit mock`: four `leadkit verify` runs at once in four of them, the seed's clients in one, nothing seen outside."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from livemock import LEADKIT, ROOT, LiveMock, ensure_command
from test_live import VENDOR_HOST, seed_block

KEY = "sk-workspace_your_api_key"
SECOND_KEY = "sk-workspace_second_api_key"
AUTH = {"Authorization": f"Bearer {KEY}"}
_EXPORTED_AT = re.compile(rb'"exportedAt":"[^"]*"')


@pytest.fixture
def mock() -> Iterator[LiveMock]:
    with LiveMock("--quiet") as live:
        yield live


def state_bytes(url: str) -> bytes:
    """`GET /__mock/state` as sent, but for `exportedAt` (the time of the export itself, never the state's)."""
    response = requests.get(f"{url}/__mock/state", timeout=30)
    assert response.status_code == 200
    return _EXPORTED_AT.sub(b'"exportedAt":"-"', response.content)


def untouched(url: str) -> dict[str, Any]:
    """What would show any use of a world: its state, audit log and recent API requests."""
    return {
        "state": state_bytes(url),
        "audit": requests.get(f"{url}/__mock/audit", timeout=30).content,
        "requests": requests.get(f"{url}/__mock/requests", timeout=30).json()["data"]["requests"],
    }


def test_four_verify_runs_at_once_in_four_sandboxes_all_pass_and_touch_nothing_else(mock: LiveMock, tmp_path: Path) -> None:
    idle = f"{mock.base_url}/sandboxes/idle-fifth"
    assert requests.put(f"{mock.base_url}/__mock/sandboxes/idle-fifth", timeout=30).status_code == 201
    before = {"root": untouched(mock.base_url), "idle": untouched(idle)}
    assert before["root"]["requests"] == [] and before["idle"]["requests"] == []
    runs = []
    for n in range(4):
        url = f"{mock.base_url}/sandboxes/verify-{n}"
        log = open(tmp_path / f"verify-{n}.log", "w+")
        command = [*LEADKIT, "verify", "--base-url", url, "--api-key", KEY, "--second-api-key", SECOND_KEY, "--workers", "4"]
        runs.append((url, log, subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)))
    for url, log, process in runs:
        try:
            code = process.wait(timeout=900)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        log.seek(0)
        output = log.read()
        log.close()
        assert code == 0, output[-3000:]
        assert f"{url} conforms to the contract (" in output and "Skipped" not in output
        deletes = requests.get(f"{url}/__mock/audit", timeout=30).json()["data"]["entries"]
        assert len(deletes) > 50  # the run wrote (and cleaned up) inside its own sandbox
    assert {"root": untouched(mock.base_url), "idle": untouched(idle)} == before
    listed = {s["name"]: s for s in requests.get(f"{mock.base_url}/__mock/sandboxes", timeout=30).json()["sandboxes"]}
    assert set(listed) == {"idle-fifth", "verify-0", "verify-1", "verify-2", "verify-3"}
    assert all(listed[f"verify-{n}"]["requests"] > 1000 for n in range(4))


def test_the_seed_python_client_runs_in_a_sandbox_and_changes_nothing_outside(
    mock: LiveMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = f"{mock.base_url}/sandboxes/bystander"
    requests.get(f"{other}/api/v1/leads", headers=AUTH, timeout=30)
    before = {"root": untouched(mock.base_url), "other": untouched(other)}
    base = f"{mock.base_url}/sandboxes/python-client"
    source = seed_block("import requests", "# Usage examples\napi_key")
    namespace: dict[str, Any] = {}
    exec(compile(source.replace(VENDOR_HOST, base), "seed.py", "exec"), namespace)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    assert namespace["delete_lead"](KEY, "lead_1234567890abcdef", backup_first=True) is True
    assert namespace["delete_lead"](KEY, "lead_1234567890abcdef", backup_first=False) is False
    assert namespace["delete_leads_by_status"](KEY, "lost", confirm=True) == {"deleted": 3, "errors": []}
    left = requests.get(f"{base}/api/v1/leads", headers=AUTH, timeout=30).json()["data"]["pagination"]["total"]
    assert left == 28 - 1 - 3
    assert {"root": untouched(mock.base_url), "other": untouched(other)} == before


def test_the_seed_javascript_client_runs_in_a_sandbox_and_changes_nothing_outside(mock: LiveMock, tmp_path: Path) -> None:
    before = untouched(mock.base_url)
    base = f"{mock.base_url}/sandboxes/js-client"
    script = tmp_path / "seed.mjs"
    script.write_text(
        "globalThis.confirm = () => true;\n"
        + "\n".join([seed_block("const deleteLead", "// Usage examples"), seed_block("const bulkDeleteLeads", "Python (with backup)")]).replace(VENDOR_HOST, base)
        + """
const deleted = await deleteLead('lead_1234567890abcdef', true);
const bulk = await bulkDeleteLeads(['lead_0987654321fedcba', 'lead_1234567890abcdef']);
console.log(JSON.stringify({deleted, bulk}));
"""
    )
    run = subprocess.run([ensure_command("node", "nodejs"), str(script)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["deleted"]["id"] == "lead_1234567890abcdef"
    assert result["bulk"]["success"] == ["lead_0987654321fedcba"]
    audit = requests.get(f"{base}/__mock/audit", timeout=30).json()["data"]["entries"]
    assert [(e["leadId"], e["outcome"]) for e in audit] == [
        ("lead_1234567890abcdef", "deleted"), ("lead_0987654321fedcba", "deleted"), ("lead_1234567890abcdef", "refused"),
    ]  # fmt: skip
    assert untouched(mock.base_url) == before


def test_the_banner_says_how_to_reach_a_sandbox_and_that_sandboxes_stay_in_memory(tmp_path: Path) -> None:
    with open(tmp_path / "out.txt", "w+") as output:
        live = LiveMock("--state", str(tmp_path / "state.sqlite3"), "--max-sandboxes", "7", "--sandbox-ttl", "5", output=output)
        live.stop()
        output.seek(0)
        banner = output.read()
    assert f"sandboxes: header 'Leadkit-Sandbox: NAME' or {live.base_url}/sandboxes/NAME/" in banner
    assert "in memory only; at most 7, dropped after 5 min idle" in banner
    assert f"state file {tmp_path / 'state.sqlite3'} (the root only)" in banner


def test_the_readme_sandbox_commands_run_as_written(mock: LiveMock) -> None:
    """The `sh` blocks of the README's Sandboxes section (verify against a sandbox, a sandbox with options), aimed at a test's mock."""
    from readmedoc import aimed_at, blocks

    commands = blocks("sh", "## Sandboxes: a private mock per test")
    assert len(commands) == 2
    environ = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    outputs = []
    for command in commands:
        run = subprocess.run(["bash", "-e", "-c", aimed_at(command, mock.base_url)], capture_output=True, text=True, env=environ, timeout=600)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        outputs.append(run.stdout)
    assert f"{mock.base_url}/sandboxes/ci-job-7 conforms to the contract" in outputs[0]
    assert '"name":"flaky"' in outputs[1] or '"name": "flaky"' in outputs[1]
    names = {s["name"] for s in requests.get(f"{mock.base_url}/__mock/sandboxes", timeout=30).json()["sandboxes"]}
    assert names == {"ci-job-7", "flaky"}
    assert untouched(mock.base_url)["requests"] == []  # the root served none of it
