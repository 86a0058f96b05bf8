"""Ctrl-C is exact: at start-up, in the hand-written checks, in the generated phase and in cleanup.

Each test runs `leadkit verify` as a user would, against a live mock, sends SIGINT at one moment,
and holds the run to the same promise: exit 130, "interrupted after N checks: no verdict", what
was left unchecked, no finding, no traceback, and every lead the kit made removed.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

import pytest
import requests
from kit_helpers import BIN, KEY, SECOND_KEY, live_mock



def _total(base_url: str, key: str) -> int:
    reply = requests.get(f"{base_url}/api/v1/leads", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    total: int = reply.json()["data"]["pagination"]["total"]
    return total


def interrupt(url: str, when: Callable[[str, list[str]], bool], *extra: str, pause: float = 0.0, sig: int = signal.SIGINT) -> tuple[int, str]:
    """Run verify, send `sig` once `when(line, lines so far)` holds (and `pause` s more); its exit code and output."""
    command = [str(BIN / "leadkit"), "verify", "--base-url", url, "--api-key", KEY, "--second-api-key", SECOND_KEY, *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        while True:
            line = process.stdout.readline()
            assert line, "verify ended before it could be interrupted:\n" + "".join(lines)
            lines.append(line)
            if when(line, lines):
                break
        time.sleep(pause)
        process.send_signal(sig)
        rest, _ = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, "".join(lines) + rest


def assert_exact(code: int, output: str, url: str) -> None:
    assert code == 130, output
    assert re.search(r"^leadkit verify: interrupted after \d+ checks: no verdict", output, re.M), output
    assert "BROKEN" not in output and "conforms" not in output and "does NOT" not in output, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert (_total(url, KEY), _total(url, SECOND_KEY)) == (28, 4)  # the default fixtures, and nothing else


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_at_start_up(tmp_path: Path, sig: int) -> None:
    with live_mock(tmp_path) as url:
        code, output = interrupt(url, lambda line, _: line.startswith("leadkit verify: checking"), sig=sig)
        assert_exact(code, output, url)
    assert "interrupted after 0 checks: no verdict" in output


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])  # SIGTERM: CI's cancel, timeout, docker stop
def test_ctrl_c_during_the_hand_written_checks(tmp_path: Path, sig: int) -> None:
    with live_mock(tmp_path, "--latency", "20") as url:
        code, output = interrupt(url, lambda line, lines: sum(seen.startswith("  ok") for seen in lines) >= 25, sig=sig)
        totals_after = (_total(url, KEY), _total(url, SECOND_KEY))
        assert_exact(code, output, url)
    assert totals_after == (28, 4)
    assert "interrupted; removing the kit's test leads" in output
    assert re.search(r"Cleanup: the \d+ test leads the kit created are all gone", output), output
    done = int(re.search(r"interrupted after (\d+) checks", output)[1])  # type: ignore[index]
    assert 15 <= done < 150  # the "ok" lines count the generated phase's operations too
    left = re.search(r"Left unchecked: (\d+) of (\d+) checks", output)
    assert left and int(left[1]) + done == int(left[2]), output
    assert "rules not checked at all:" in output
    # A rule said to be not checked at all shows no check done in the table of rules either.
    untouched = re.search(r"rules not checked at all: (.+)", output)[1].split(", ")  # type: ignore[index]
    cells = dict(re.findall(r"  ([a-z-]+) (\d+)/\d+/\d+", output))
    assert all(cells.get(rule_id, "0") == "0" for rule_id in untouched), (untouched, cells)


def test_ctrl_c_during_the_generated_phase(tmp_path: Path) -> None:
    def generated_running(line: str, lines: list[str]) -> bool:
        return sum("test_envelopes.py" in seen for seen in lines) >= 10  # every envelope check done: generated is next

    with live_mock(tmp_path) as url:
        code, output = interrupt(url, generated_running, "--max-examples", "60", pause=2.0)
        assert_exact(code, output, url)
    assert "test_generated.py" not in output.partition("interrupted; removing")[2].partition("Left unchecked")[0].replace(
        "test_generated.py::test_generated_requests", ""
    )
    assert "  FAIL" not in output


def test_ctrl_c_during_cleanup_lets_cleanup_finish(tmp_path: Path) -> None:
    with live_mock(tmp_path, "--latency", "150") as url:
        code, output = interrupt(url, lambda line, _: "removing the" in line and "of the kit's still there" in line, "--max-examples", "2")
        assert_exact(code, output, url)
    assert "still removing the kit's test leads" in output
    # One number: the leads announced as still there are the ones cleanup says it removed.
    announced = re.search(r"removing the ([\d,]+) test leads of the kit's still there", output)
    removed = re.search(r"Cleanup: the [\d,]+ test leads the kit created are all gone \(([\d,]+) removed at the end", output)
    assert announced and removed and announced[1] == removed[1], output
    assert "Every check had run when the interrupt came." in output
