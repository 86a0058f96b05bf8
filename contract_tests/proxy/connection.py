"""One kept-alive connection to the target: a request written, its whole answer parsed (httptools, llhttp's parser)."""

from __future__ import annotations

import asyncio
from typing import Any

import httptools

from .messages import Answer, end_to_end

READ_S = 120.0  # no whole answer by then: the request fails, as unreachable
CONTINUE_S = 1.0  # a large body waits this long for 100 Continue, then is sent anyway (RFC 9110 10.1.1)
LARGE = 1024 * 1024  # bodies over the contract's 1 MiB are announced first: a server may refuse them unread


class UpstreamError(Exception):
    """The target could not be reached, or broke off before a whole answer."""


class Stale(UpstreamError):
    """A reused connection closed before any byte of the answer: the request may be sent again."""


class Connection(asyncio.Protocol):
    """One kept-alive connection; `exchange` sends a request and waits for its whole answer."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser: httptools.HttpResponseParser | None = None
        self.waiter: asyncio.Future[Answer] | None = None
        self.continued: asyncio.Future[None] | None = None
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
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        if self.status >= 200 and self._until_close():
            self._finish()  # a body delimited by the end of the connection (RFC 9112 6.3, point 8)
        elif not self.answered_bytes:
            waiter.set_exception(Stale(f"the connection closed before an answer ({exc or 'closed by the server'})"))
        else:
            waiter.set_exception(UpstreamError(f"the connection closed in the middle of an answer ({exc or 'closed by the server'})"))

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
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        if self.transport is not None:
            self.transport.close()

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
            if self.status == 100 and self.continued is not None and not self.continued.done():
                self.continued.set_result(None)
            self._start()
            return
        if self.waiter is not None and not self.waiter.done():
            self._finish()

    def _finish(self) -> None:
        assert self.parser is not None and self.waiter is not None
        if not self.parser.should_keep_alive():
            self.reusable = False
        length = next((value for name, value in self.headers if name.lower() == "content-length"), None) if self.head_only else None
        answer = Answer(self.status, self.reason.decode("latin-1"), end_to_end(self.headers), b"".join(self.body), length)
        self.parser = None
        self.waiter.set_result(answer)

    async def exchange(self, head: bytes, body: bytes, head_only: bool) -> Answer:
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self.parser = httptools.HttpResponseParser(self)
        self._start()
        self.head_only, self.answered_bytes = head_only, False
        waiter: asyncio.Future[Answer] = loop.create_future()
        self.waiter = waiter
        timer = loop.call_later(READ_S, self._abandon, UpstreamError(f"no whole answer within {READ_S:g} s"))
        try:
            if len(body) > LARGE:
                self.continued = loop.create_future()
                self.transport.write(head)
                either: set[asyncio.Future[Any]] = {self.continued, waiter}
                await asyncio.wait(either, timeout=CONTINUE_S, return_when=asyncio.FIRST_COMPLETED)
                if waiter.done():
                    self.reusable = False  # answered without reading the body: what is left of it is unsent
                else:
                    self.transport.write(body)
            else:
                self.transport.write(head + body if body else head)
            return await waiter
        finally:
            timer.cancel()
            self.waiter = self.continued = None
