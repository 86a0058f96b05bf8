"""The deletion audit log: every DELETE attempt, whatever its outcome."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from .clock import Clock, format_ms

MAX_ENTRIES = 100_000  # the oldest entries go first beyond this


class AuditLog:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: deque[dict[str, Any]] = deque(maxlen=MAX_ENTRIES)
        self._lock = threading.Lock()

    def record(self, workspace_id: str | None, lead_id: str, status: int) -> None:
        entry = {
            "time": format_ms(self._clock.now_ms()),
            "workspaceId": workspace_id,
            "leadId": lead_id,
            "status": status,
            "outcome": "deleted" if status == 200 else "refused",
        }
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """Oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
