"""What one mock app owns, kept in `app.extensions` so two apps never share it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from .audit import AuditLog
from .fixtures import Fixtures
from .store import LeadStore
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

    def reset(self) -> None:
        """Back to the fixtures; ids issued since stay retired."""
        self.store.clear()
        self.store.load(self.fixtures.leads())
        self.audit.clear()


def init_app(app: Flask, state: MockState) -> None:
    app.extensions[EXTENSION] = state


def state() -> MockState:
    found: MockState = current_app.extensions[EXTENSION]
    return found


def store() -> LeadStore:
    return state().store
