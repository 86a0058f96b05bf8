"""Two browser workers at once against one mock, each in its own sandbox by header: both pass, neither sees the other's deletes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import requests

from livemock import LiveMock, ensure_command
from test_browser import PageServer

SUITE = Path(__file__).parent / "pages" / "sandboxed_browser_suite.py"


def test_two_playwright_workers_each_in_a_sandbox_of_one_mock(tmp_path: Path) -> None:
    chromium = ensure_command("chromium", "chromium")
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    shutil.copy(SUITE, tmp_path / "test_browser_suite.py")
    pages = PageServer()
    try:
        with LiveMock("--quiet") as mock:
            before = requests.get(f"{mock.base_url}/__mock/state", timeout=30).json()
            environ = {name: value for name, value in os.environ.items() if not name.startswith(("LEADS_", "PYTEST_"))}
            environ.update(LEADKIT_PAGE_URL=pages.url(mock), LEADKIT_CHROMIUM=chromium, LEADKIT_MEETING=str(meeting))
            command = [sys.executable, "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", "-q", "test_browser_suite.py"]
            run = subprocess.run(command, cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=600)
            assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
            assert "2 passed" in run.stdout
            sandboxes = {s["name"]: s["leads"] for s in requests.get(f"{mock.base_url}/__mock/sandboxes", timeout=30).json()["sandboxes"]}
            assert sorted(sandboxes.values()) == [32 - 2, 32 - 1] and set(sandboxes) == {"browser-gw0", "browser-gw1"}
            after = requests.get(f"{mock.base_url}/__mock/state", timeout=30).json()
            assert {**after, "exportedAt": None} == {**before, "exportedAt": None}  # the root saw nothing
    finally:
        pages.close()
    assert sorted(path.name for path in meeting.iterdir()) == ["deleted-1", "deleted-2"]
