"""What keeps the kit from damaging data: a ledger of what it made, and a guard on every write."""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import unquote, urlsplit

# Methods that change nothing on a server that follows HTTP; everything else is a write.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
TEST_SOURCE = "leadkit-test"  # the `source` of every lead the kit makes on purpose
RUN_KEY = "leadkitRun"  # the metadata key holding the run id


class GuardRefused(Exception):
    """The kit refused to send a request it cannot prove harmless."""


@dataclass
class Ledger:
    """Every lead the kit created in this run, and every lead id any response showed it."""

    run_id: str = field(default_factory=lambda: "run_" + secrets.token_hex(6))
    owned: dict[str, str] = field(default_factory=dict)  # lead id -> the API key that created it
    deleted: set[str] = field(default_factory=set)
    probes: set[str] = field(default_factory=set)  # ids the kit made up and confirmed absent
    # Every lead id a response showed, with the tick its response arrived at (see `tick`).
    seen: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    on_created: Callable[[str], None] | None = field(default=None, repr=False)  # told each lead id as it is made
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)
    _ticks: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def run_token(self) -> str:
        """The word every token of this run starts with: `search=` it to find the run's own leads."""
        return f"lk{self.run_id.removeprefix('run_')}"

    def token(self) -> str:
        """A word no lead outside this run contains, to find the run's leads by `search`."""
        return f"{self.run_token}n{next(self._numbers)}z"  # the z ends it: no token is part of another (n4z, n43z)

    def alive(self) -> dict[str, str]:
        """Leads the kit made and has not deleted (yet): what cleanup removes."""
        with self.lock:
            return {lead_id: key for lead_id, key in self.owned.items() if lead_id not in self.deleted}

    def observe(self, method: str, path: str, leads_path: str, status: int, key: str, body: Any) -> None:
        """Learn from one exchange: ids created, deleted and seen.

        `body` is the response's parsed JSON (Exchange.json). Whether a create reused an id is the
        engine's to judge (engine/across.py), on every exchange, as for every other feed.
        """
        if not 200 <= status < 300 or not isinstance(body, dict):
            return
        ids = _lead_ids(body.get("data"))
        with self.lock:
            received_at = next(self._ticks)
            created = method == "POST" and path == leads_path and status == 201 and ids and ids[0] not in self.owned
            if created:
                self.owned[ids[0]] = key
            if method == "DELETE" and status == 200 and path.startswith(leads_path + "/"):
                self.deleted.add(unquote(path[len(leads_path) + 1 :]))
            for lead_id in ids:
                self.seen.setdefault(lead_id, received_at)
        if created and self.on_created is not None:
            self.on_created(ids[0])  # outside the lock: it prints


def _lead_ids(data: Any) -> list[str]:
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return [data["id"]]
    if isinstance(data, dict) and isinstance(data.get("leads"), list):
        return [lead["id"] for lead in data["leads"] if isinstance(lead, dict) and isinstance(lead.get("id"), str)]
    return []


class Guard:
    """Refuses any write except a create, or an update or delete of a lead the kit created."""

    def __init__(self, leads_url: str, ledger: Ledger, read_only: bool) -> None:
        parts = urlsplit(leads_url)
        self.netloc = parts.netloc
        self.leads_path = parts.path
        self.ledger = ledger
        self.read_only = read_only

    def check(self, method: str, url: str) -> None:
        method = method.upper()
        if method in SAFE_METHODS:
            return
        if self.read_only:
            raise GuardRefused(f"--read-only: refused to send {method} {url}")
        parts = urlsplit(url)
        path = unquote(parts.path)
        if parts.netloc != self.netloc:
            raise GuardRefused(f"refused {method} {url}: not the deployment under test")
        if method == "POST" and path == self.leads_path:
            return  # a create: the lead it makes becomes the kit's
        lead_id = self.lead_id(path)
        if lead_id is not None and (lead_id in self.ledger.owned or lead_id in self.ledger.probes):
            return
        raise GuardRefused(f"refused {method} {url}: the kit did not create {lead_id or 'that resource'!r}")

    def lead_id(self, path: str) -> str | None:
        """The `{leadId}` of `/api/v1/leads/{leadId}`, else None."""
        prefix = self.leads_path + "/"
        if path.startswith(prefix) and "/" not in path[len(prefix) :] and path != prefix:
            return path[len(prefix) :]
        return None
