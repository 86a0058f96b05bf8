"""LeadStore subclasses with the races real servers ship: a read, a database round trip, then a write built on it.

Each is right one request at a time and wrong only when requests overlap, so only checks that
send requests together can see it. The round trip is long enough that requests released
together all read before any of them writes.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from broken_stores import _ThisIdFirst

from mock_server.store import Lead, LeadNotFound, LeadStore

ROUND_TRIP_S = 0.05  # between a read and the write built on it


class LosesConcurrentUpdates(LeadStore):
    """PUT builds the new lead on the one it read a round trip earlier, without a lock: the last writer wins."""

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        read = self.get(workspace_id, lead_id)
        time.sleep(ROUND_TRIP_S)
        with self._lock:
            self.get(workspace_id, lead_id)
            self._leads[lead_id] = read  # what this request read, not what is there now
            return super().update(workspace_id, lead_id, changes)


class StampsFromItsRead(LeadStore):
    """PUT stamps updatedAt from a seconds clock and the lead as it read it: simultaneous PUTs share a stamp."""

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        read = self.get(workspace_id, lead_id)
        stamp = max(self._clock.now_ms() // 1000 * 1000, read.updated_ms + 1)  # strictly later than what it read
        time.sleep(ROUND_TRIP_S)
        with self._lock:
            lead = super().update(workspace_id, lead_id, changes)  # the changes themselves are not lost
            lead.updated_ms = stamp
            return lead


class DeletesTwice(LeadStore):
    """DELETE checks the lead is there, then a round trip later deletes by id without looking at what it removed."""

    def delete(self, workspace_id: str, lead_id: str) -> int:
        self.get(workspace_id, lead_id)
        time.sleep(ROUND_TRIP_S)
        with self._lock:
            try:
                return super().delete(workspace_id, lead_id)
            except LeadNotFound:
                return self._clock.now_ms()  # no row affected, and nobody checked


class IdsFromACount(LeadStore):
    """create makes the id from the count of ids issued, read a round trip before its upsert: the later create wins."""

    def create(self, workspace_id: str, fields: dict[str, Any]) -> Lead:
        number = len(self._issued)
        time.sleep(ROUND_TRIP_S)
        with self._lock:
            lead_id = "lead_" + hashlib.sha256(str(number).encode()).hexdigest()[:16]
            overwritten = self._leads.pop(lead_id, None)
            if overwritten is not None:
                self._order[overwritten.workspace_id].remove(overwritten.order_key)
            self._issued.discard(lead_id)
            self._ids = _ThisIdFirst(lead_id, self._ids)  # type: ignore[assignment]
            return super().create(workspace_id, fields)
