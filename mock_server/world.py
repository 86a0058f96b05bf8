"""One mock world and what it starts from: the root (the start options) and each sandbox (its own).

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
from .faults import FailRate, Latency, RateLimiter
from .fixtures import Fixtures
from .forced import ForcedResponses
from .ids import IdSource
from .requestlog import RequestLog
from .state import MockState
from .store import Lead, LeadStore
from .validation import OperationChecks


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
