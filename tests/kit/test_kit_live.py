"""The kit against real server processes: the mock, an independent implementation, and through pytest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from broken_servers import BUGS
from kit_helpers import BIN, HERE, KEY, SECOND_KEY, free_port, leadkit, live_process, served_in_thread



def test_verify_passes_against_the_mock_served_live(mock_url: str) -> None:
    """What CI runs: `leadkit mock` as a real process, `leadkit verify` against it with both keys."""
    result = leadkit("verify", "--base-url", mock_url, "--api-key", KEY, "--second-api-key", SECOND_KEY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{mock_url} conforms to the contract (" in result.stdout
    assert "Skipped" not in result.stdout


def test_verify_passes_against_an_independent_implementation(tmp_path: Path) -> None:
    """Other keys, header casing, charset parameters, extra fields and headers: nothing mock-only is relied on."""
    port = free_port()
    command = [sys.executable, str(HERE / "independent_server.py"), str(port)]
    with live_process(command, port, tmp_path / "independent.log") as url:
        result = leadkit("verify", "--base-url", url, "--api-key", "indie-alpha-7f3c", "--second-api-key", "indie-beta-19d2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{url} conforms to the contract (" in result.stdout


def pytest_kit(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`pytest --pyargs contract_tests ...` from a directory with no configuration of its own."""
    command = [str(BIN / "pytest"), "--pyargs", "contract_tests", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300)


def test_pytest_plugin_runs_the_checks(mock_url: str, tmp_path: Path) -> None:
    result = pytest_kit(tmp_path, "--base-url", mock_url, "--api-key", KEY, "-k", "not_found or envelopes", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "leadkit: contract summary" in result.stdout
    assert "Skipped, not passed: 3 checks (needs --second-api-key (LEADS_SECOND_API_KEY))" in result.stdout


def test_pytest_plugin_reports_the_broken_rule(tmp_path: Path) -> None:
    junit = tmp_path / "report.xml"
    with served_in_thread(BUGS["keeps-deleted"]()) as url:
        result = pytest_kit(tmp_path, "--base-url", url, "--api-key", KEY, "-k", "not_found", f"--junit-xml={junit}")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN  not-found-after-delete:" in result.stdout
    assert 'name="leadkit_rules" value="not-found-after-delete"' in junit.read_text()


def test_pytest_plugin_takes_the_target_from_the_environment(mock_url: str, tmp_path: Path) -> None:
    import os

    env = {**os.environ, "LEADS_BASE_URL": mock_url, "LEADS_API_KEY": KEY}
    command = [str(BIN / "pytest"), "--pyargs", "contract_tests", "-p", "no:cacheprovider", "-q", "-k", "get_answers"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
