"""The target's connections, kept open and reused, one request at a time on each.

HTTP/1.1 written and parsed at the socket: a general-purpose client costs the proxy several
times what forwarding needs, and the proxy sits in every request's path.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from urllib.parse import urlsplit

from .connection import LARGE, Connection, Stale, UpstreamError
from .messages import Answer

__all__ = ["Pool", "UpstreamError"]

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
CONNECT_S = 10.0
IDLE_S = 3.0  # a connection idle longer may be one the server is closing: not reused


class Pool:
    """The target's connections: idle ones reused newest first, new ones opened as needed."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.authority = parts.netloc
        self.tls = ssl.create_default_context() if parts.scheme == "https" else None
        self.idle: deque[Connection] = deque()

    async def request(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        """Send one request, return the whole answer; raises UpstreamError."""
        lines = [f"{method} {target} HTTP/1.1\r\nHost: {self.authority}\r\n"]
        lines += [f"{name}: {value}\r\n" for name, value in headers]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}\r\n")
        if len(body) > LARGE:
            lines.append("Expect: 100-continue\r\n")
        lines.append("\r\n")
        head = "".join(lines).encode("latin-1")
        while True:
            connection, reused = await self._take()
            try:
                answer = await connection.exchange(head, body, method == "HEAD")
            except Stale:
                if reused and method in IDEMPOTENT:
                    continue  # the server closed it as it was taken: nothing was done, send again
                raise
            if connection.reusable:
                connection.idle_since = time.monotonic()
                self.idle.append(connection)
            elif connection.transport is not None:
                connection.transport.close()
            return answer

    async def _take(self) -> tuple[Connection, bool]:
        now = time.monotonic()
        while self.idle:
            connection = self.idle.pop()
            if connection.reusable and now - connection.idle_since < IDLE_S and connection.transport is not None and not connection.transport.is_closing():
                return connection, True
            if connection.transport is not None:
                connection.transport.close()
        loop = asyncio.get_running_loop()
        try:
            opening = loop.create_connection(Connection, self.host, self.port, ssl=self.tls)
            _, protocol = await asyncio.wait_for(opening, CONNECT_S)
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            raise UpstreamError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from exc
        return protocol, False

    def close(self) -> None:
        while self.idle:
            connection = self.idle.pop()
            if connection.transport is not None:
                connection.transport.close()
