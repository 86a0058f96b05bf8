"""The deletion audit log: every DELETE attempt, whatever its outcome."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, Iterable, Protocol

from .clock import Clock, format_ms, parse_timestamp

MAX_ENTRIES = 100_000  # the oldest entries go first beyond this
# time ms, workspace id, lead id, status, outcome: ~90 bytes where a dict took ~265 (18 MB
# of a full log), and strings shared with the request rather than formatted per entry.
Entry = tuple[int, str | None, str, int, str]


class AuditJournal(Protocol):
    """Where a persistent mock writes each entry before the DELETE is answered."""

    def audit_recorded(self, entry: dict[str, Any]) -> None: ...

    def audit_cleared(self) -> None: ...


class AuditLog:
    def __init__(self, clock: Clock, journal: AuditJournal | None = None) -> None:
        self._clock = clock
        self._entries: deque[Entry] = deque(maxlen=MAX_ENTRIES)
        self._lock = threading.Lock()
        self.journal = journal

    def load(self, entries: Iterable[dict[str, Any]]) -> None:
        """Entries kept from an earlier run, oldest first."""
        with self._lock:
            self._entries.extend(
                (parse_timestamp(e["time"]), e["workspaceId"], e["leadId"], e["status"], e["outcome"]) for e in entries
            )

    def record(self, workspace_id: str | None, lead_id: str, status: int, simulated: bool = False) -> None:
        """`simulated`: a forced response or an injected fault answered; nothing was deleted."""
        outcome = "simulated" if simulated else "deleted" if status == 200 else "refused"
        entry: Entry = (self._clock.now_ms(), workspace_id, lead_id, status, outcome)
        with self._lock:
            if self.journal is not None:
                self.journal.audit_recorded(_as_dict(entry))
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """Oldest first."""
        with self._lock:
            kept = list(self._entries)
        return [_as_dict(entry) for entry in kept]

    def clear(self) -> None:
        with self._lock:
            if self.journal is not None:
                self.journal.audit_cleared()
            self._entries.clear()


def _as_dict(entry: Entry) -> dict[str, Any]:
    when, workspace_id, lead_id, status, outcome = entry
    return {"time": format_ms(when), "workspaceId": workspace_id, "leadId": lead_id, "status": status, "outcome": outcome}
