"""One kept-alive connection to the target: a request written, its whole answer parsed (httptools, llhttp's parser)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httptools

from .messages import Answer, end_to_end

CONTINUE_S = 1.0  # a large body waits this long for 100 Continue, then is sent anyway (RFC 9110 10.1.1)
LARGE = 1024 * 1024  # bodies over the contract's 1 MiB are announced first: a server may refuse them unread


class UpstreamError(Exception):
    """The target could not be reached, or broke off before a whole answer."""


Done = Callable[["Answer | UpstreamError"], None]


class Stale(UpstreamError):
    """A reused connection closed before any byte of the answer: the request may be sent again."""


class Connection(asyncio.Protocol):
    """One kept-alive connection; `exchange` sends a request and waits for its whole answer."""

    def __init__(self, read_s: float) -> None:
        self.read_s = read_s  # no whole answer by then: the request fails, as unreachable (--upstream-timeout)
        self.transport: asyncio.Transport | None = None
        self.parser: httptools.HttpResponseParser | None = None
        self.done: Done | None = None  # the request under way's callback, called once
        self.unsent: bytes | None = None  # a large body waiting for 100 Continue
        self.timers: list[asyncio.TimerHandle] = []
        self.head_only = False
        self.answered_bytes = False
        self.reusable = True
        self.idle_since = 0.0
        self._start()

    def _start(self) -> None:
        self.status, self.reason, self.headers, self.body = 0, b"", [], []  # type: ignore[var-annotated]
        self.trailing = False  # fields after the last chunk are trailers: dropped, never made headers (RFC 9110 6.5.1)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        if self.done is None:
            return
        if self.status >= 200 and self._until_close():
            self._finish()  # a body delimited by the end of the connection (RFC 9112 6.3, point 8)
        elif not self.answered_bytes:
            self._settle(Stale(f"the connection closed before an answer ({exc or 'closed by the server'})"))
        else:
            self._settle(UpstreamError(f"the connection closed in the middle of an answer ({exc or 'closed by the server'})"))

    def _until_close(self) -> bool:
        names = {name.lower() for name, _ in self.headers}
        return "content-length" not in names and "transfer-encoding" not in names

    def data_received(self, data: bytes) -> None:
        self.answered_bytes = True
        if self.parser is None:  # bytes nobody asked for: the connection cannot be trusted again
            self._abandon(UpstreamError("the server sent bytes outside an answer"))
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._abandon(UpstreamError(f"the answer is not valid HTTP/1.1 ({exc})"))

    def _abandon(self, error: UpstreamError) -> None:
        self.reusable = False
        self._settle(error)
        if self.transport is not None:
            self.transport.close()

    def _timed_out(self) -> None:
        self._abandon(UpstreamError(f"no whole answer within {self.read_s:g} s (--upstream-timeout)"))

    def _settle(self, result: Answer | UpstreamError) -> None:
        """The request's one outcome, passed on once the parser is done with the bytes at hand."""
        done, self.done = self.done, None
        if done is None:
            return
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()
        if self.unsent is not None:
            self.reusable, self.unsent = False, None  # answered without reading the body: what is left of it is unsent
        asyncio.get_running_loop().call_soon(done, result)

    # httptools' callbacks
    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.trailing:
            self.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        assert self.parser is not None
        self.status, self.trailing = self.parser.get_status_code(), True
        if self.head_only and self.status >= 200:
            self._finish()  # a HEAD's answer has no body, whatever its Content-Length says

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.status < 200:  # interim (100 Continue, 103): the final answer follows
            if self.status == 100:
                self._send_body()
            self._start()
            return
        if self.done is not None:
            self._finish()

    def _finish(self) -> None:
        assert self.parser is not None
        if not self.parser.should_keep_alive():
            self.reusable = False
        length = next((value for name, value in self.headers if name.lower() == "content-length"), None) if self.head_only else None
        answer = Answer(self.status, self.reason.decode("latin-1"), end_to_end(self.headers), b"".join(self.body), length)
        self.parser = None
        self._settle(answer)

    def send(self, head: bytes, body: bytes, head_only: bool, done: Done) -> None:
        """Write one request; `done` gets its whole answer or an UpstreamError, once."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self.parser = httptools.HttpResponseParser(self)
        self._start()
        self.head_only, self.answered_bytes, self.done = head_only, False, done
        if self.transport.is_closing() or not self.reusable:  # closed by the server before the request went
            return self._settle(Stale("the connection closed before the request could be sent"))
        self.timers.append(loop.call_later(self.read_s, self._timed_out))
        if len(body) > LARGE:
            self.unsent = body
            self.transport.write(head)
            self.timers.append(loop.call_later(CONTINUE_S, self._send_body))
        else:
            self.transport.write(head + body if body else head)

    def _send_body(self) -> None:
        """On 100 Continue, or when it is late: the large body follows its head."""
        body, self.unsent = self.unsent, None
        if body is not None and self.transport is not None and not self.transport.is_closing():
            self.transport.write(body)
