"""Which documented (operation, status) pairs a stream of traffic reached: the coverage every feed records."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mock_server.spec import HTTP_METHODS


@dataclass
class OperationCoverage:
    method: str
    path: str
    seen: dict[int, int]  # each documented status -> how many responses had it (0: never seen)
    undocumented: dict[int, int] = field(default_factory=dict)  # statuses seen that the spec does not list

    @property
    def missing(self) -> list[int]:
        return [status for status, count in self.seen.items() if not count]


@dataclass
class Coverage:
    operations: list[OperationCoverage]

    @property
    def missing(self) -> list[tuple[str, int]]:
        """(operation, status) for every documented status never seen."""
        return [(f"{op.method} {op.path}", status) for op in self.operations for status in op.missing]

    @property
    def required_missing(self) -> list[tuple[str, int]]:
        """The documented statuses never seen that a conforming deployment must be able to show.

        Not a 429 (it needs a rate limit the deployment may not have) and never a 5xx (a 500 must
        never happen): those are documented for clients to handle, not for a run to provoke.
        """
        return [(operation, status) for operation, status in self.missing if status != 429 and status < 500]


class Seen:
    """Which (operation, status) pairs a run saw; safe to feed from many threads."""

    def __init__(self, spec: dict[str, Any], base_path: str = "") -> None:
        self.base_path = base_path.rstrip("/")
        self.documented = {
            (method.upper(), path): sorted(int(status) for status in operation.get("responses", {}) if str(status).isdigit())
            for path, item in spec.get("paths", {}).items()
            for method, operation in item.items()
            if method in HTTP_METHODS and isinstance(operation, dict)
        }
        self._templates = [(re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]*", re.escape(path)) + "$"), path) for _, path in self.documented]
        self._counts: Counter[tuple[str, str, int]] = Counter()
        self._lock = threading.Lock()

    def record(self, method: str, url_path: str, status: int) -> None:
        path = url_path[len(self.base_path) :] if url_path.startswith(self.base_path) else url_path
        for pattern, template in self._templates:
            if (method.upper(), template) in self.documented and pattern.match(path):
                with self._lock:
                    self._counts[(method.upper(), template, status)] += 1
                return

    def coverage(self) -> Coverage:
        with self._lock:
            counts = dict(self._counts)
        operations = []
        for (method, path), statuses in self.documented.items():
            seen = {status: counts.get((method, path, status), 0) for status in statuses}
            extra = {status: n for (m, p, status), n in counts.items() if (m, p) == (method, path) and status not in seen}
            operations.append(OperationCoverage(method, path, seen, dict(sorted(extra.items()))))
        return Coverage(operations)
