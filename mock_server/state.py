"""What one mock world owns (the root's kept in `app.extensions`, so two apps never share it), and which world a request is in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, request

from .audit import AuditLog
from .faults import FailRate, Latency, RateLimiter
from .fixtures import Fixtures
from .forced import ForcedResponses
from .persistence import SqliteJournal
from .requestlog import RequestLog
from .store import Lead, LeadStore
from .validation import OperationChecks

EXTENSION = "leadkit"
# In the WSGI environ: the world a request was sent to (a sandbox, sandboxes.py); absent for the root.
WORLD = "leadkit.world"
# ... and that sandbox's path, `/sandboxes/NAME`, however it was named (header or prefix).
SANDBOX_BASE = "leadkit.sandbox_base"


@dataclass
class MockState:
    spec: dict[str, Any]
    checks: dict[str, OperationChecks]  # by operationId
    fixtures: Fixtures
    keys: dict[str, str]  # API key -> workspace id
    store: LeadStore
    audit: AuditLog
    max_body: int  # bytes: MAX_CONTENT_LENGTH, read once
    # The spec's examples: read-only, so every world of one mock shares one (made here if not given).
    forced: ForcedResponses = None  # type: ignore[assignment]
    # Extra starting leads (`--generate`); a reset brings them back.
    generated: list[Lead] = field(default_factory=list)
    requests: RequestLog = field(default_factory=lambda: RequestLog(200))
    latency: Latency | None = None
    fail_rate: FailRate | None = None
    limiter: RateLimiter | None = None
    journal: SqliteJournal | None = None

    def __post_init__(self) -> None:
        if self.forced is None:
            self.forced = ForcedResponses(self.spec)

    def starting_leads(self) -> list[Lead]:
        """The fixtures' leads and the generated ones (leads never change: sharing them is safe)."""
        return self.fixtures.leads() + self.generated

    def reset(self) -> None:
        """Back to the starting leads, audit log emptied; ids issued since stay retired."""
        self.store.replace(self.starting_leads())
        self.audit.clear()


def init_app(app: Flask, state: MockState) -> None:
    app.extensions[EXTENSION] = state


def state() -> MockState:
    """The world this request is in (a sandbox's, else the root's), for Flask's views (admin, docs)."""
    world: MockState | None = request.environ.get(WORLD)
    if world is not None:
        return world
    found: MockState = current_app.extensions[EXTENSION]
    return found
