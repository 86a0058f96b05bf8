"""The wheel carries what its commands name: openapi.yaml, the default fixtures, and the report schema the help points to."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_the_spec_the_fixtures_and_the_report_schema(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("leadkit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"mock_server/openapi.yaml", "mock_server/fixtures/default.json", "contract_tests/evidence/report-schema.json"} <= names
    packaged = zipfile.ZipFile(wheel).read("contract_tests/evidence/report-schema.json")
    assert packaged == (ROOT / "docs" / "report-schema.json").read_bytes()
