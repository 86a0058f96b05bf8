"""The one writer of a run's evidence files (--report-json, --report-html): every tool calls it; a failure is one line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from ..core.outcome import CannotRun
from .html import write_html
from .model import Report, write_json


def write_reports(report: Report, json_path: str | None = None, html_path: str | None = None) -> list[str]:
    """Write the files asked for; what could not be written, one line each ("could not write PATH: why")."""
    failures = []
    for path, kind in ((json_path, "json"), (html_path, "html")):
        if not path:
            continue
        try:
            if kind == "json":
                write_json(report, path)
            else:
                write_html(report, path)
        except OSError as exc:
            failures.append(f"could not write {path}: {exc.strerror or exc}")
    return failures


class Unwritable(CannotRun):
    """An output path given on the command line cannot be written: said before any work, naming the flag."""

    prefix = ""


def ensure_writable(outputs: Mapping[str, str | None]) -> None:
    """Each flag's path (`{"--report-json": path}`) can be created or replaced, or Unwritable says which cannot and why."""
    for flag, path in outputs.items():
        if not path:
            continue
        target = Path(path)
        folder = target.parent
        if target.is_dir():
            why = "it is a directory"
        elif not folder.is_dir():
            why = f"no such directory: {folder}"
        elif not os.access(folder, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
            why = "permission denied"
        else:
            continue
        raise Unwritable(f"{flag} {path}: cannot be written there ({why})")
