"""The leads of every workspace, in memory: the domain's rules and nothing of HTTP."""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from .clock import Clock, format_ms, parse_timestamp
from .ids import IdSource
from .jsonform import dumps
from .listing import Listing, haystack
from .merge_patch import merge_patch

# Fields a client may set; the rest (id, timestamps, workspace) belong to the store.
WRITABLE = ("name", "email", "phone", "source", "status", "metadata")


class LeadNotFound(Exception):
    """No lead with this id in this workspace (or anywhere)."""

    def __init__(self, lead_id: str) -> None:
        super().__init__(lead_id)
        self.lead_id = lead_id


class Journal(Protocol):
    """Where a persistent store writes each change before it is acknowledged."""

    def lead_saved(self, lead: Lead) -> None: ...

    def lead_deleted(self, lead_id: str) -> None: ...

    def state_replaced(self, leads: list[Lead], retired_ids: set[str]) -> None: ...


@dataclass(slots=True)
class Lead:
    """One lead; never changed once made (an update makes a new one), so it can be shared."""

    id: str
    workspace_id: str
    name: str
    email: str
    phone: str | None
    source: str | None
    status: str
    # Kept as JSON: ~70 bytes where a dict and its values took ~290 (20 MB at 100k leads).
    encoded_metadata: bytes
    created_ms: int
    updated_ms: int
    # Its API form, encoded on first use: a GET or a list then joins bytes. Made lazily so a
    # large store costs no memory for leads nobody reads.
    _json: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def metadata(self) -> dict[str, Any]:
        """A new dict each time: changing it changes no lead."""
        found: dict[str, Any] = json.loads(self.encoded_metadata)
        return found

    @property
    def order_key(self) -> tuple[int, str]:
        return (self.created_ms, self.id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "source": self.source,
            "status": self.status,
            "metadata": self.metadata,
            "createdAt": format_ms(self.created_ms),
            "updatedAt": format_ms(self.updated_ms),
            "workspaceId": self.workspace_id,
        }

    def to_json(self) -> bytes:
        """`to_dict()` encoded as JSON, made once per lead."""
        if self._json is None:
            self._json = dumps(self.to_dict())
        return self._json

    @classmethod
    def from_dict(cls, data: dict[str, Any], workspace_id: str) -> Lead:
        """Build a lead from its API form (fixtures, saved state)."""
        created = parse_timestamp(data["createdAt"])
        updated = parse_timestamp(data.get("updatedAt", data["createdAt"]))
        return cls(
            id=data["id"],
            workspace_id=workspace_id,
            name=data["name"],
            email=data["email"],
            phone=data.get("phone"),
            # Interned: a few distinct values shared by every lead (~10 MB less at 100k leads).
            source=None if data.get("source") is None else sys.intern(data["source"]),
            status=sys.intern(data.get("status", "new")),
            encoded_metadata=dumps(data.get("metadata", {})),
            created_ms=created,
            # The same int object when equal, as it mostly is: 32 bytes a lead.
            updated_ms=created if updated == created else updated,
        )


@dataclass(frozen=True, slots=True)
class Page:
    leads: list[Lead]
    page: int
    limit: int
    total: int

    @property
    def total_pages(self) -> int:
        return -(-self.total // self.limit)

    def pagination(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "limit": self.limit,
            "total": self.total,
            "totalPages": self.total_pages,
            "hasNext": self.page < self.total_pages,
            "hasPrev": self.page > 1,
        }

    def to_json(self) -> bytes:
        """`{"leads": [...], "pagination": {...}}` as JSON, from the leads' own encoded forms."""
        leads = b",".join([lead.to_json() for lead in self.leads])
        return b"".join((b'{"leads":[', leads, b'],"pagination":', dumps(self.pagination()), b"}"))


class LeadStore:
    """Thread-safe: one lock serialises every read and write, so no update is lost."""

    def __init__(
        self, clock: Clock | None = None, ids: IdSource | None = None, journal: Journal | None = None
    ) -> None:
        self._clock = clock or Clock()
        self._ids = ids or IdSource()
        self.journal = journal
        self._lock = threading.RLock()
        self._leads: dict[str, Lead] = {}
        self._issued: set[str] = set()  # every id ever used, deleted ones included
        self._order: dict[str, Listing] = {}  # per workspace: its leads in list order

    def load(self, leads: Iterable[Lead], retired_ids: Iterable[str] = ()) -> None:
        """Add existing leads (fixtures, saved state) and ids that may never be issued again."""
        with self._lock:
            self._issued.update(retired_ids)
            for lead in leads:
                if lead.id in self._issued:
                    raise ValueError(f"lead id {lead.id} is used twice")
                self._insert(lead)

    def replace(self, leads: Iterable[Lead], retired_ids: Iterable[str] = ()) -> None:
        """Swap in a whole set of leads (reset, import); every id issued so far stays retired.

        A lead given here may bring back its own id (a reset restores the fixtures); no
        create will ever issue that id, or any id issued before, again.
        """
        leads = list(leads)
        live = {lead.id for lead in leads}
        if len(live) != len(leads):
            raise ValueError("a lead id is used twice")
        with self._lock:
            if self.journal is not None:
                self.journal.state_replaced(leads, (self._issued | set(retired_ids)) - live)
            self._leads.clear()
            self._order.clear()
            self._issued.update(retired_ids)
            for lead in leads:
                self._insert(lead)

    def create(self, workspace_id: str, fields: dict[str, Any]) -> Lead:
        with self._lock:
            lead_id = self._fresh_id()
            now = self._clock.now_ms()
            lead = Lead(
                id=lead_id,
                workspace_id=workspace_id,
                name=fields["name"],
                email=fields["email"],
                phone=fields.get("phone"),
                source=fields.get("source"),
                status=fields.get("status", "new"),
                encoded_metadata=dumps(fields.get("metadata", {})),
                created_ms=now,
                updated_ms=now,
            )
            self._write(lead)
            self._insert(lead)
            return lead

    def reserve_id(self) -> str:
        """A fresh id, retired at once (a forced 201 shows it): no create will ever issue it."""
        with self._lock:
            lead_id = self._fresh_id()
            if self.journal is not None:
                self.journal.lead_deleted(lead_id)  # kept as retired, across restarts too
            self._issued.add(lead_id)
            return lead_id

    def get(self, workspace_id: str, lead_id: str) -> Lead:
        lead = self._leads.get(lead_id)
        if lead is None or lead.workspace_id != workspace_id:
            raise LeadNotFound(lead_id)
        return lead

    def update(self, workspace_id: str, lead_id: str, changes: dict[str, Any]) -> Lead:
        """Partial update: absent fields stay, `metadata` is merge-patched, all or nothing."""
        with self._lock:
            old = self.get(workspace_id, lead_id)
            values = {name: changes.get(name, getattr(old, name)) for name in WRITABLE if name != "metadata"}
            metadata = old.encoded_metadata
            if "metadata" in changes:
                patch = changes["metadata"]
                metadata = dumps({} if patch is None else merge_patch(old.metadata, patch))
            new = Lead(
                id=old.id,
                workspace_id=workspace_id,
                created_ms=old.created_ms,
                # Strictly later than before, even twice in one millisecond.
                updated_ms=self._clock.now_ms(at_least=old.updated_ms + 1),
                encoded_metadata=metadata,
                **values,
            )
            self._write(new)
            self._leads[lead_id] = new
            self._order[workspace_id].change(new.order_key, haystack(new.name, new.email))
            return new

    def delete(self, workspace_id: str, lead_id: str) -> int:
        """Remove the lead for good; returns the deletion time in epoch milliseconds."""
        with self._lock:
            lead = self.get(workspace_id, lead_id)
            if self.journal is not None:
                self.journal.lead_deleted(lead_id)
            del self._leads[lead_id]
            self._order[workspace_id].remove(lead.order_key)
            return self._clock.now_ms(at_least=lead.updated_ms)  # never deleted before it was last updated

    def find(
        self,
        workspace_id: str,
        *,
        page: int = 1,
        limit: int = 10,
        status: str | None = None,
        source: str | None = None,
        search: str | None = None,
    ) -> Page:
        """Newest first, ties by id descending; filters combine with AND."""
        with self._lock:
            listing = self._order.get(workspace_id)
            if listing is None:
                return Page([], page, limit, 0)
            if status is None and source is None and not search:
                ids = listing.newest(page, limit)
                return Page([self._leads[i] for i in ids], page, limit, len(listing.keys))
            leads = self._leads

            def keep(lead_id: str) -> bool:
                lead = leads[lead_id]
                return (status is None or lead.status == status) and (source is None or lead.source == source)

            filters = (status, source, search.casefold() if search else None)
            matching = listing.matching(
                filters, None if status is None and source is None else keep, lambda i: (leads[i].name, leads[i].email)
            )
            start = (page - 1) * limit
            return Page([leads[i] for i in matching[start : start + limit]], page, limit, len(matching))

    def all_leads(self) -> list[Lead]:
        with self._lock:
            return list(self._leads.values())

    def last_ms(self) -> int:
        """The store's time now, without a reading its next write would notice (see Clock.last_ms)."""
        return self._clock.last_ms()

    def count(self) -> int:
        return len(self._leads)

    def issued_ids(self) -> frozenset[str]:
        """Every id issued so far, live or retired: what a world made in this one's place must never issue."""
        with self._lock:
            return frozenset(self._issued)

    def retired_ids(self) -> set[str]:
        """Ids issued once and deleted since: kept only to refuse their reuse."""
        with self._lock:
            return self._issued - self._leads.keys()

    def _fresh_id(self) -> str:
        lead_id = self._ids.candidate()
        while lead_id in self._issued:
            lead_id = self._ids.candidate()
        return lead_id

    def _write(self, lead: Lead) -> None:
        if self.journal is not None:
            self.journal.lead_saved(lead)

    def _insert(self, lead: Lead) -> None:
        self._issued.add(lead.id)
        self._leads[lead.id] = lead
        listing = self._order.get(lead.workspace_id)
        if listing is None:
            listing = self._order[lead.workspace_id] = Listing()
        listing.add(lead.order_key, haystack(lead.name, lead.email))
