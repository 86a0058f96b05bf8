"""The target's connections, kept open and reused, one request at a time on each.

HTTP/1.1 written and parsed at the socket: a general-purpose client costs the proxy several
times what forwarding needs, and the proxy sits in every request's path.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from .connection import LARGE, Connection, Done, Stale, UpstreamError
from .messages import Answer

__all__ = ["OutOfFiles", "Pool", "UpstreamError"]

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
CONNECT_S = 10.0
IDLE_S = 3.0  # a connection idle longer may be one the server is closing: not reused


class OutOfFiles(UpstreamError):
    """The proxy itself could not open a connection: its own limit, never the upstream's fault."""


class Pool:
    """The target's connections: idle ones reused newest first, new ones opened as needed."""

    def __init__(self, target: str, read_s: float = 30.0, most: int = 256) -> None:
        self.read_s = read_s
        self.most = most  # connections open or opening at once; requests beyond wait their turn, in order
        self.opening = 0
        self.waiting: deque[tuple[str, bytes, bytes, Done]] = deque()
        parts = urlsplit(target)
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.authority = parts.netloc
        self.tls = ssl.create_default_context() if parts.scheme == "https" else None
        self.idle: deque[Connection] = deque()
        self.open: set[Connection] = set()  # every connection not yet closed, idle or answering
        self.connect: Callable[..., Awaitable[Any]] = self._create  # how a connection is opened: the running loop's create_connection

    def request(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, done: Done) -> None:
        """Send one request; `done` gets the whole answer, or an UpstreamError."""
        lines = [f"{method} {target} HTTP/1.1\r\nHost: {self.authority}\r\n"]
        lines += [f"{name}: {value}\r\n" for name, value in headers]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}\r\n")
        if len(body) > LARGE:
            lines.append("Expect: 100-continue\r\n")
        lines.append("\r\n")
        self._send(method, "".join(lines).encode("latin-1"), body, done)

    def _send(self, method: str, head: bytes, body: bytes, done: Done) -> None:
        connection = self._idle()
        if connection is not None:
            self._on(connection, True, method, head, body, done)
        elif len(self.open) + self.opening < self.most:
            self.opening += 1
            asyncio.get_running_loop().create_task(self._open_then_send(method, head, body, done))
        else:
            self.waiting.append((method, head, body, done))  # at the cap: the next connection free takes it

    async def _create(self, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().create_connection(*args, **kwargs)

    def _next_waiting(self) -> None:
        """A connection came free (or closed): the request waiting longest goes next."""
        if self.waiting:
            self._send(*self.waiting.popleft())

    def _on(self, connection: Connection, reused: bool, method: str, head: bytes, body: bytes, done: Done) -> None:
        def answered(result: Answer | UpstreamError) -> None:
            if isinstance(result, Stale) and reused and method in IDEMPOTENT:
                self._send(method, head, body, done)  # the server closed it as it was taken: nothing was done, send again
                return
            if connection.reusable and not isinstance(result, UpstreamError):
                connection.idle_since = time.monotonic()
                self.idle.append(connection)
            else:
                self._closed(connection)
            done(result)
            self._next_waiting()

        connection.send(head, body, method == "HEAD", answered)

    def _idle(self) -> Connection | None:
        now = time.monotonic()
        while self.idle:
            connection = self.idle.pop()
            if connection.reusable and now - connection.idle_since < IDLE_S and connection.transport is not None and not connection.transport.is_closing():
                return connection
            self._closed(connection)
        return None

    def _closed(self, connection: Connection) -> None:
        self.open.discard(connection)
        if connection.transport is not None:
            connection.transport.close()

    async def _open_then_send(self, method: str, head: bytes, body: bytes, done: Done) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, protocol = await asyncio.wait_for(self.connect(lambda: Connection(self.read_s), self.host, self.port, ssl=self.tls), CONNECT_S)
        except Exception as exc:  # refused, unresolvable, a bad certificate, a host name IDNA cannot encode...
            self.opening -= 1
            if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
                done(OutOfFiles(f"leadkit proxy has run out of open files ({exc.strerror}); lower --max-connections or raise ulimit -n"))
            else:
                done(UpstreamError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__))
            self._next_waiting()
            return
        self.opening -= 1
        self.open.add(protocol)
        self._on(protocol, False, method, head, body, done)

    def close(self) -> None:
        """Every connection closed, those still waiting for an answer too (a stop that cut them off)."""
        self.idle.clear()
        while self.waiting:
            self.waiting.popleft()[3](UpstreamError("the proxy stopped before a connection came free"))
        for connection in self.open:
            if connection.transport is not None:
                connection.transport.abort()
        self.open.clear()
