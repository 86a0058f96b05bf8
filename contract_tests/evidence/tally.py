"""The findings of observed traffic, each with its curl, and the summary: what check, proxy and replay say of a Stream."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Iterable
from urllib.parse import urlsplit

from ..core.exchange import Exchange
from ..core.outcome import ExitCode
from ..engine import Breach
from ..engine.coverage import Seen
from ..engine.stream import Stream
from .text import count, curl

_PRIVATE = ("cookie", "proxy-authorization")  # never shown, never in a curl


class KeyNames:
    """Each key seen gets an environment variable's name, so none is ever printed."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def of(self, exchange: Exchange) -> dict[str, str]:
        for name, value in exchange.request_headers.items():
            if name.lower() == "authorization":
                token = value.strip().partition(" ")[2].strip() or value.strip()
                if token and token not in self.names:
                    count = len(self.names) + 1
                    self.names[token] = "LEADS_API_KEY" if count == 1 else "LEADS_SECOND_API_KEY" if count == 2 else f"LEADS_API_KEY_{count}"
        return self.names


def shown(exchange: Exchange) -> Exchange:
    """The exchange as a report may show it: cookies and proxy credentials left out."""
    headers = {name: value for name, value in exchange.request_headers.items() if name.lower() not in _PRIVATE}
    return replace(exchange, request_headers=headers)


@dataclass
class Finding:
    """One broken rule in one exchange, with what is needed to show and repeat it."""

    breach: Breach
    curl: str

    def to_json(self) -> dict[str, Any]:
        rule, exchange, earlier = self.breach.rule, self.breach.exchange, self.breach.earlier
        return {
            "entry": exchange.number,
            "rule": rule.id,
            "text": rule.text,
            "section": rule.section,
            "message": self.breach.message,
            "request": {"method": exchange.method, "url": exchange.url},
            "response": {"status": exchange.status, "excerpt": exchange.excerpt(240)},
            "earlier": None if earlier is None else {"entry": earlier.number, "method": earlier.method, "url": earlier.url, "status": earlier.status},
            "curl": self.curl,
        }

    def line(self) -> str:
        """One line, as the proxy prints it when it happens."""
        exchange = self.breach.exchange
        target = urlsplit(exchange.url)
        path = target.path + (f"?{target.query}" if target.query else "")
        return f"VIOLATION {self.breach.rule.id}: {exchange.method} {path} -> {exchange.status}: {self.breach.message}"

    def render(self) -> list[str]:
        rule, exchange, earlier = self.breach.rule, self.breach.exchange, self.breach.earlier
        place = f"entry {exchange.number}" if exchange.number is not None else "exchange"
        lines = [f"{place}: BROKEN {rule.id}: {rule.text}", f"  contract: {rule.section}", f"  why:      {self.breach.message}"]
        if earlier is not None:
            lines.append(f"  earlier:  entry {earlier.number}: {earlier.method} {earlier.url} -> {earlier.status}")
        lines += [
            f"  request:  {exchange.method} {exchange.url}",
            f"  response: {exchange.status} {exchange.excerpt(240) if not exchange.response_omitted else '(body not recorded)'}",
            f"  curl:     {self.curl}",
        ]
        return lines


@dataclass
class Tally:
    """The findings of one stream of traffic, with what is needed to show and repeat each; the counts are the stream's."""

    stream: Stream
    findings: list[Finding] = field(default_factory=list)  # kept with their evidence: the first `per_rule` of each rule
    upstream_errors: int = 0
    own_errors: int = 0  # requests the proxy could not forward for a limit of its own (out of open files): answered 503
    keys: KeyNames = field(default_factory=KeyNames)
    per_rule: int | None = None  # findings kept per rule (None: all); every one is counted in `rules`
    counts: Counter[str] = field(default_factory=Counter)  # rule id -> findings, kept or not
    cut_off: list[str] = field(default_factory=list)  # requests a stop cut off before their answer ("GET /path")
    grace: float = 0.0  # how long a stop waited for them

    @property
    def judged(self) -> int:
        return self.stream.judged

    @property
    def skipped(self) -> Counter[str]:
        return self.stream.skipped

    @property
    def read(self) -> Counter[str]:
        """Rule id -> the judged exchanges of the kind it reads (engine/reads.py)."""
        return self.stream.read

    @property
    def unjudged(self) -> dict[str, str]:
        return self.stream.unjudged

    @property
    def omitted(self) -> list[int]:
        return self.stream.omitted

    @property
    def seen(self) -> Seen | None:
        return self.stream.seen

    def add(self, breaches: list[Breach]) -> list[Finding]:
        """The findings of `breaches`, each counted; kept (with the exchange it holds) while its rule is under `per_rule`."""
        made = [Finding(breach, curl(shown(breach.exchange), self.keys.of(breach.exchange))) for breach in breaches]
        for finding in made:
            rule_id = finding.breach.rule.id
            self.counts[rule_id] += 1
            if self.per_rule is None or self.counts[rule_id] <= self.per_rule:
                self.findings.append(finding)
        return made

    @property
    def not_kept(self) -> dict[str, int]:
        """Rule id -> findings counted but not kept, for rules over `per_rule`."""
        limit = self.per_rule
        return {} if limit is None else {rule_id: n - limit for rule_id, n in self.counts.most_common() if n > limit}

    def _not_kept(self) -> list[str]:
        return [f"{n} more violations of {rule_id} not kept (the first {self.per_rule} of each rule are)" for rule_id, n in self.not_kept.items()]

    def _cut_off(self) -> list[str]:
        if not self.cut_off:
            return []
        listed = ", ".join(self.cut_off[:10]) + (" ..." if len(self.cut_off) > 10 else "")
        return [f"{count(len(self.cut_off), 'request')} cut off by the stop after the {self.grace:g} s grace period (--grace): {listed}; not judged, not recorded"]

    def notes(self) -> list[str]:
        """What was not judged, or judged only in part, in a sentence each (rules not judged aside)."""
        listed = ", ".join(f"{count} {why}" for why, count in self.skipped.most_common())
        not_judged = [f"{sum(self.skipped.values())} entries not judged: {listed}"] if self.skipped else []
        restarted = [f"the mock restarted {count(self.stream.restarts, 'time')} under the traffic (a new Leadkit-Mock-Instance): comparisons began afresh each time"] if self.stream.restarts else []
        return not_judged + restarted + self._upstream() + self._omitted() + self._unread() + self._cut_off() + self._not_kept()

    def _upstream(self) -> list[str]:
        own = [f"{self.own_errors} requests could not be forwarded: leadkit proxy ran out of open files (answered 503; not violations)"] if self.own_errors else []
        return ([f"{self.upstream_errors} requests found the upstream unreachable (answered 502; not violations)"] if self.upstream_errors else []) + own

    def _omitted(self) -> list[str]:
        if not self.omitted:
            return []
        total = self.stream.omitted_count
        entries = ", ".join(map(str, self.omitted[:10])) + (" ..." if total > len(self.omitted[:10]) else "")
        return [f"{total} responses had no recorded body; only their status and headers were judged (entries {entries})"]

    def _unread(self) -> list[str]:
        unread = self.stream.unread
        if not unread:
            return []
        why = ", ".join(f"{reason}: {count}" for reason, count in unread.most_common())
        return [f"{sum(unread.values())} responses not judged by body ({why}): only their status and headers were judged"]

    @property
    def rules(self) -> Counter[str]:
        return self.counts

    def summary(self, what: str) -> list[str]:
        lines = []
        skipped = ", ".join(f"{count} {why}" for why, count in self.skipped.most_common())
        lines.append(f"{what}: {self.judged} API exchanges judged" + (f" ({skipped} not judged)" if skipped else ""))
        lines += [f"  {note}" for note in self._upstream()]
        lines += [f"  not judged: {rule_id}: {why}" for rule_id, why in self.unjudged.items()]
        lines += [f"  {note}" for note in self._omitted() + self._unread() + self._cut_off()]
        rules = self.rules
        if rules:
            listed = ", ".join(f"{rule_id} ({count})" for rule_id, count in rules.most_common())
            lines.append(f"  {count(sum(rules.values()), 'violation')} of {count(len(rules), 'rule')}: {listed}")
            lines += [f"  {note}" for note in self._not_kept()]
        lines.append(f"verdict: {self.verdict()}")
        return lines

    def exit_code(self) -> ExitCode:
        """Violations, else no verdict when nothing was judged, else conforms."""
        if self.counts:
            return ExitCode.VIOLATIONS
        return ExitCode.CONFORMS if self.judged else ExitCode.NO_VERDICT

    def verdict(self) -> str:
        """The verdict in one sentence: the summary's last line and the reports' `verdict`."""
        if self.counts:
            return "the traffic shows the API does NOT conform to the contract"
        if not self.judged:
            return "no verdict: no API exchange was judged" + (f" ({', '.join(f'{count} {why}' for why, count in self.skipped.most_common())})" if self.skipped else "")
        return "no violation in the traffic" + (" (some rules could not be judged, above)" if self.unjudged else "")

    def to_json(self, offset: int = 0, limit: int | None = None) -> dict[str, Any]:
        """The counts, and the findings kept (those from `offset`, `limit` of them)."""
        kept = self.findings[offset:] if limit is None else self.findings[offset : offset + limit]
        return {
            "judged": self.judged,
            "skipped": dict(self.skipped),
            "violations": [finding.to_json() for finding in kept],
            "rules": dict(self.rules),
            "notKept": self.not_kept,
            "unjudged": self.unjudged,
            "omittedBodies": self.omitted,  # the first 10 entries' numbers
            "omittedBodiesCount": self.stream.omitted_count,
            "notJudgedByBody": dict(self.stream.unread),
            "upstreamErrors": self.upstream_errors,
            "ownErrors": self.own_errors,
            "cutOff": self.cut_off,
        }


def judge_recording(exchanges: Iterable[Exchange], base_url: str | None = None, coverage: bool = False, per_rule: int | None = None) -> Tally:
    """A recording's API exchanges judged in the order they ended (one judge per origin); the findings in entry order."""
    tally = Tally(Stream(base_url=base_url or "", coverage=coverage), per_rule=per_rule)
    for _, breaches in tally.stream.recording(exchanges):
        tally.add(breaches)
    tally.findings.sort(key=lambda finding: finding.breach.exchange.number or 0)
    return tally
