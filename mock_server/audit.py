"""The deletion audit log: every DELETE attempt, whatever its outcome."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, Iterable, Protocol

from .clock import Clock, format_ms

MAX_ENTRIES = 100_000  # the oldest entries go first beyond this


class AuditJournal(Protocol):
    """Where a persistent mock writes each entry before the DELETE is answered."""

    def audit_recorded(self, entry: dict[str, Any]) -> None: ...

    def audit_cleared(self) -> None: ...


class AuditLog:
    def __init__(self, clock: Clock, journal: AuditJournal | None = None) -> None:
        self._clock = clock
        self._entries: deque[dict[str, Any]] = deque(maxlen=MAX_ENTRIES)
        self._lock = threading.Lock()
        self.journal = journal

    def load(self, entries: Iterable[dict[str, Any]]) -> None:
        """Entries kept from an earlier run, oldest first."""
        with self._lock:
            self._entries.extend(entries)

    def record(self, workspace_id: str | None, lead_id: str, status: int, simulated: bool = False) -> None:
        """`simulated`: a forced response or an injected fault answered; nothing was deleted."""
        outcome = "simulated" if simulated else "deleted" if status == 200 else "refused"
        entry = {
            "time": format_ms(self._clock.now_ms()),
            "workspaceId": workspace_id,
            "leadId": lead_id,
            "status": status,
            "outcome": outcome,
        }
        with self._lock:
            if self.journal is not None:
                self.journal.audit_recorded(entry)
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """Oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            if self.journal is not None:
                self.journal.audit_cleared()
            self._entries.clear()
