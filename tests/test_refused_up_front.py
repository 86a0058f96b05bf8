"""Bad arguments are refused before any work: one line naming the flag, exit 2; evidence that cannot be written is never green."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harmaker import LEAD, Har, lead

from leadkit.cli import main

NOWHERE = "/nonexistent/dir/out"


@pytest.mark.parametrize(
    "argv, says",
    [
        (["proxy", "--target", "http://127.0.0.1:9", "--port", "99999"], "leadkit proxy: error: --port must be a port from 0 to 65535"),  # not taken modulo 65536
        (["proxy", "--target", "http://127.0.0.1:9", "--port", "-1"], "leadkit proxy: error: --port must be a port from 0 to 65535"),
        (["proxy", "--target", "127.0.0.1:4010"], "leadkit proxy: error: --target must be an http:// or https:// URL"),
        (["proxy", "--target", "http://127.0.0.1:9", "--record", f"{NOWHERE}.har"], f"leadkit proxy: --record {NOWHERE}.har: cannot be written there"),
        (["proxy", "--target", "http://127.0.0.1:9", "--report-json", f"{NOWHERE}.json"], f"leadkit proxy: --report-json {NOWHERE}.json: cannot be written there"),
        (["check", "--report-json", f"{NOWHERE}.json", "any.har"], f"leadkit check: --report-json {NOWHERE}.json: cannot be written there"),
        (["check", "--report-html", "/", "any.har"], "leadkit check: --report-html /: cannot be written there (it is a directory)"),
        (["replay", "any.har", "--report-json", f"{NOWHERE}.json"], f"leadkit replay: --report-json {NOWHERE}.json: cannot be written there"),
        (["verify", "--base-url", "http://127.0.0.1:9", "--api-key", "k", "--report-json", f"{NOWHERE}.json"], f"leadkit verify: --report-json {NOWHERE}.json: cannot be written there"),
        (["verify", "--base-url", "http://127.0.0.1:9", "--api-key", "k", "--junit-xml", f"{NOWHERE}.xml"], f"leadkit verify: --junit-xml {NOWHERE}.xml: cannot be written there"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_2_before_any_work(capsys: pytest.CaptureFixture[str], argv: list[str], says: str) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(says) and captured.err.count("\n") == 1, captured.err
    assert captured.out == ""  # nothing ran: no banner, no judging


def test_a_verify_that_cannot_run_still_writes_the_report_saying_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "verify.json"
    assert main(["verify", "--base-url", "http://127.0.0.1:9", "--api-key", "k", "--report-json", str(report)]) == 2
    assert "leadkit verify: cannot run: cannot reach" in capsys.readouterr().err
    data = json.loads(report.read_text())
    assert (data["tool"], data["exit_code"], data["outcome"]) == ("verify", 2, "could-not-run")
    assert data["verdict"].startswith("cannot run: cannot reach http://127.0.0.1:9/api/v1/leads")


def test_a_report_that_fails_to_be_written_at_the_end_is_never_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    har = Har()
    har.add("GET", f"/api/v1/leads/{LEAD}", 200, {"success": True, "data": lead()}, at=0)
    folder = tmp_path / "out"
    folder.mkdir()
    path = har.write(tmp_path / "ok.har")

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("contract_tests.evidence.write.write_json", full_disk)
    assert main(["check", "--report-json", str(folder / "c.json"), str(path)]) == 2
    assert f"leadkit check: could not write {folder / 'c.json'}: No space left on device" in capsys.readouterr().err
