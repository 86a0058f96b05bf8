"""A run that judged nothing is never green: `check` says "no verdict" with its own exit code, in its reports too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harmaker import LEAD, Har, lead

from contract_tests.core.outcome import ExitCode
from leadkit.cli import main


def other_api(tmp_path: Path) -> Path:
    """A recording of some other API: nothing under /api/v1."""
    har = Har()
    har.add("GET", "/v2/orders", 200, {"orders": []}, at=0)
    har.add("POST", "/v2/orders", 201, {"id": 7}, at=1)
    return har.write(tmp_path / "other-api.har")


def leads_api(tmp_path: Path) -> Path:
    har = Har()
    har.add("GET", f"/api/v1/leads/{LEAD}", 200, {"success": True, "data": lead()}, at=0)
    return har.write(tmp_path / "leads.har")


@pytest.mark.parametrize(
    "make, options",
    [
        (other_api, []),  # another API altogether
        (leads_api, ["--base-url", "http://127.0.0.1:4010"]),  # a base URL that matches no entry
    ],
)
def test_a_recording_with_nothing_to_judge_is_no_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, options: list[str]) -> None:
    har = make(tmp_path)  # type: ignore[operator]
    report = tmp_path / "report.json"
    code = main(["check", *options, "--report-json", str(report), str(har)])
    out = capsys.readouterr().out
    assert code == ExitCode.NO_VERDICT == 4, out
    assert "0 API exchanges judged" in out
    assert "verdict: no verdict: no API exchange was judged" in out
    assert "no violation" not in out
    data = json.loads(report.read_text())
    assert (data["exit_code"], data["outcome"]) == (4, "no-verdict")
    assert data["verdict"].startswith("no verdict")
    assert {rule["status"] for rule in data["rules"]} == {"skipped"}  # nothing claimed as passed


def test_one_judged_exchange_is_a_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(leads_api(tmp_path))]) == ExitCode.CONFORMS
    assert "verdict: no violation in the traffic" in capsys.readouterr().out
