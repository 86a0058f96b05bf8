"""Every request remembered briefly (for `/__mock/requests`) and, when asked, one log line each."""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from typing import Any

from .call import wsgi_text
from .clock import format_ms

# Set in the WSGI environ when `--fail-rate` answered instead of the API: the log says so,
# so an injected 500 is never taken for the mock's (or the app's) own bug.
INJECTED = "leadkit.injected"
# The admin API's and the docs' own calls would crowd the app's out of the list.
NOT_LISTED = ("/__mock/", "/docs", "/openapi.")


class RequestLog:
    """The most recent requests, oldest first: time, method, path, query, status, milliseconds, injected."""

    def __init__(self, size: int, echo: bool = False, label: str = "") -> None:
        self.echo = echo
        self.label = label  # before each log line: a sandbox's name, so its lines are told from the root's
        self._recent: deque[tuple[int, str, str, str, int, float, bool]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(self, method: str, path: str, query: str, status: int, ms: float, injected: bool = False) -> None:
        """`path` as WSGI gives it (UTF-8 bytes read as Latin-1); decoded only when shown."""
        if self.echo:
            shown = wsgi_text(path)
            target = f"{shown}?{query}" if query else shown
            mark = " (injected by --fail-rate)" if injected else ""
            try:
                sys.stdout.write(f"{self.label}{method} {target} {status} {ms:.1f}ms{mark}\n")
                sys.stdout.flush()
            except (OSError, ValueError):  # output closed (`leadkit mock | head`): serve on, silently
                self.echo = False
        if not path.startswith(NOT_LISTED):
            with self._lock:
                self._recent.append((time.time_ns() // 1_000_000, method, path, query, status, ms, injected))

    def entries(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Oldest first; the last `limit` only when given."""
        with self._lock:
            recent = list(self._recent)
        if limit is not None:
            recent = recent[-limit:] if limit else []
        return [
            {
                "time": format_ms(when), "method": method, "path": wsgi_text(path), "query": query,
                "status": status, "ms": round(ms, 3), "injected": injected,
            }  # fmt: skip
            for when, method, path, query, status, ms, injected in recent
        ]

    def clear(self) -> None:
        with self._lock:
            self._recent.clear()
