"""The README's commands are run, so the README cannot drift from what the code does."""

from __future__ import annotations

import re
import subprocess

import pytest
from livemock import ROOT, LiveMock
from readmedoc import blocks

README = (ROOT / "README.md").read_text()


def tour() -> list[tuple[str, int]]:
    """(curl command, documented status) pairs from the tour, in order."""
    block = blocks("bash", "## A tour of the API")[0].replace("\\\n", " ")
    return [(command, int(status)) for command, status in re.findall(r"^(curl .*)\n# → (\d{3})$", block, flags=re.M)]


def test_ci_runs_the_readme_test_command() -> None:
    mock_command, test_command = (block.strip() for block in blocks("bash", "## The two commands")[:2])
    assert "leadkit mock" in mock_command
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command.replace(" -q", "") in ci.replace(" -q", "")


def test_tour_covers_every_operation() -> None:
    commands = " ".join(command for command, _ in tour())
    for needle in ("-X POST", "-X PUT", "-X DELETE", "leads?", "leads/lead_", "__mock/audit"):
        assert needle in commands


def test_tour_commands_answer_as_documented() -> None:
    steps = tour()
    assert len(steps) >= 10
    with LiveMock() as live:
        env = {"KEY": "Authorization: Bearer sk-workspace_your_api_key", "BASE": f"{live.base_url}/api/v1", "PATH": "/usr/bin:/bin"}
        for command, status in steps:
            command = command.replace("http://127.0.0.1:4010", live.base_url)
            run = subprocess.run(
                ["bash", "-c", command + " -o /dev/null -w '%{http_code}'"], capture_output=True, text=True, env=env, timeout=30
            )
            assert (command, run.stdout) == (command, str(status))


@pytest.mark.parametrize("path", ["mock_server/store.py", "mock_server/pipeline.py", "fixtures/default.json", "docs/vendor/delete-lead.txt"])
def test_paths_the_readme_names_exist(path: str) -> None:
    assert path.split("/")[-1] in README and (ROOT / path).exists()
