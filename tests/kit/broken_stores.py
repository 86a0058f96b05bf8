"""LeadStore subclasses that get one rule of the domain wrong each, swapped into one mock app."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from planting import everything, page_of

from mock_server.store import Lead, LeadNotFound, LeadStore, Page


class KeepsDeleted(LeadStore):
    """A deleted lead still answers GET, as it was."""

    def delete(self, workspace_id: str, lead_id: str) -> int:
        self.__dict__.setdefault("graveyard", {})[lead_id] = self.get(workspace_id, lead_id)
        return super().delete(workspace_id, lead_id)

    def get(self, workspace_id: str, lead_id: str) -> Lead:
        try:
            return super().get(workspace_id, lead_id)
        except LeadNotFound:
            ghost: Lead | None = self.__dict__.get("graveyard", {}).get(lead_id)
            if ghost is None or ghost.workspace_id != workspace_id:
                raise
            return ghost


class _ThisIdFirst:
    def __init__(self, lead_id: str, then: Any) -> None:
        self.lead_id: str | None = lead_id
        self.then = then

    def candidate(self) -> str:
        lead_id, self.lead_id = self.lead_id, None
        return lead_id or self.then.candidate()


class ReusesIds(LeadStore):
    """The next create gets the id of the lead deleted last."""

    def delete(self, workspace_id: str, lead_id: str) -> int:
        deleted = super().delete(workspace_id, lead_id)
        self._issued.discard(lead_id)
        self._ids = _ThisIdFirst(lead_id, self._ids)  # type: ignore[assignment]
        return deleted


class CountsDeleted(LeadStore):
    """Totals still count deleted leads."""

    def delete(self, workspace_id: str, lead_id: str) -> int:
        self.__dict__.setdefault("gone", Counter())[workspace_id] += 1
        return super().delete(workspace_id, lead_id)

    def find(self, workspace_id: str, **query: Any) -> Page:
        page = super().find(workspace_id, **query)
        return replace(page, total=page.total + self.__dict__.get("gone", Counter())[workspace_id])


class ReplacesMetadata(LeadStore):
    """PUT replaces metadata with what was sent instead of merging it."""

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        if isinstance(changes.get("metadata"), dict):
            super().update(workspace_id, lead_id, {"metadata": None})
        return super().update(workspace_id, lead_id, changes)


class NullKeepsPhoneAndSource(LeadStore):
    """PUT with phone or source null leaves the old value."""

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        kept = {name: value for name, value in changes.items() if value is not None or name not in ("phone", "source")}
        return super().update(workspace_id, lead_id, kept)


class KeepsUpdatedAt(LeadStore):
    """PUT leaves updatedAt as it was."""

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        before = self.get(workspace_id, lead_id).updated_ms
        lead = super().update(workspace_id, lead_id, changes)
        lead.updated_ms = before
        return lead


class IgnoresStatusFilter(LeadStore):
    """status= filters nothing."""

    def find(self, workspace_id: str, **query: Any) -> Page:
        return super().find(workspace_id, **{**query, "status": None})


class SourcePrefixMatch(LeadStore):
    """source= matches any source that starts with it."""

    def find(self, workspace_id: str, *, page: int = 1, limit: int = 10, source: str | None = None, **filters: Any) -> Page:
        leads = [lead for lead in everything(self, workspace_id, **filters) if not source or (lead.source or "").startswith(source)]
        return page_of(leads, page, limit)


class CaseSensitiveSearch(LeadStore):
    """search= minds case."""

    def find(self, workspace_id: str, *, page: int = 1, limit: int = 10, search: str | None = None, **filters: Any) -> Page:
        leads = [lead for lead in everything(self, workspace_id, **filters) if not search or search in f"{lead.name} {lead.email}"]
        return page_of(leads, page, limit)


class OldestFirst(LeadStore):
    """The list is oldest first."""

    def find(self, workspace_id: str, *, page: int = 1, limit: int = 10, **filters: Any) -> Page:
        return page_of(everything(self, workspace_id, **filters)[::-1], page, limit)


class ListsEveryWorkspace(LeadStore):
    """The list shows the leads of every workspace."""

    def find(self, workspace_id: str, *, page: int = 1, limit: int = 10, **filters: Any) -> Page:
        leads = [lead for ws in list(self._order) for lead in everything(self, ws, **filters)]
        return page_of(sorted(leads, key=lambda lead: lead.order_key, reverse=True), page, limit)


