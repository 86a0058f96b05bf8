"""HTTP/1.1 at the socket, for the proxy's transport tests: a client that reads exact answers, upstreams that send exact bytes."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

TIMEOUT_S = 5.0  # every read is bounded: a transport that hangs fails the test instead of hanging it


@dataclass
class Message:
    """One request or response exactly as framed on the wire; header values decoded as latin-1."""

    start: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def status(self) -> int:
        return int(self.start.split(" ", 2)[1])

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def header(self, name: str) -> str | None:
        found = self.values(name)
        assert len(found) <= 1, f"{name} sent {len(found)} times: {self.headers}"
        return found[0] if found else None

    def names(self) -> set[str]:
        return {key.lower() for key, _ in self.headers}

    def json(self) -> Any:
        return json.loads(self.body)


class Wire:
    """A socket read through a buffer: exactly one message's bytes at a time, nothing past it."""

    def __init__(self, sock: socket.socket, received: list[Message] | None = None) -> None:
        sock.settimeout(TIMEOUT_S)
        self.sock = sock
        self.buffer = b""
        self.received = received  # where an upstream keeps the requests it read

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            if not self._fill():
                raise EOFError(f"closed before {marker!r}; had {self.buffer[:200]!r}")
        found, _, self.buffer = self.buffer.partition(marker)
        return found

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                raise EOFError(f"closed after {len(self.buffer)} of {size} bytes")
        found, self.buffer = self.buffer[:size], self.buffer[size:]
        return found

    def rest(self) -> bytes:
        """Everything until the peer closes."""
        while self._fill():
            pass
        found, self.buffer = self.buffer, b""
        return found

    def closed(self) -> bool:
        """The peer closed with nothing further sent (a reset counts as closed)."""
        try:
            return not self.buffer and not self._fill()
        except ConnectionResetError:
            return True

    def _head(self) -> tuple[str, list[tuple[str, str]]]:
        lines = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        headers = [(name, value.strip()) for name, _, value in (line.partition(":") for line in lines[1:])]
        return lines[0], headers

    def _body(self, headers: Message, until_close: bool) -> bytes:
        if "chunked" in (headers.header("Transfer-Encoding") or "").lower():
            chunks = []
            while size := int(self._until(b"\r\n").split(b";")[0], 16):
                chunks.append(self._exactly(size))
                self._exactly(2)
            self._until(b"\r\n")  # no trailers are sent in these tests
            return b"".join(chunks)
        length = headers.header("Content-Length")
        if length is not None:
            return self._exactly(int(length))
        return self.rest() if until_close else b""

    def reply(self, to_head: bool = False) -> Message:
        """The next response (an interim 1xx is one too); `to_head`: the answer to a HEAD, never a body."""
        start, headers = self._head()
        message = Message(start, headers, b"")
        status = message.status
        if not to_head and status >= 200 and status not in (204, 304):
            message.body = self._body(message, until_close=True)
        return message

    def request(self) -> Message | None:
        """The next request, None if the peer closed between requests."""
        if not self.buffer and not self._fill():
            return None
        start, headers = self._head()
        message = Message(start, headers, b"")
        message.body = self._body(message, until_close=False)
        if self.received is not None:
            self.received.append(message)
        return message


Script = Callable[[Wire, int], None]  # one upstream connection, given its number (1, 2, ...)


class RawUpstream:
    """A server in a thread that plays `script` on each connection; `received` holds every request read."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.received: list[Message] = []
        self.connections = 0
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._play, args=(sock, self.connections), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _play(self, sock: socket.socket, number: int) -> None:
        with Wire(sock, self.received) as wire:
            try:
                self.script(wire, number)
            except (OSError, EOFError):
                pass  # the proxy went away first: what it received is what the test checks

    def close(self) -> None:
        self.stopping.set()
        for thread in list(self.threads):
            thread.join(TIMEOUT_S + 1)
        self.listener.close()


@contextmanager
def raw_upstream(script: Script) -> Iterator[RawUpstream]:
    upstream = RawUpstream(script)
    try:
        yield upstream
    finally:
        upstream.close()


def answering(*replies: bytes) -> Script:
    """A script: each request read on a connection gets the next of `replies` (the last repeated)."""

    def play(wire: Wire, number: int) -> None:
        sent = 0
        while wire.request() is not None:
            wire.send(replies[min(sent, len(replies) - 1)])
            sent += 1

    return play


def ok(body: bytes = b'{"ok":true}', *headers: str) -> bytes:
    """A 200 with a Content-Length, kept alive."""
    head = "".join(f"{header}\r\n" for header in headers)
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s" % (head.encode("latin-1"), len(body), body)


def connect(port: int) -> Wire:
    return Wire(socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S))


def request(method: str, target: str, *headers: str, body: bytes | None = None, version: str = "1.1") -> bytes:
    """One request's exact bytes; a Content-Length when there is a body."""
    lines = [f"{method} {target} HTTP/{version}", "Host: proxy.test", *headers]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
