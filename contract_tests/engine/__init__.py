"""The contract's rules as functions over exchanges, for every feed: verify, proxy, HAR check, replay.

`Judge.judge(exchange)` runs the per-exchange rules (openapi.yaml, envelopes, HTTP, one list
page) and the cross-exchange ones (per lead and per key) and returns what it broke.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from mock_server.spec import load_spec

from ..core.exchange import Exchange
from ..core.rules import Rule
from . import across, openapi, per_exchange
from .across import Across, WritesPending
from .breach import Breach
from .openapi import SpecRules
from .reads import ReadCounts
from .view import Routes, View

__all__ = ["RULES", "Breach", "Judge", "SpecChecker", "View"]

# Every rule some judging module can report: each imports exactly the rules it judges, so a rule
# added to one is listed here without a second list to keep in step. By id, for reports.
RULES: tuple[Rule, ...] = tuple(
    sorted({rule.id: rule for module in (openapi, per_exchange, across) for rule in vars(module).values() if isinstance(rule, Rule)}.values(), key=lambda rule: rule.id)
)


class Judge:
    """One stream of traffic's judge; `keys_known` False when the recording stripped Authorization."""

    def __init__(self, spec: dict[str, Any] | None = None, base_path: str = "", keys_known: bool = True) -> None:
        self.spec = spec if spec is not None else load_spec()
        self.routes = Routes(self.spec)
        self.across = Across()
        self.base_path = base_path
        self.keys_known = keys_known
        self.reads = ReadCounts()  # per rule, the exchanges of the kind it reads (reads.py), judged here

    @cached_property
    def spec_rules(self) -> SpecRules:
        """Compiled when first judged: a judge that only routes (check's probe) never pays for it."""
        return SpecRules(self.spec)

    def view(self, exchange: Exchange) -> View:
        return self.routes.view(exchange, self.base_path)

    def forget(self) -> None:
        """The deployment's state was replaced (a mock's reset): what came before says nothing after."""
        self.across = Across()

    def one(self, exchange: Exchange) -> list[Breach]:
        """The per-exchange rules alone."""
        view = self.view(exchange)
        self.reads.add(view, across=False)
        return self.spec_rules.judge(view) + per_exchange.judge(view, self.keys_known)

    def across_only(self, exchange: Exchange) -> list[Breach]:
        """The cross-exchange rules alone, for an exchange another judge took on its own (Schemathesis's)."""
        view = self.view(exchange)
        self.reads.add(view, per_exchange=False)
        return self.across.observe(view)

    def judge(self, exchange: Exchange, pending: WritesPending | None = None) -> list[Breach]:
        """Every rule, this exchange against itself and against what ended before it began."""
        view = self.view(exchange)
        self.reads.add(view)
        found = self.spec_rules.judge(view) + per_exchange.judge(view, self.keys_known)
        found += self.across.observe(view, pending)
        exchange.release()  # the judge is its body's last reader
        return found


def is_preflight(exchange: Exchange) -> bool:
    if exchange.method.upper() != "OPTIONS":
        return False
    names = {name.lower() for name in exchange.request_headers}
    return "access-control-request-method" in names


class SpecChecker:
    """Responses against openapi.yaml alone, for a deployment at `base_url` (the mock's own tests use it)."""

    def __init__(self, base_url: str, spec: dict[str, Any] | None = None) -> None:
        self.spec = spec if spec is not None else load_spec()
        self.base_path = urlsplit(base_url).path.rstrip("/")
        self.routes = Routes(self.spec)
        self.rules = SpecRules(self.spec)

    def problems(self, exchange: Exchange) -> list[str]:
        """What is wrong with the response; empty when it conforms."""
        return [breach.message for breach in self.rules.judge(self.routes.view(exchange, self.base_path))]
