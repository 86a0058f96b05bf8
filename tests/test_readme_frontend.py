"""The README's frontend section, run: its commands, banner, tables and links must stay true."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
import requests

from livemock import LiveMock, ensure_command
from mock_server.admin import ENDPOINTS
from leadkit.cli import build_parser
from readmedoc import DOCUMENTED_BASE, aimed_at, blocks, section



@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveMock]:
    log = tmp_path_factory.mktemp("readme") / "out.txt"
    with open(log, "w") as output, LiveMock(output=output) as live:
        live.output_path = log  # type: ignore[attr-defined]
        yield live


def shell_blocks() -> list[str]:
    """Every `sh` block but the one that starts the mock (the test has started one)."""
    return [block for block in blocks("sh") if "leadkit mock" not in block]


def test_the_readme_starts_the_mock_as_leadkit_mock_from_the_activated_venv() -> None:
    # The two commands install into .venv/ without putting it on the PATH: step 1 activates it.
    first = [line.split("#", 1)[0].strip() for line in blocks("sh")[0].strip().splitlines()]
    assert first == ["source .venv/bin/activate", "leadkit mock"]


def test_the_documented_banner_is_what_the_mock_prints(mock: LiveMock) -> None:
    printed = mock.output_path.read_text()  # type: ignore[attr-defined]
    [banner] = blocks("text")
    for line in banner.splitlines():
        if line != "...":
            assert aimed_at(line, mock.base_url) in printed


@pytest.mark.parametrize("number", range(len(shell_blocks())))
def test_each_documented_command_works(mock: LiveMock, tmp_path: Path, number: int) -> None:
    ensure_command("curl", "curl")
    block = aimed_at(shell_blocks()[number], mock.base_url)
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    if done.stdout:
        answer = json.loads(done.stdout)
        assert answer["success"] is True or answer["code"] == "LEAD_NOT_FOUND"  # the forced 404


def test_the_address_bar_link_forces_a_404(mock: LiveMock) -> None:
    [link] = re.findall(r"<(http://[^>]*__code=404)>", section())
    answer = requests.get(aimed_at(link, mock.base_url), timeout=5)
    assert answer.status_code == 404 and answer.json()["code"] == "LEAD_NOT_FOUND"


def test_every_flag_is_documented_and_every_documented_flag_exists() -> None:
    documented = set(re.findall(r"^\| `(--[a-z-]+)", section(), re.MULTILINE))
    documented |= set(re.findall(r"^\| `--[a-z-]+ N`, `(--[a-z-]+)", section(), re.MULTILINE))
    mock_parser = build_parser()._subparsers._group_actions[0].choices["mock"]  # type: ignore[union-attr]
    offered = {flag for action in mock_parser._actions for flag in action.option_strings if flag.startswith("--")}
    assert documented == offered - {"--help"}


def test_every_admin_route_is_documented_and_nothing_else() -> None:
    documented = set(re.findall(r"^\| `((?:GET|POST|PUT|DELETE) /__mock/[^`]*)`", section(), re.MULTILINE))
    assert documented == set(ENDPOINTS)


def test_documented_urls_use_the_default_port() -> None:
    assert DOCUMENTED_BASE in section()
