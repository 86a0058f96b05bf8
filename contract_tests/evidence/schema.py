"""Where the JSON report's schema (leadkit-report/1) is: beside this module in a wheel, docs/ in a checkout."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def report_schema_path() -> Path:
    """The schema file every --report-json follows; light to call (a help text names it)."""
    packaged = _HERE / "report-schema.json"
    return packaged if packaged.is_file() else _HERE.parent.parent / "docs" / "report-schema.json"
