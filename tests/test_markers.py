"""tests/markers.py: a test is marked by what it reaches, through helpers and fixtures, and held to it as it runs."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace
from typing import Any, Callable

import inprocess
import pytest
from livemock import LiveMock
from markers import Reading, TierError, _held_to_its_tier

from bench.harness import Processes, start_leadkit


def starts_the_mock() -> None:
    with LiveMock():
        pass


def through_a_helper() -> None:
    starts_the_mock()


# A function of the package, not of the suite, as `verify` is: read one level, not followed.
_package: dict[str, Any] = {"pytest": pytest}
exec(compile("def verify():\n    return pytest.main([])\n", "/elsewhere/contract_tests/verify.py", "exec"), _package)
verify = _package["verify"]


def verifies() -> None:
    verify()


def checks_in_process() -> None:
    inprocess.leadkit("check", "session.har")


def starts_one_from_bench() -> None:
    with Processes() as procs:
        start_leadkit(procs)


def opens_a_browser() -> None:
    from playwright.sync_api import sync_playwright

    sync_playwright()


class Server:
    def start(self) -> None:
        subprocess.Popen(["true"])


def makes_a_server() -> None:
    Server().start()


@pytest.mark.parametrize(
    "function, marks",
    [
        (starts_the_mock, {"live"}),  # LiveMock's own code starts the process
        (through_a_helper, {"live"}),  # followed through the suite's helpers
        (verifies, {"kit"}),  # verify, read one level, calls pytest.main
        (checks_in_process, set()),  # leadkit.cli.main alone starts nothing
        (starts_one_from_bench, {"live"}),  # bench/ is followed too
        (opens_a_browser, {"live"}),  # imported inside the function, not yet loaded
        (makes_a_server, {"live"}),  # a class of tests/, its methods read
    ],
)
def test_a_function_is_marked_by_what_it_reaches(function: Callable[[], None], marks: set[str]) -> None:
    assert Reading().marks_of(function) == marks


def _unmarked() -> Any:
    return SimpleNamespace(nodeid="tests/test_x.py::test_x", get_closest_marker=lambda name: None)


def test_a_test_not_marked_live_cannot_start_a_process() -> None:
    with pytest.raises(TierError, match="started a process but is not marked 'live'"), _held_to_its_tier(_unmarked()) as broken:
        subprocess.run(["true"], check=True)
    assert broken and subprocess.run(["true"]).returncode == 0  # and the guard is gone after the block


def test_a_test_not_marked_kit_cannot_start_a_pytest_session() -> None:
    with pytest.raises(TierError, match="started a pytest session but is not marked 'kit'"), _held_to_its_tier(_unmarked()):
        pytest.main(["--version"])
