"""Every request remembered briefly (for `/__mock/requests`) and, when asked, one log line each."""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from typing import Any

from flask import Flask, g, request
from flask.wrappers import Response

from .clock import format_ms

# The admin API's and the docs' own calls would crowd the app's out of the list.
NOT_LISTED = ("/__mock/", "/docs", "/openapi.")


class RequestLog:
    """The most recent requests, oldest first: time, method, path, query, status, milliseconds."""

    def __init__(self, size: int, echo: bool = False) -> None:
        self.echo = echo
        self._recent: deque[tuple[int, str, str, str, int, float]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(self, method: str, path: str, query: str, status: int, ms: float) -> None:
        if self.echo:
            target = f"{path}?{query}" if query else path
            sys.stdout.write(f"{method} {target} {status} {ms:.1f}ms\n")
            sys.stdout.flush()
        if not path.startswith(NOT_LISTED):
            with self._lock:
                self._recent.append((time.time_ns() // 1_000_000, method, path, query, status, ms))

    def entries(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Oldest first; the last `limit` only when given."""
        with self._lock:
            recent = list(self._recent)
        if limit is not None:
            recent = recent[-limit:] if limit else []
        return [
            {"time": format_ms(when), "method": method, "path": path, "query": query, "status": status, "ms": round(ms, 3)}
            for when, method, path, query, status, ms in recent
        ]

    def clear(self) -> None:
        with self._lock:
            self._recent.clear()


def _start() -> None:
    g.started = time.perf_counter()


def _finish(log: RequestLog) -> Any:
    def finish(response: Response) -> Response:
        started = g.get("started")
        ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        environ = request.environ
        log.record(
            request.method, request.path, environ.get("QUERY_STRING", ""), response.status_code, ms
        )
        return response

    return finish


def init_app(app: Flask, log: RequestLog) -> None:
    """Register first, so the clock starts before any other hook and stops after all of them."""
    app.before_request(_start)
    app.after_request(_finish(log))
