"""Issue 9: the command line and the README's first five minutes, as a new user meets them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from inprocess import leadkit  # arguments, help, exit codes: in this process (the mock's process tests: _banner, test_live.py)
from livemock import LEADKIT, ROOT, free_port
from tests.conftest import AUTH
from leadkit.cli import build_parser

README = (ROOT / "README.md").read_text()


@pytest.mark.parametrize("port", ["99999", "-1", "http", "65536"])
def test_a_bad_port_is_one_line_and_exit_2(port: str) -> None:
    done = leadkit("mock", "--port", port)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("leadkit: error: --port:"), done.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [("LEADS_PORT", "99999"), ("LEADS_HOST", "not a host!"), ("LEADS_FAIL_RATE", "2"), ("LEADS_LATENCY_MS", "slow"),
     ("LEADS_GENERATE", "-3"), ("LEADS_SEED", "seven"), ("LEADS_QUIET", "maybe")],
)  # fmt: skip
def test_a_bad_environment_variable_is_named_not_its_flag(variable: str, value: str) -> None:
    done = leadkit("mock", env={variable: value})
    assert done.returncode == 2
    assert done.stderr.startswith(f"leadkit: error: {variable}:"), done.stderr
    assert done.stderr.count("\n") == 1


def test_every_flag_has_a_variable_and_help_lists_them() -> None:
    from mock_server.command import ENVIRONMENT  # flag -> its LEADS_* variable

    mock = build_parser()._subparsers._group_actions[0].choices["mock"]  # type: ignore[union-attr]
    flags = {option for action in mock._actions for option in action.option_strings if option.startswith("--")} - {"--help"}
    assert flags == set(ENVIRONMENT), "every flag needs its LEADS_* variable"
    assert {"LEADS_HOST", "LEADS_PORT"} <= set(ENVIRONMENT.values())
    shown = leadkit("mock", "--help").stdout
    for variable in ENVIRONMENT.values():
        assert variable in shown
        assert variable in README, f"README does not list {variable}"


def _banner(*args: str, env: dict[str, str] | None = None, timeout_s: float = 30) -> tuple[str, str]:
    """Start `leadkit mock`, wait for its banner and a first answer, stop it; the banner and its base URL."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEADS_")}
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(
            [*LEADKIT, "mock", "--quiet", *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True,
            env={**clean, **(env or {})}, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                out.seek(0)
                text = out.read()
                match = re.search(r"serving the Leads API at (http://[^/\s]+)/api/v1", text)
                if match and "Ctrl-C" in text:
                    break
                assert process.poll() is None and time.monotonic() < deadline, text
                time.sleep(0.1)
            base = match.group(1)
            while True:
                try:
                    assert requests.get(f"{base}/api/v1/leads?limit=1", headers=AUTH, timeout=2).status_code == 200
                    return text, base
                except requests.ConnectionError:
                    assert time.monotonic() < deadline, text
                    time.sleep(0.1)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)


def test_port_0_picks_a_free_port_and_the_banner_shows_it() -> None:
    text, base = _banner("--port", "0")
    assert not base.endswith(":0") and re.fullmatch(r"http://127\.0\.0\.1:\d+", base)


def test_leads_port_and_leads_host_are_read() -> None:
    port = free_port()
    _, base = _banner(env={"LEADS_PORT": str(port), "LEADS_HOST": "127.0.0.1"})
    assert base == f"http://127.0.0.1:{port}"


def test_the_banner_says_where_a_seeded_clock_starts() -> None:
    text, _ = _banner("--port", "0", "--seed", "7")
    assert "seed 7" in text and "2025-01-01T00:00:00.000Z" in text
    assert "2025-01-01" in README.split("### Flags", 1)[1].split("##", 1)[0]


def test_leadkit_version() -> None:
    done = leadkit("--version")
    assert done.returncode == 0
    assert re.fullmatch(r"leadkit \d+\.\d+\.\d+\S*\n", done.stdout), done.stdout


def _section(title: str) -> str:
    return README.split(title, 1)[1].split("\n### ", 1)[0]


def test_the_first_five_minutes_run_leadkit_as_the_two_commands_installed_it() -> None:
    steps = _section("### Your first five minutes")
    commands = [line.strip() for block in re.findall(r"```(?:sh|bash)\n(.*?)```", steps, re.S) for line in block.splitlines()]
    runs = [c for c in commands if re.match(r"(\S*/)?leadkit\b", c)]
    assert runs, "the steps start the mock"
    activated = any("source .venv/bin/activate" in c or ". .venv/bin/activate" in c for c in commands)
    for command in runs:
        assert activated or command.startswith(".venv/bin/leadkit"), f"{command!r} is not on the PATH after the two commands"
        assert (ROOT / ".venv/bin/leadkit").exists() or not command.startswith(".venv/")


def test_the_readme_says_the_test_command_installs_chromium_with_apt_and_how_long_it_takes() -> None:
    about = README.split("Run the test suite", 1)[1].split("## A tour", 1)[0]
    assert re.search(r"Chromium", about) and "apt" in about and "root" in about
    assert re.search(r"\d+\s*(s|seconds|minutes?)\b", about), "say how long it takes"


def test_the_readme_documents_what_granian_still_answers_itself() -> None:
    assert re.search(r"Granian.*(65,?534|64 KiB).*100 headers", README, re.S)
    assert "REQUEST_HEADERS_TOO_LARGE" in README
