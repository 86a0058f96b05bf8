"""The pytest plugin (`leads_mock`, `leads_sandbox`): the README's example, run as a user runs it, under pytest-xdist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from livemock import LiveMock
from readmedoc import blocks
from test_live import VENDOR_HOST, seed_block

SECTION = "## Sandboxes: a private mock per test"


def vendor_client() -> str:
    """The vendor's Python example as the README keeps it: `leads_client.py`, its host in `BASE`."""
    source = seed_block("import requests", "# Usage examples\napi_key")
    assert source.count(f'f"{VENDOR_HOST}') == 3  # every URL is an f-string: the host becomes a variable
    return f'BASE = "{VENDOR_HOST}"\n' + source.replace(f'f"{VENDOR_HOST}', 'f"{BASE}')


def run_example(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (example,) = [block for block in blocks("python", SECTION) if block.startswith("# test_cleanup.py")]
    (tmp_path / "test_cleanup.py").write_text(example)
    (tmp_path / "leads_client.py").write_text(vendor_client())
    environ = {name: value for name, value in os.environ.items() if not name.startswith(("LEADS_", "PYTEST_"))}
    command = [sys.executable, "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", "-q", "test_cleanup.py"]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, env={**environ, **env})


def test_the_readme_example_passes_with_a_mock_per_xdist_worker(tmp_path: Path) -> None:
    run = run_example(tmp_path, {})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout


def test_the_readme_example_passes_on_one_shared_mock_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    with LiveMock("--quiet") as mock:
        before = requests.get(f"{mock.base_url}/__mock/state", timeout=30).json()
        run = run_example(tmp_path, {"LEADS_MOCK_URL": mock.base_url})
        assert run.returncode == 0, run.stdout + run.stderr
        assert "2 passed" in run.stdout
        after = requests.get(f"{mock.base_url}/__mock/state", timeout=30).json()
        assert {**after, "exportedAt": None} == {**before, "exportedAt": None}  # the root: untouched
        assert requests.get(f"{mock.base_url}/__mock/sandboxes", timeout=30).json() == {"sandboxes": []}  # each dropped after its test


def test_a_broken_delete_leads_by_status_fails_the_example(tmp_path: Path) -> None:
    """The example can fail: a client that deletes one lead too few is caught."""
    with LiveMock("--quiet") as mock:
        (example,) = [block for block in blocks("python", SECTION) if block.startswith("# test_cleanup.py")]
        (tmp_path / "test_cleanup.py").write_text(example)
        broken = vendor_client().replace("for lead in leads:", "for lead in leads[1:]:")
        assert broken != vendor_client()
        (tmp_path / "leads_client.py").write_text(broken)
        environ = {name: value for name, value in os.environ.items() if not name.startswith(("LEADS_", "PYTEST_"))}
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_cleanup.py"]
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, env={**environ, "LEADS_MOCK_URL": mock.base_url})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "2 failed" in run.stdout


def test_the_plugin_loads_nothing_heavy_into_every_pytest_session() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, leadkit.pytest_plugin; print(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    heavy = sorted(name for name in loaded if name.split(".")[0] in ("requests", "flask", "werkzeug", "mock_server", "contract_tests", "granian"))
    assert not heavy, f"import leadkit.pytest_plugin loads {heavy}"


@pytest.mark.parametrize("fixture", ["leads_mock", "leads_sandbox"])
def test_the_fixtures_are_registered_by_the_entry_point(fixture: str, pytestconfig: pytest.Config) -> None:
    from importlib.metadata import entry_points

    (plugin,) = [ep for ep in entry_points(group="pytest11") if ep.name == "leadkit-mock"]
    assert hasattr(plugin.load(), fixture)
    assert pytestconfig.pluginmanager.has_plugin("leadkit-mock")  # this very session loaded it


def test_leads_mock_makes_sandboxes_with_options_of_their_own() -> None:
    from leadkit.pytest_plugin import LeadsMock

    with LiveMock("--quiet") as live:
        mock = LeadsMock(live.base_url)
        flaky, steady = mock.sandbox("flaky", failRate=1), mock.sandbox()
        assert flaky.base_url == f"{live.base_url}/sandboxes/flaky" and flaky.header == {"Leadkit-Sandbox": "flaky"}
        assert (flaky.api_key, flaky.second_api_key) == ("sk-workspace_your_api_key", "sk-workspace_second_api_key")
        auth = {"Authorization": f"Bearer {flaky.api_key}"}
        assert requests.get(f"{flaky.base_url}/api/v1/leads", headers=auth, timeout=30).status_code in (429, 500)
        assert requests.get(f"{steady.base_url}/api/v1/leads", headers=auth, timeout=30).status_code == 200
        assert [r["injected"] for r in flaky.requests()] == [True] and len(steady.leads()) == 28
        mock.drop(flaky)
        mock.drop(flaky)  # dropping twice is no error
        assert [s["name"] for s in requests.get(f"{live.base_url}/__mock/sandboxes", timeout=30).json()["sandboxes"]] == [steady.name]


def test_a_mock_that_cannot_start_says_why(tmp_path: Path) -> None:
    from leadkit.pytest_plugin import start_mock

    with pytest.raises(RuntimeError) as raised:
        start_mock("--fixtures", str(tmp_path / "missing.json"))
    assert "exit code 2" in str(raised.value) and "missing.json: cannot read fixture file" in str(raised.value)
