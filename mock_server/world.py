"""One mock world and what it starts from: the root (the start options) and each sandbox (its own, read from a PUT body).

A world is a `MockState`: both fixture workspaces' leads, retired ids, clock, audit log, request
log and faults. What never changes is made once and shared by every world (`Shared`: the spec,
its compiled checks, its examples; `Recipe`: the parsed fixture leads and the generated ones,
which are immutable), so a sandbox costs only its own indexes: the store holds the very `Lead`
objects of the fixtures until a write replaces one (an update makes a new lead, store.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from .audit import AuditLog
from .clock import Clock
from .errors import validation_error
from .faults import FailRate, Latency, RateLimiter, parse_fail_rate, parse_latency, parse_rate_limit
from .fixtures import FixtureError, Fixtures, parse_workspaces
from .forced import ForcedResponses
from .ids import IdSource
from .requestlog import RequestLog
from .state import MockState
from .store import Lead, LeadStore
from .validation import OperationChecks

MAX_GENERATE = 10_000  # per workspace, for a sandbox's own `generate`: more would stall the mock as it is made
OPTIONS = ("fixtures", "generate", "seed", "latency", "failRate", "rateLimit")  # a sandbox's own, in a PUT body


@dataclass(frozen=True)
class Shared:
    """What every world of one mock reads and none changes."""

    spec: dict[str, Any]
    checks: dict[str, OperationChecks]
    forced: ForcedResponses
    max_body: int
    epoch_ms: int  # where a seeded clock starts
    recent_requests: int  # how many requests /__mock/requests remembers
    echo: bool  # one log line per request on standard output


@dataclass(frozen=True)
class Recipe:
    """What a world starts from: the start options for the root, a sandbox's own for a sandbox."""

    fixtures: Fixtures
    generate: int = 0
    generated: tuple[Lead, ...] = ()  # made from `generate`, shared by every world of this recipe
    seed: int | None = None
    latency: tuple[int, int] | None = None
    fail_rate: float = 0.0
    rate_limit: float | None = None  # requests per second per key

    def with_generated(self, epoch_ms: int) -> Recipe:
        """This recipe with its `generate` leads made (Faker; only when asked for)."""
        if not self.generate:
            return replace(self, generated=())
        from .generate import generate_leads

        before_ms = epoch_ms if self.seed is not None else time.time_ns() // 1_000_000
        workspace_ids = [ws.id for ws in self.fixtures.workspaces]
        taken = {lead.id for lead in self.fixtures.leads()}
        made = generate_leads(workspace_ids, self.generate, before_ms=before_ms, seed=self.seed, taken_ids=taken)
        return replace(self, generated=tuple(Lead.from_dict(data, ws) for ws, leads in made.items() for data in leads))


def build_world(recipe: Recipe, shared: Shared, label: str = "") -> MockState:
    """A fresh world, its store empty: the caller loads it (the starting leads, or a state file)."""
    seed = recipe.seed
    clock = Clock(start_ms=shared.epoch_ms) if seed is not None else Clock()
    world = MockState(
        shared.spec,
        shared.checks,
        recipe.fixtures,
        recipe.fixtures.keys(),
        LeadStore(clock, IdSource(seed)),
        AuditLog(clock),
        max_body=shared.max_body,
        forced=shared.forced,
        generated=list(recipe.generated),
        requests=RequestLog(shared.recent_requests, echo=shared.echo, label=label),
    )
    # Built only when set, so a plain world pays nothing for them.
    if recipe.latency is not None:
        world.latency = Latency(*recipe.latency, seed=seed)
    if recipe.fail_rate:
        world.fail_rate = FailRate(recipe.fail_rate, shared.forced, seed=seed)
    if recipe.rate_limit is not None:
        world.limiter = RateLimiter(recipe.rate_limit)
    return world


def started_world(recipe: Recipe, shared: Shared, label: str = "", retired: set[str] | frozenset[str] = frozenset()) -> MockState:
    """A world holding its starting leads; `retired`: ids it must never issue (a reset sandbox's)."""
    world = build_world(recipe, shared, label)
    starting = world.starting_leads()
    world.store.load(starting, retired - {lead.id for lead in starting})
    return world


def recipe_from(options: Any, start: Recipe, shared: Shared) -> Recipe:
    """A sandbox's own recipe from a `PUT /__mock/sandboxes/NAME` body: what it leaves out is as the mock started.

    Each option means what its flag means and is checked as the flag is; the first bad one is a
    400 naming it, and nothing is made.
    """
    if not isinstance(options, dict):
        raise validation_error([{"field": "body", "message": f"send a JSON object of options ({', '.join(OPTIONS)}), or no body"}])
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise validation_error([{"field": unknown[0], "message": f"unknown option; the options are {', '.join(OPTIONS)}"}])
    fixtures, generate, seed = start.fixtures, start.generate, start.seed
    latency, fail_rate, rate_limit = start.latency, start.fail_rate, start.rate_limit
    try:
        if "fixtures" in options:
            field = "fixtures"
            fixtures = Fixtures(start.fixtures.path.with_name("<inline>"), tuple(parse_workspaces("fixtures", options["fixtures"], shared.spec)))
        if "generate" in options:
            field = "generate"
            generate = _whole(options["generate"], 0, MAX_GENERATE)
        if "seed" in options:
            field = "seed"
            seed = None if options["seed"] is None else _whole(options["seed"], -(2**63), 2**63 - 1)
        if "latency" in options:
            field = "latency"
            latency = parse_latency(options["latency"])
        if "failRate" in options:
            field = "failRate"
            if isinstance(options["failRate"], bool):
                raise ValueError(f"fail rate must be a number from 0 to 1, got {options['failRate']!r}")
            fail_rate = parse_fail_rate(options["failRate"])
        if "rateLimit" in options:
            field = "rateLimit"
            rate_limit = parse_rate_limit(options["rateLimit"])
    except (ValueError, FixtureError) as exc:
        raise validation_error([{"field": field, "message": str(exc).removeprefix("fixtures: ")}]) from None
    same_leads = fixtures is start.fixtures and generate == start.generate and seed == start.seed
    recipe = Recipe(fixtures, generate, start.generated if same_leads else (), seed, latency, fail_rate, rate_limit)
    return recipe if same_leads else recipe.with_generated(shared.epoch_ms)


def _whole(value: Any, least: int, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise ValueError(f"must be a whole number from {least} to {most}, got {value!r}")
    return value
