"""One replay from start to end: preflight, the steps with a line each, cleanup whatever happens, the verdict."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO
from urllib.parse import urlsplit

from mock_server.spec import load_spec

from ..core.exchange import Exchange
from ..core.har import Recording
from ..core.outcome import ExitCode
from ..core.rules import Rule
from ..engine.coverage import Seen
from ..evidence.model import Report, RuleResult, evidence_of
from ..evidence.text import count, curl
from ..live.kit import Kit
from ..live.target import Target
from .plan import Plan, make_plan
from .runner import Replayer, StepOutcome


@dataclass
class Replay:
    plan: Plan
    outcomes: list[StepOutcome] = field(default_factory=list)
    interrupted: bool = False
    cleanup: str = ""

    @property
    def differences(self) -> list[StepOutcome]:
        return [outcome for outcome in self.outcomes if outcome.word == "DIFF"]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return ExitCode.INTERRUPTED
        if self.differences:
            return ExitCode.VIOLATIONS
        return ExitCode.CONFORMS if self.replayed else ExitCode.NO_VERDICT

    @property
    def replayed(self) -> int:
        """Steps sent again and compared (ok or DIFF): what a verdict rests on."""
        return sum(outcome.word != "skipped" for outcome in self.outcomes)

    def rules(self) -> dict[str, tuple[Rule, list[tuple[StepOutcome, str]]]]:
        """Each broken rule, with the steps that showed it and what they showed."""
        found: dict[str, tuple[Rule, list[tuple[StepOutcome, str]]]] = {}
        for outcome in self.differences:
            shown = [(d.rule, d.message) for d in outcome.differences] + [(b.rule, b.message) for b in outcome.breaches]
            for rule, message in shown:
                seen = found.setdefault(rule.id, (rule, []))[1]
                if not seen or seen[-1][0] is not outcome:  # once per step: its first word on the rule
                    seen.append((outcome, message))
        return found


def replay(recording: Recording, target: Target, out: TextIO, recorded_base_url: str | None = None, kit: Kit | None = None) -> Replay:
    """Replay `recording` against `target` (through `kit` when it is already open); its leads are removed at the end, also after Ctrl-C."""
    plan = make_plan(recording, recorded_base_url)
    wrong: dict[int, list[str]] = {}
    for exchange, breaches in plan.stream.recording(recording.exchanges):  # what the recording itself got wrong
        found = wrong.setdefault(exchange.number or 0, [])
        found += [rule_id for rule_id in dict.fromkeys(breach.rule.id for breach in breaches) if rule_id not in found]
    result = Replay(plan)
    kit = kit or Kit.open(target)
    # The replay's creates carry the recording's own fields, nothing marking them test data: each is
    # said on stderr as it is made, so a run killed before its cleanup can be cleaned by hand.
    kit.ledger.on_created = lambda lead_id: print(f"leadkit replay: created {lead_id} (removed at the end)", file=sys.stderr, flush=True)
    keys = target.key_variables()
    steps = len(plan.steps)
    print(f"leadkit replay: {recording.path}: {steps} entries, {len(plan.replayed)} to replay against {target.base_url}", flush=True, file=out)
    if plan.keys_stripped:
        print("  the recording has no Authorization headers (stripped on export): every request is sent with --api-key", file=out)
    runner = Replayer(plan, kit, wrong, lambda outcome: print("\n".join(step_lines(outcome, keys, steps)), flush=True, file=out))
    # Ctrl-C and SIGTERM as verify takes them: a request on the wire is answered and its lead recorded
    # (so cleanup removes it), then the run stops; cleanup (which uninstalls it) goes on through one more.
    kit.stopper.tool, kit.stopper.owner = "leadkit replay", "the replay"
    kit.stopper.install()
    try:
        runner.run()
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        result.outcomes = runner.outcomes
        try:
            kit.cleanup()
        except KeyboardInterrupt:
            result.interrupted = True
        result.cleanup = kit.cleanup_note("the replay")
    print("\n" + summary(result, target.base_url), file=out, flush=True)
    return result


def step_lines(outcome: StepOutcome, keys: dict[str, str], steps: int) -> list[str]:
    width = len(str(steps))
    head = f"  {outcome.step.number:>{width}}  "
    if outcome.word == "skipped":
        return [f"{head}skipped: {outcome.reason}  ({outcome.step.label})"]
    target = outcome.target
    assert target is not None
    lines = [f"{head}{outcome.word:<4}  {outcome.step.label}  {outcome.step.recorded.status} -> {target.status}"]
    if outcome.word != "DIFF":
        return lines
    pad = " " * (len(head) + 6)
    for difference in outcome.differences:
        lines.append(f"{pad}DIFF {difference.rule.id}: {difference.message}")
    for breach in outcome.breaches:
        lines.append(f"{pad}DIFF {breach.rule.id}: {breach.message}")
    lines += [
        f"{pad}recorded: {_excerpt(outcome.step.recorded)}",
        f"{pad}target:   {_excerpt(target)}",
        f"{pad}curl:     {curl(target, keys)}",
    ]
    return lines


def _excerpt(exchange: Exchange, limit: int = 160) -> str:
    """Status and the start of the body on one line; a body that is not JSON is only described."""
    text = " ".join(exchange.response_body.decode("utf-8", "replace").split())
    if text.lstrip().startswith("<"):
        text = f"(a {len(exchange.response_body)}-byte non-JSON body)"
    return f"{exchange.status} " + (text if len(text) <= limit else text[:limit] + "…")


def summary(result: Replay, base_url: str) -> str:
    lines = []
    for rule_id, (_, shown) in result.rules().items():
        first, message = shown[0]
        others = [outcome.step.number for outcome, _ in shown[1:]]
        more = f" (and steps {', '.join(map(str, others[:8]))}{' ...' if len(others) > 8 else ''})" if others else ""
        lines.append(f"BROKEN  {rule_id}: step {first.step.number}: {message}{more}")
    lines.append(result.cleanup)
    lines.append(f"leadkit replay: {verdict(result, base_url)}")
    return "\n".join(lines)


def verdict(result: Replay, base_url: str) -> str:
    """The replay's verdict in one sentence, with its counts: the summary's last line and the reports' `verdict`."""
    counts: dict[str, int] = {}
    for outcome in result.outcomes:
        counts[outcome.word] = counts.get(outcome.word, 0) + 1
    told = ", ".join(f"{counts.get(word, 0)} {word}" for word in ("ok", "DIFF", "skipped"))
    if result.interrupted:
        reached = {outcome.step.number for outcome in result.outcomes}
        left = sum(step.number not in reached for step in result.plan.replayed)  # steps it would have sent
        return f"interrupted after {count(len(result.outcomes), 'step')}: no verdict ({count(left, 'step')} not replayed) ({told})"
    if result.differences:
        return f"{base_url} answers the recorded session differently: {len(result.rules())} rule(s) broken ({told})"
    if not result.replayed:
        return f"no verdict: no step of the recording could be replayed ({told})"
    return f"{base_url} answers the recorded session as the contract did ({told})"


def to_report(result: Replay, target: Target, started: datetime, finished: datetime) -> Report:
    """The replay in the report model `leadkit verify` writes (evidence.py): a rule per broken rule, and the steps."""
    keys = target.key_variables()
    seen = Seen(load_spec())
    for outcome in result.outcomes:
        if outcome.target is not None:
            seen.record(outcome.target.method, urlsplit(outcome.target.url).path[len(urlsplit(target.base_url).path) :], outcome.target.status)
    rules = [
        RuleResult.of(
            rule,
            checked=len(shown),
            broken=len(shown),
            evidence=[evidence_of(o.target, f"step {o.step.number} ({o.step.label}): {message}", keys, f"step {o.step.number}") for o, message in shown],
        )
        for rule, shown in result.rules().values()
    ]
    notes = [result.cleanup] + [f"step {o.step.number} skipped: {o.reason}" for o in result.outcomes if o.word == "skipped"]
    return Report("replay", target.base_url, started, finished, verdict(result, target.base_url), result.exit_code, rules, seen.coverage(), len(result.outcomes), notes, ExitCode(result.exit_code).outcome, steps_of(result))


def steps_of(result: Replay) -> list[dict[str, Any]]:
    """The step-by-step result as plain data: the report's `steps`, in its JSON and its HTML."""
    return [
        {
            "entry": outcome.step.number,
            "request": outcome.step.label,
            "outcome": outcome.word,
            "reason": outcome.reason,
            "recordedStatus": outcome.step.recorded.status,
            "targetStatus": outcome.target.status if outcome.target else None,
            "differences": [{"rule": d.rule.id, "message": d.message} for d in outcome.differences]
            + [{"rule": b.rule.id, "message": b.message} for b in outcome.breaches],
            "recordedWrong": outcome.recorded_wrong,
        }
        for outcome in result.outcomes
    ]
