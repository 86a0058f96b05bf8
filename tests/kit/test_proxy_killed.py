"""`leadkit proxy` killed with SIGKILL (or by the OOM killer): its recording and its findings are still on disk."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import inprocess
import requests
from broken_servers import BUGS
from kit_helpers import KEY, served_in_thread
from test_proxy_command import LiveProxy


def test_a_killed_proxy_leaves_its_recording_and_its_findings_so_far(tmp_path: Path) -> None:
    har, report = tmp_path / "run.har", tmp_path / "run.json"
    with served_in_thread(BUGS["keeps-deleted"]()) as url:
        live = LiveProxy(url, "--record", str(har), "--report-json", str(report), "--report-every", "0.2")
        auth = {"Authorization": f"Bearer {KEY}"}
        lead = "lead_1234567890abcdef"
        requests.delete(f"{live.url}/api/v1/leads/{lead}", headers=auth, timeout=10)
        requests.get(f"{live.url}/api/v1/leads/{lead}", headers=auth, timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (report.exists() and "not-found-after-delete" in report.read_text()):
            time.sleep(0.05)
        code, _ = live.stop(signal.SIGKILL)
    assert code == -signal.SIGKILL
    data = json.loads(report.read_text())
    broken = {rule["id"]: rule for rule in data["rules"] if rule["status"] == "broken"}
    assert broken["not-found-after-delete"]["evidence"][0]["request"] == f"GET {url}/api/v1/leads/{lead}"
    assert any("written while the proxy ran" in note for note in data["notes"])
    checked = inprocess.leadkit("check", str(har))
    assert checked.returncode == 1, checked.stdout  # the recording survived too, and shows the same
    assert "not-found-after-delete" in checked.stdout
