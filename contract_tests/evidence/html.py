"""A Report as one self-contained HTML file: verdict first, what broke with its evidence, rules with filters, replay's steps, coverage; no network."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from .model import Report, RuleResult

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#222;max-width:70rem}
h1{font-size:1.4rem;padding:.6rem 1rem;border-radius:6px}
h1.ok{background:#e3f6e5}h1.bad{background:#fde2e1}h1.other{background:#fff3cd}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
tr.broken td.status{color:#b00020;font-weight:bold}tr.passed td.status{color:#1b6e20}tr.skipped td.status{color:#8a6d00}
code,pre{font:12px/1.4 ui-monospace,monospace}pre{background:#f5f5f5;padding:.5rem;white-space:pre-wrap;word-break:break-all}
.filters button{margin-right:.3rem}.filters button.on{font-weight:bold}
.evidence{border-left:4px solid #b00020;padding-left:1rem;margin-bottom:1.5rem}
td.never{color:#b00020}
"""

SCRIPT = """
(function(){
  var state = 'all';
  function apply(){
    var text = document.getElementById('filter-text').value.toLowerCase();
    document.querySelectorAll('#rules tbody tr').forEach(function(row){
      var show = (state === 'all' || row.dataset.status === state) && row.textContent.toLowerCase().indexOf(text) >= 0;
      row.style.display = show ? '' : 'none';
    });
    document.querySelectorAll('.filters button').forEach(function(b){ b.classList.toggle('on', b.dataset.status === state); });
  }
  document.querySelectorAll('.filters button').forEach(function(b){
    b.addEventListener('click', function(){ state = b.dataset.status; apply(); });
  });
  document.getElementById('filter-text').addEventListener('input', apply);
})();
"""


def render_html(report: Report) -> str:
    verdict_class = {0: "ok", 1: "bad"}.get(report.exit_code, "other")
    counts = {status: sum(rule.status == status for rule in report.rules) for status in ("broken", "passed", "skipped")}
    buttons = "".join(
        f'<button data-status="{status}">{label}</button>'
        for status, label in [("all", f"all {len(report.rules)}")] + [(s, f"{s} {n}") for s, n in counts.items()]
    )
    seconds = (report.finished - report.started).total_seconds()
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>leadkit {escape(report.tool)}: {escape(report.verdict)}</title><style>{STYLE}</style></head><body>",
        f'<h1 id="verdict" class="{verdict_class}">{escape(report.verdict)}</h1>',
        f"<p>leadkit {escape(report.tool)} of <code>{escape(report.target)}</code>, exit code {report.exit_code}; "
        f"{escape(report.started.isoformat(timespec='seconds'))} to {escape(report.finished.isoformat(timespec='seconds'))} "
        f"({seconds:.1f} s, {report.requests:,} requests).</p>",
    ]
    parts += [f"<p>{escape(note)}</p>" for note in report.notes]
    broken = [rule for rule in sorted(report.rules, key=lambda r: r.id) if rule.status == "broken"]
    if broken:  # what broke first, with its evidence: never below dozens of rows of "passed"
        parts.append("<h2>Evidence</h2>")
        parts += [_evidence(rule) for rule in broken]
    parts += [
        "<h2>Rules</h2>",
        f'<div class="filters">{buttons} <input id="filter-text" placeholder="filter by text" aria-label="filter by text"></div>',
        '<table id="rules"><thead><tr><th>rule</th><th>status</th><th>what the contract says</th><th>section</th>'
        "<th>checked</th><th>broken</th><th>skipped</th></tr></thead><tbody>",
    ]
    parts += [_rule_row(rule) for rule in sorted(report.rules, key=lambda r: (r.status != "broken", r.status != "skipped", r.id))]
    parts.append("</tbody></table>")
    if report.steps:
        parts.append(_steps(report.steps))
    if report.coverage is not None:
        parts.append(_coverage(report))
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(parts)


def _rule_row(rule: RuleResult) -> str:
    link = f'<a href="#rule-{escape(rule.id)}">{escape(rule.id)}</a>' if rule.status == "broken" else escape(rule.id)
    why = f" ({escape(rule.reason)})" if rule.reason else ""
    return (
        f'<tr class="{rule.status}" data-status="{rule.status}" data-rule="{escape(rule.id)}"><td>{link}</td>'
        f'<td class="status">{rule.status}{why}</td><td>{escape(rule.text)}</td><td>{escape(rule.section)}</td>'
        f"<td>{rule.checked}</td><td>{rule.broken}</td><td>{rule.skipped}</td></tr>"
    )


def _evidence(rule: RuleResult) -> str:
    parts = [f'<section class="evidence" id="rule-{escape(rule.id)}"><h3>BROKEN {escape(rule.id)}: {escape(rule.text)}</h3>']
    parts.append(f"<p>contract: {escape(rule.section)}</p>")
    for item in rule.evidence:
        parts.append(f"<p><b>{escape(item.check)}</b></p><pre>{escape(item.message)}</pre>")
        if item.earlier:
            parts.append(f"<p>compared with: <code>{escape(item.earlier)}</code></p>")
        if item.request:
            parts.append(f"<p>request: <code>{escape(item.request)}</code><br>response: <code>{escape(item.response)}</code></p>")
        if item.curl:
            parts.append(f'<pre class="curl">{escape(item.curl)}</pre>')
    parts.append("</section>")
    return "\n".join(parts)


def _steps(steps: list[dict[str, Any]]) -> str:
    """Replay's steps, one row each: what was recorded, what the target answered, what differed."""
    rows = []
    for step in steps:
        differed = "; ".join(f"{d['rule']}: {d['message']}" for d in step["differences"]) or escape(step["reason"])
        target = "" if step["targetStatus"] is None else str(step["targetStatus"])
        rows.append(
            f'<tr class="step {escape(step["outcome"])}"><td>{step["entry"]}</td><td><code>{escape(step["request"])}</code></td>'
            f'<td>{escape(step["outcome"])}</td><td>{step["recordedStatus"]}</td><td>{target}</td><td>{escape(differed)}</td></tr>'
        )
    return (
        "<h2>Steps</h2><table id=\"steps\"><thead><tr><th>entry</th><th>request</th><th>outcome</th><th>recorded</th>"
        "<th>target</th><th>what differed, or why skipped</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _coverage(report: Report) -> str:
    assert report.coverage is not None
    statuses = sorted({status for op in report.coverage.operations for status in op.seen})
    head = "".join(f"<th>{status}</th>" for status in statuses)
    rows = []
    for op in report.coverage.operations:
        cells = []
        for status in statuses:
            if status not in op.seen:
                cells.append("<td></td>")
            elif op.seen[status]:
                cells.append(f"<td>{op.seen[status]}</td>")
            else:
                cells.append('<td class="never">never</td>')
        rows.append(f"<tr><td><code>{escape(op.method)} {escape(op.path)}</code></td>{''.join(cells)}</tr>")
    return (
        "<h2>Coverage</h2><p>Responses seen per operation and documented status (blank: not documented).</p>"
        f'<table id="coverage"><thead><tr><th>operation</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def write_html(report: Report, path: str | Path) -> None:
    Path(path).write_text(render_html(report), encoding="utf-8")
