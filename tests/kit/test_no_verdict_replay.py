"""A replay that could replay no step of its recording is "no verdict" (exit 4), never green."""

from __future__ import annotations

from datetime import datetime, timezone
from io import StringIO
from pathlib import Path

from harmaker import Har
from kit_helpers import in_process
from planting import mock

from contract_tests.core.har import read_har
from contract_tests.core.outcome import ExitCode
from contract_tests.replay.session import replay, to_report


def test_a_recording_of_another_api_replays_nothing_and_gives_no_verdict(tmp_path: Path) -> None:
    har = Har()
    har.add("GET", "/v2/orders", 200, {"orders": []}, at=0)
    har.add("POST", "/v2/orders", 201, {"id": 7}, at=1)
    target = in_process(mock())
    out = StringIO()
    result = replay(read_har(str(har.write(tmp_path / "other.har"))), target, out)
    assert result.exit_code == ExitCode.NO_VERDICT
    assert "leadkit replay: no verdict: no step of the recording could be replayed (0 ok, 0 DIFF, 2 skipped)" in out.getvalue()
    now = datetime.now(timezone.utc)
    report = to_report(result, target, now, now)
    assert (report.exit_code, report.outcome) == (4, "no-verdict")
