"""`leadkit mock --record FILE.har`: the mock's own traffic kept as HAR, and `leadkit check` reads it."""

from __future__ import annotations

import json
from pathlib import Path

import requests

import inprocess
from livemock import LiveMock

AUTH = {"Authorization": "Bearer sk-workspace_your_api_key"}


def test_the_mock_records_its_api_traffic_and_check_judges_it(tmp_path: Path) -> None:
    har = tmp_path / "dev.har"
    with LiveMock("--quiet", "--record", str(har)) as mock:
        api = f"{mock.base_url}/api/v1/leads"
        made = requests.post(api, json={"name": "Kept", "email": "kept@example.com", "metadata": {"a": 1}}, headers=AUTH, timeout=10)
        lead = made.json()["data"]["id"]
        requests.put(f"{api}/{lead}", json={"metadata": {"b": 2}}, headers=AUTH, timeout=10)
        requests.delete(f"{api}/{lead}", headers=AUTH, timeout=10)
        requests.get(f"{api}/{lead}", headers=AUTH, timeout=10)
        requests.get(f"{mock.base_url}/__mock/", timeout=10)  # the admin API is not the API's traffic
        assert mock.stop() == 0
    entries = json.loads(har.read_text())["log"]["entries"]
    assert [(entry["request"]["method"], entry["response"]["status"]) for entry in entries] == [
        ("POST", 201),
        ("PUT", 200),
        ("DELETE", 200),
        ("GET", 404),
    ]
    put = entries[1]
    assert json.loads(put["request"]["postData"]["text"]) == {"metadata": {"b": 2}}
    assert json.loads(put["response"]["content"]["text"])["data"]["metadata"] == {"a": 1, "b": 2}
    assert {"name": "Authorization", "value": AUTH["Authorization"]} in put["request"]["headers"]
    checked = inprocess.leadkit("check", str(har))
    assert checked.returncode == 0, checked.stdout
    assert "4 API exchanges judged" in checked.stdout


def test_the_recording_is_a_whole_har_while_the_mock_runs_and_survives_a_kill_9(tmp_path: Path) -> None:
    """Written as each exchange ends: a reader mid-run, or a `kill -9`, finds every exchange answered so far."""
    har = tmp_path / "live.har"
    with LiveMock("--quiet", "--record", str(har)) as mock:
        api = f"{mock.base_url}/api/v1/leads"
        requests.get(api, headers=AUTH, timeout=10)
        made = requests.post(api, json={"name": "Kept"}, headers=AUTH, timeout=10)
        while_running = json.loads(har.read_text())["log"]
        mock.kill()
    assert [entry["request"]["method"] for entry in while_running["entries"]] == ["GET", "POST"]
    assert while_running["creator"]["name"] == "leadkit mock"
    after_kill = json.loads(har.read_text())["log"]["entries"]
    assert json.loads(after_kill[1]["response"]["content"]["text"]) == made.json()
    checked = inprocess.leadkit("check", str(har))
    assert checked.returncode == 0, checked.stdout
