"""`--state PATH`: the store's journal in SQLite, so state outlives the process, even `kill -9`.

Every change is one transaction, committed (WAL, `synchronous=FULL`) inside the store's lock
before the request is answered: whatever a client saw acknowledged is on disk. Deleted ids
are kept, so no id comes back after a restart. The app is built in the parent process and
Granian forks its worker, so a connection is never carried across a fork: the parent closes
its own after loading, and each process opens one lazily on its first write.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .clock import parse_timestamp
from .store import Lead

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS leads (id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS retired (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
"""


class StateError(Exception):
    """A state file that cannot be used; the message names the file."""


@dataclass
class SavedState:
    leads: list[Lead]
    retired_ids: set[str]
    audit: list[dict[str, Any]] = field(default_factory=list)


class SqliteJournal:
    """Implements the store's `Journal` (and the audit log's) on one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._inherited: list[sqlite3.Connection] = []
        self._claim: int | None = None  # a locked file descriptor while this mock owns the file

    def claim(self) -> None:
        """Own the file until release: two mocks on one file would overwrite each other's state.

        An flock on a file beside it (not on the database, whose POSIX locks belong to SQLite);
        the forked worker inherits it, and it goes when the last process holding it ends.
        """
        fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StateError(f"{self.path} is in use by another leadkit mock; give each mock its own --state") from None
        self._claim = fd

    def release(self) -> None:
        """Close the connection and give up the claim (an app being discarded)."""
        self.close()
        if self._claim is not None:
            os.close(self._claim)
            self._claim = None

    def load(self, check_lead: Callable[[Any], str | None]) -> SavedState | None:
        """What the file holds, or None when it is new (or was never fully written).

        Every row is checked as a fixture's lead is (`check_lead`), so a damaged file stops
        start-up with the row at fault rather than being served; a 0-byte file is damaged
        too (only a missing file is new).
        """
        self._refuse_unusable()
        with self._lock:
            conn = self._connection()
            try:
                version = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
                if version is None:
                    return None
                if version[0] != SCHEMA_VERSION:
                    raise StateError(f"{self.path}: state file format {version[0]} is not {SCHEMA_VERSION}")
                rows = conn.execute("SELECT id, workspace_id, body FROM leads ORDER BY id").fetchall()
                retired = {row[0] for row in conn.execute("SELECT id FROM retired")}
                entries = conn.execute("SELECT seq, entry FROM audit ORDER BY seq").fetchall()
            except sqlite3.DatabaseError as exc:
                raise StateError(f"{self.path}: cannot read state: {exc}") from None
        leads = [self._lead(row, check_lead) for row in rows]
        audit = [self._audit_entry(seq, entry) for seq, entry in entries]
        if not all(isinstance(i, str) for i in retired):
            raise StateError(f"{self.path}: retired: an id that is not text")
        return SavedState(leads, retired, audit)

    def _refuse_unusable(self) -> None:
        if not self.path.exists():
            return
        try:
            size = self.path.stat().st_size
            with open(self.path, "rb"):
                pass
        except OSError as exc:
            raise StateError(f"{self.path}: cannot read state file: {exc.strerror}") from None
        if size == 0:
            raise StateError(
                f"{self.path}: state file is empty (0 bytes), not a saved state; remove it to start from the fixtures"
            )

    def _lead(self, row: tuple[Any, Any, Any], check_lead: Callable[[Any], str | None]) -> Lead:
        lead_id, workspace_id, body = row
        where = f"{self.path}: leads row {str(lead_id)[:40]}"
        try:
            data = json.loads(body)
        except (TypeError, ValueError) as exc:
            raise StateError(f"{where}: not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise StateError(f"{where}: the lead is {type(data).__name__}, not an object")
        problem = check_lead(data)
        if problem is None and data["id"] != lead_id:
            problem = f"id {data['id']!r} is not the row's id"
        if problem is None and (not isinstance(workspace_id, str) or data.get("workspaceId", workspace_id) != workspace_id):
            problem = f"workspaceId {data.get('workspaceId')!r} is not the row's {workspace_id!r}"
        if problem is not None:
            raise StateError(f"{where}: {problem}")
        return Lead.from_dict(data, workspace_id)

    def _audit_entry(self, seq: int, text: Any) -> dict[str, Any]:
        where = f"{self.path}: audit row {seq}"
        try:
            entry = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise StateError(f"{where}: not JSON: {exc}") from None
        problem = _audit_problem(entry)
        if problem is not None:
            raise StateError(f"{where}: {problem}")
        found: dict[str, Any] = entry
        return found

    def initialize(self, leads: Iterable[Lead]) -> None:
        """Write a new file's starting state in one transaction: a crash leaves it new."""
        with self._transaction() as conn:
            self._write_leads(conn, leads)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))

    # The store's Journal protocol: called inside the store's lock, before the write is acknowledged.

    def lead_saved(self, lead: Lead) -> None:
        with self._transaction() as conn:
            self._write_leads(conn, [lead])

    def lead_deleted(self, lead_id: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM leads WHERE id = ?", (lead_id,))
            conn.execute("INSERT OR IGNORE INTO retired VALUES (?)", (lead_id,))

    def state_replaced(self, leads: list[Lead], retired_ids: set[str]) -> None:
        """`retired_ids` is the whole set now: a reset may bring a fixture lead's id back to life."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM leads")
            conn.execute("DELETE FROM retired")
            self._write_leads(conn, leads)
            conn.executemany("INSERT INTO retired VALUES (?)", ((i,) for i in sorted(retired_ids)))

    # The audit log's journal.

    def audit_recorded(self, entry: dict[str, Any]) -> None:
        with self._transaction() as conn:
            conn.execute("INSERT INTO audit (entry) VALUES (?)", (json.dumps(entry),))

    def audit_cleared(self) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM audit")

    def close(self) -> None:
        """Close this process's connection; the next write opens a new one."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction under the journal's lock; rolled back if anything fails."""
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _connection(self) -> sqlite3.Connection:
        if self._conn is not None and self._pid != os.getpid():
            # Opened before a fork: closing it here could disturb the parent's locks and WAL,
            # so it is only set aside, never used again.
            self._inherited.append(self._conn)
            self._conn = None
        if self._conn is None:
            try:
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")  # acknowledged means on disk, power loss included
                conn.executescript(_SCHEMA)
            except sqlite3.DatabaseError as exc:
                raise StateError(f"{self.path}: not a usable SQLite state file: {exc}") from None
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    @staticmethod
    def _write_leads(conn: sqlite3.Connection, leads: Iterable[Lead]) -> None:
        conn.executemany(
            "INSERT OR REPLACE INTO leads VALUES (?, ?, ?)",
            ((lead.id, lead.workspace_id, json.dumps(lead.to_dict())) for lead in leads),
        )


_OUTCOMES = ("deleted", "refused", "simulated")


def _audit_problem(entry: Any) -> str | None:
    """What is wrong with a saved audit entry, None when it is one the audit log writes."""
    if not isinstance(entry, dict):
        return f"the entry is {type(entry).__name__}, not an object"
    when = entry.get("time")
    try:
        parse_timestamp(when) if isinstance(when, str) else None
    except ValueError:
        when = None
    if not isinstance(when, str):
        return f"time {entry.get('time')!r} is not a timestamp like 2024-01-15T10:30:00.000Z"
    if not (entry.get("workspaceId") is None or isinstance(entry.get("workspaceId"), str)):
        return "workspaceId is neither text nor null"
    if not isinstance(entry.get("leadId"), str):
        return "leadId is not text"
    status = entry.get("status")
    if isinstance(status, bool) or not isinstance(status, int):
        return f"status {status!r} is not an HTTP status"
    if entry.get("outcome") not in _OUTCOMES:
        return f"outcome {entry.get('outcome')!r} is not one of {', '.join(_OUTCOMES)}"
    return None
