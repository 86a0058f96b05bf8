"""What a run of a leadkit tool found, as plain data: rules, evidence, coverage; JSON and a text table.

Knows nothing of pytest: `leadkit verify` fills it, and `check` and `proxy` (traffic_report.py); `replay` can. Build a
`Report` (tool, target, times, verdict, exit code, one `RuleResult` per rule with its `Evidence`,
and a `Coverage`), then `write_json(report, path)`, `write_html(report, path)` (evidence_html.py)
or `coverage_table(report.coverage)`. The JSON schema is docs/report-schema.json, version
`SCHEMA` below; a field is only ever added to a version, never renamed or removed.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Mapping

from ..core.exchange import Exchange
from ..core.outcome import ExitCode
from ..core.rules import Rule
from ..engine.coverage import Coverage
from .text import body_excerpt as body_excerpt
from .text import curl as curl
from .text import one_line as one_line
from .text import redact as redact

SCHEMA = "leadkit-report/1"
EVIDENCE_PER_RULE = 10  # every tool shows the first this many observations of a broken rule; its `broken` count says how many in all
Status = Literal["passed", "broken", "skipped"]


@dataclass
class Evidence:
    """One observation that a rule was broken: in words, with the exchange as one-line excerpts."""

    message: str
    check: str = ""  # what showed it: a check's name, a HAR entry, ...
    request: str = ""  # "PUT http://host/api/v1/leads/lead_1 {"status": ...}"
    response: str = ""  # "400 application/json {"success": false, ...}"
    curl: str = ""  # repeats the request; keys only as $VARIABLES
    entry: int | None = None  # the exchange's place in a recording (a HAR entry's number), when it has one
    earlier: str = ""  # the earlier exchange it was compared with, one line: "entry 2: DELETE http://... -> 200"


@dataclass
class RuleResult:
    id: str
    text: str
    section: str
    status: Status
    checked: int = 0  # checks (or exchanges) that tested the rule to the end
    broken: int = 0  # of them, how many showed it broken
    skipped: int = 0  # checks of the rule that did not run
    reason: str = ""  # why they did not run
    evidence: list[Evidence] = field(default_factory=list)

    @classmethod
    def of(cls, rule: Rule, *, checked: int, broken: int, skipped: int = 0, reason: str = "", evidence: list[Evidence] | None = None) -> RuleResult:
        """A rule's result as every tool states it: broken when anything broke it, passed when something judged it, else skipped."""
        status: Status = "broken" if broken else "passed" if checked else "skipped"
        return cls(rule.id, rule.text, rule.section, status, checked, broken, skipped, reason, (evidence or [])[:EVIDENCE_PER_RULE])


@dataclass
class Report:
    tool: str  # "verify", "check", "replay"
    target: str  # a base URL, a HAR file, ...
    started: datetime
    finished: datetime
    verdict: str  # one line a human reads
    exit_code: int
    rules: list[RuleResult]
    coverage: Coverage | None = None
    requests: int = 0
    notes: list[str] = field(default_factory=list)  # cleanup, interruptions, errors of the tool itself
    outcome: str = ""  # conforms / does-not-conform / could-not-run / interrupted / incomplete-coverage / no-verdict
    steps: list[dict[str, Any]] | None = None  # replay's step by step (docs/report-schema.json `steps`); None for the others


def could_not_run(tool: str, target: str, started: datetime, finished: datetime, why: str) -> Report:
    """The report of a run that could not start (an unreadable file, a refused key): no rule judged, the reason as its verdict."""
    return Report(tool, target, started, finished, why, ExitCode.CANNOT_RUN, [], None, 0, [], ExitCode.CANNOT_RUN.outcome)


def to_json(report: Report) -> dict[str, Any]:
    data = asdict(report)
    if report.steps is None:
        del data["steps"]
    data["started"], data["finished"] = report.started.isoformat(), report.finished.isoformat()
    data["seconds"] = round((report.finished - report.started).total_seconds(), 3)
    if report.coverage is not None:
        data["coverage"] = {
            "operations": [
                {**asdict(op), "seen": {str(k): v for k, v in op.seen.items()}, "undocumented": {str(k): v for k, v in op.undocumented.items()}}
                for op in report.coverage.operations
            ],
            "missing": [{"operation": name, "status": status} for name, status in report.coverage.missing],
        }
    return {"schema": SCHEMA, **data}


def write_json(report: Report, path: str | Path) -> None:
    """The report as JSON, docs/report-schema.json; replaced whole (a reader, or a kill, never meets half a file)."""
    text = json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"
    if Path(path).exists() and not Path(path).is_file():  # /dev/stdout, a pipe: written as it is
        Path(path).write_text(text, encoding="utf-8")
        return
    partial = Path(f"{path}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def coverage_table(coverage: Coverage) -> str:
    """One line per operation: each documented status with how often it was seen, `--` when never."""
    width = max(len(f"{op.method} {op.path}") for op in coverage.operations) if coverage.operations else 0
    lines = []
    for op in coverage.operations:
        cells = [f"{status}:{count if count else '--'}" for status, count in op.seen.items()]
        cells += [f"{status}:{count} (undocumented)" for status, count in op.undocumented.items()]
        lines.append(f"  {op.method + ' ' + op.path:<{width}}  " + "  ".join(cells))
    return "\n".join(lines)


def evidence_of(exchange: Exchange | None, message: str, keys: Mapping[str, str], check: str = "") -> Evidence:
    """Evidence from one exchange: request and response as one line each, and a curl repeating it."""
    if exchange is None:
        return Evidence(redact(message, keys), check)
    headers = {name.lower(): value for name, value in exchange.response_headers.items()}
    content_type = headers.get("content-type", "")
    request_type = {name.lower(): value for name, value in exchange.request_headers.items()}.get("content-type", "")
    request = f"{exchange.method} {exchange.url}"
    sent = body_excerpt(exchange.request_body, request_type, 120)
    response = " ".join(part for part in (str(exchange.status), content_type.split(";")[0], body_excerpt(exchange.response_body, content_type)) if part)
    return Evidence(
        redact(message, keys),
        check,
        redact(f"{request} {sent}".strip(), keys),
        redact(response, keys),
        curl(exchange, keys),
    )
