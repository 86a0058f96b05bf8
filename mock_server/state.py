"""What one mock app owns, kept in `app.extensions` so two apps never share it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from .audit import AuditLog
from .faults import FailRate, Latency, RateLimiter
from .fixtures import Fixtures
from .forced import ForcedResponses
from .persistence import SqliteJournal
from .requestlog import RequestLog
from .store import Lead, LeadStore
from .validation import OperationChecks

EXTENSION = "leadkit"


@dataclass
class MockState:
    spec: dict[str, Any]
    checks: dict[str, OperationChecks]  # by operationId
    fixtures: Fixtures
    keys: dict[str, str]  # API key -> workspace id
    store: LeadStore
    audit: AuditLog
    max_body: int  # bytes: MAX_CONTENT_LENGTH, read once
    forced: ForcedResponses = field(init=False)
    # Extra starting leads (`--generate`); a reset brings them back.
    generated: list[Lead] = field(default_factory=list)
    requests: RequestLog = field(default_factory=lambda: RequestLog(200))
    latency: Latency | None = None
    fail_rate: FailRate | None = None
    limiter: RateLimiter | None = None
    journal: SqliteJournal | None = None

    def __post_init__(self) -> None:
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
    """The app's state, for Flask's views (admin, docs); api.py holds it directly."""
    found: MockState = current_app.extensions[EXTENSION]
    return found
