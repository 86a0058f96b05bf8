"""The one writer of a run's evidence files (--report-json, --report-html): every tool calls it; a failure is one line."""

from __future__ import annotations

from typing import Any, Mapping

from .html import write_html
from .model import Report, write_json


def write_reports(report: Report, json_path: str | None = None, html_path: str | None = None, extra: Mapping[str, Any] | None = None) -> list[str]:
    """Write the files asked for; what could not be written, one line each ("could not write PATH: why")."""
    failures = []
    for path, kind in ((json_path, "json"), (html_path, "html")):
        if not path:
            continue
        try:
            if kind == "json":
                write_json(report, path, extra)
            else:
                write_html(report, path)
        except OSError as exc:
            failures.append(f"could not write {path}: {exc.strerror or exc}")
    return failures
