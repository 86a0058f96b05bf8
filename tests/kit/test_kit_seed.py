"""`--seed N` repeats the generated phase exactly (issue 23): the same cases and the same verdict.

In a fresh process, after another verify in the same process, and from an editable or a
non-editable install. Each run is `seed_cases.py` in a process of its own, against an
in-process mock.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from kit_helpers import in_process, run_verify

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
SEED_CASES = HERE / "seed_cases.py"


def cases_of(python: str, *seeds: int, cwd: Path) -> list[dict[str, Any]]:
    """One run per seed, in one fresh process of `python`."""
    result = subprocess.run([python, str(SEED_CASES), *map(str, seeds)], capture_output=True, text=True, timeout=900, cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def assert_same_run(run: dict[str, Any], again: dict[str, Any]) -> None:
    assert (again["exit_code"], again["broken"]) == (run["exit_code"], run["broken"])
    differ = next((i for i, (a, b) in enumerate(zip(run["generated"], again["generated"])) if a != b), None)
    assert differ is None, f"generated case {differ} differs:\n{run['generated'][differ]}\n{again['generated'][differ]}"
    assert len(again["generated"]) == len(run["generated"])
    assert again["stateful"] == run["stateful"]


def non_editable_install(where: Path) -> str:
    """A virtual environment holding leadkit as a wheel installs it; its dependencies are read from this one's."""
    wheels, venv = where / "wheels", where / "venv"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT)], check=True, capture_output=True, timeout=300)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], capture_output=True, text=True, check=True)
    (Path(site.stdout.strip()) / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    wheel = next(wheels.glob("leadkit-*.whl"))
    subprocess.run([*pip[:3], "--python", str(python), *pip[3:], "install", "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True, timeout=300)
    return str(python)


@pytest.fixture(scope="module")
def editable_runs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Seed 7, then seed 5, then seed 7 again, in one fresh process of this (editable) install."""
    return cases_of(sys.executable, 7, 5, 7, cwd=tmp_path_factory.mktemp("editable"))


@pytest.mark.slow
def test_a_seed_repeats_after_another_verify_in_the_same_process(editable_runs: list[dict[str, Any]]) -> None:
    first, other, again = editable_runs
    assert other["generated"] != first["generated"]  # another seed draws other cases
    assert first["installed"] == str(ROOT / "contract_tests")  # the editable install
    assert_same_run(first, again)


@pytest.mark.slow
def test_a_seed_repeats_in_a_fresh_process(editable_runs: list[dict[str, Any]], tmp_path: Path) -> None:
    (fresh,) = cases_of(sys.executable, 7, cwd=tmp_path)
    assert_same_run(editable_runs[0], fresh)


@pytest.mark.slow
def test_a_seed_repeats_in_a_non_editable_install(editable_runs: list[dict[str, Any]], tmp_path: Path) -> None:
    python = non_editable_install(tmp_path)
    (installed,) = cases_of(python, 7, cwd=tmp_path)
    assert installed["installed"].startswith(str(tmp_path / "venv")), installed["installed"]
    assert_same_run(editable_runs[0], installed)



def test_a_run_that_finds_a_violation_says_how_to_repeat_its_generated_requests() -> None:
    from test_kit_generated_exact import GENERATED, list_query_errors_are_500

    outcome = run_verify(in_process(list_query_errors_are_500(), seed=11, max_examples=5, workers=4), select=GENERATED)
    assert outcome.exit_code == 1, outcome.summary
    assert "To repeat the generated requests: --seed 11 --max-examples 5 --workers 4" in outcome.summary
