"""The client's side of the proxy: HTTP/1.1 requests parsed at the socket, answers written back in order."""

from __future__ import annotations

import asyncio
import sys
import traceback
from collections import deque
from collections.abc import Callable, Generator

import httptools

from .limits import Limits
from .messages import Answer, Message, Respond, answer, origin_form

MAX_BODY = 64 * 1024 * 1024  # larger bodies are refused by the proxy itself, unread
_TOO_LARGE = b'{"success":false,"error":"Request body is larger than %d bytes, leadkit proxy\'s own limit","code":"PAYLOAD_TOO_LARGE","details":{"maxBytes":%d}}' % (MAX_BODY, MAX_BODY)
_NO_BODY = (204, 304)
_BACKLOG = 32  # pipelined requests read ahead of the one being answered; then reading pauses


Handler = Callable[[Message, Respond], None]


class Downstream(asyncio.Protocol):
    """One client connection: requests parsed as they arrive, handled one at a time, answered in order."""

    def __init__(self, handle: Handler, connections: set[Downstream], limits: Limits | None = None) -> None:
        self.handle = handle
        self.connections = connections
        self.limits = limits or Limits()
        self.head_size = 0  # bytes of the header block being read, as its parts are parsed
        self.loose = 0  # bytes read since the last part was parsed: one header too long to end
        self.in_head = False
        self.in_body = False  # a request's body is being read: the body timeout, not the idle one, applies
        self.parts = 0  # parser callbacks so far: whether a read completed any part
        self.head_too_large = False
        self.read_held = False  # reading paused by pause_writing, until the queue is answered
        self.writing_paused = False  # the client reads slower than its answers come: no further request is taken
        self.timer: asyncio.TimerHandle | None = None  # the idle or the header timeout under way
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.queue: deque[Message] = deque()
        self.busy = False
        self.paused = False
        self.closing = False  # no further request is read: close once the current one is answered
        self.refusal: Answer | None = None  # a 400 owed after the requests parsed before the garbage
        self.continuing = False  # a request waits for 100 Continue until those before it are answered
        self.current: Message | None = None  # the request being answered
        self.drain: asyncio.Future[None] | None = None  # a streamed answer waits here for the client to read
        self._begin()

    def _begin(self) -> None:
        self.url, self.headers, self.body, self.size, self.too_large = b"", [], [], 0, False  # type: ignore[var-annotated]
        self.upgrade_body = False  # an Upgrade request that declares a body: refused
        self.trailing = False  # fields after the body's chunks are trailers: dropped, never made headers (RFC 9110 6.5.1)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.set_write_buffer_limits(high=self.limits.write_buffer)  # type: ignore[union-attr]
        limit = self.limits.max_connections
        if len(self.connections) >= limit:  # before the open-files limit: the proxy's own answer, never "upstream unreachable"
            why = f"leadkit proxy is serving its limit of {limit} client connections (--max-connections); try again shortly"
            body = b'{"success":false,"error":"%s","code":"SERVICE_UNAVAILABLE","details":{"maxConnections":%d}}' % (why.encode(), limit)
            self.closing = True
            self._write(answer(503, body), keep_alive=False, head=False)
            return
        self.connections.add(self)
        self._arm(self.limits.idle_timeout, self._idle_out)

    def _arm(self, seconds: float, then: Callable[[], None]) -> None:
        """One timer at a time: the idle timeout between requests, the header timeout within one."""
        if self.timer is not None:
            self.timer.cancel()
        self.timer = asyncio.get_running_loop().call_later(seconds, then)

    def _disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _idle_out(self) -> None:
        self.timer = None
        if self.idle and not self.in_head and not self.in_body and self.transport is not None:
            self.transport.close()

    def _body_stalled(self) -> None:
        self.timer = None
        if not self.in_body or self.continuing or self.transport is None or self.transport.is_closing():
            return
        seconds = self.limits.body_timeout
        why = f"The request's body stopped arriving: no byte of it for {seconds:g} s, leadkit proxy's own limit (--body-timeout)"
        body = b'{"success":false,"error":"%s","code":"REQUEST_TIMEOUT","details":{"seconds":%s}}' % (why.encode(), f"{seconds:g}".encode())
        self.head_too_large = True  # what follows is the rest of that body: never read as a request
        self.in_body = False
        self._refuse(why, answer(408, body))

    def _too_slow(self) -> None:
        self.timer = None
        if not self.in_head or self.transport is None or self.transport.is_closing():
            return
        seconds = self.limits.header_timeout
        why = f"The request's header block did not arrive whole within {seconds:g} s, leadkit proxy's own limit (--header-timeout)"
        body = b'{"success":false,"error":"%s","code":"REQUEST_TIMEOUT","details":{"seconds":%s}}' % (why.encode(), f"{seconds:g}".encode())
        self.head_too_large = True  # what follows is the rest of that head: never read as a request
        self._refuse(why, answer(408, body))

    def pause_writing(self) -> None:
        """Answers pile up for a client that does not read them: take no further request until they drain."""
        self.writing_paused = self.read_held = True
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.writing_paused = False
        if self.drain is not None and not self.drain.done():
            self.drain.set_result(None)  # a streamed answer goes on
        if self.busy or self.transport is None or self.transport.is_closing():
            return
        if self.queue:
            asyncio.get_running_loop().call_soon(self._next)
        elif self.refusal is not None:
            self._write(self.refusal, keep_alive=False, head=False)
        elif not self.paused:
            self.read_held = False
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self.drain is not None and not self.drain.done():
            self.drain.set_result(None)  # a streamed answer sees the client gone, and stops
        self.connections.discard(self)
        self.queue.clear()

    def eof_received(self) -> bool:
        self.closing = True
        return self.busy or bool(self.queue)  # half-closed after a request: answer it, then close

    @property
    def idle(self) -> bool:
        return not self.busy and not self.queue

    def data_received(self, data: bytes) -> None:
        if self.head_too_large:
            return  # refused: what follows is the rest of that header block
        parts = self.parts
        try:
            self.parser.feed_data(data)
            if self.in_body and not self.continuing:  # a body spread over reads: each read restarts its timeout
                self._arm(self.limits.body_timeout, self._body_stalled)
            if self.in_head:
                self.loose = self.loose + len(data) if parts == self.parts else 0
                if self.head_size + self.loose > self.limits.max_header_bytes:
                    self._head_too_large()
        except httptools.HttpParserUpgrade as upgrade:
            if self.upgrade_body:
                # llhttp stops at an Upgrade request's headers: its body would be read as the next request
                return self._refuse("leadkit proxy upgrades nothing and cannot read the body of an Upgrade request")
            # The proxy upgrades nothing (Upgrade is hop-by-hop): the request is answered as HTTP/1.1,
            # and what followed it is the next request.
            self.parser = httptools.HttpRequestParser(self)
            rest = data[upgrade.args[0] :] if upgrade.args and isinstance(upgrade.args[0], int) else b""
            if rest:
                self.data_received(rest)
        except httptools.HttpParserError as exc:
            if self.head_too_large:
                self._head_too_large()
            else:
                self._refuse(f"The request is not valid HTTP/1.1: {exc}")

    def _head_too_large(self) -> None:
        self.head_too_large = True
        limit = self.limits.max_header_bytes
        why = f"The request's header block is larger than {limit} bytes, leadkit proxy's own limit (--max-header-bytes)"
        body = b'{"success":false,"error":"%s","code":"REQUEST_HEADERS_TOO_LARGE","details":{"maxBytes":%d}}' % (why.encode(), limit)
        self._refuse(why, answer(431, body))

    def _refuse(self, why: str, refusal: Answer | None = None) -> None:
        """A request that cannot be parsed (or read): one 400 (or `refusal`) in the contract's envelope, then the connection closes."""
        assert self.transport is not None
        if self.refusal is not None:
            return  # already refused: one answer says it
        body = b'{"success":false,"error":"%s","code":"VALIDATION_ERROR","details":{"field":"request"}}' % why.replace('"', "'").encode("ascii", "replace")
        self.closing, self.refusal = True, refusal or answer(400, body)
        if self.idle:
            self._write(self.refusal, keep_alive=False, head=False)
        else:
            self.transport.pause_reading()  # the requests before it are answered first, in order

    def _part(self, size: int) -> None:
        """A part of a header block parsed: counted against --max-header-bytes (raising stops the parser)."""
        self.parts += 1
        if self.in_head:
            self.head_size += size
            self.loose = 0
            if self.head_size > self.limits.max_header_bytes:
                self.head_too_large = True
                raise ValueError("header block too large")

    # httptools' callbacks
    def on_message_begin(self) -> None:
        self._begin()
        self.parts += 1
        self.in_head, self.head_size, self.loose = True, 0, 0
        self._arm(self.limits.header_timeout, self._too_slow)

    def on_url(self, url: bytes) -> None:
        self._part(len(url))
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._part(len(name) + len(value) + 4)
        if not self.trailing:
            self.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        assert self.transport is not None
        self.parts += 1
        self.in_head = False
        self.in_body = True  # until on_message_complete, in this read (no body) or a later one
        self._disarm()
        self.trailing, expect = True, False
        # What llhttp takes for an upgrade: an Upgrade header that Connection names. With a body, refused.
        if any(name.lower() == "upgrade" for name, _ in self.headers):
            tokens = {token.strip().lower() for name, value in self.headers if name.lower() == "connection" for token in value.split(",")}
            declared = any(name.lower() == "transfer-encoding" or (name.lower() == "content-length" and value.strip() not in ("", "0")) for name, value in self.headers)
            self.upgrade_body = "upgrade" in tokens and declared
        for name, value in self.headers:
            lower = name.lower()
            if lower == "content-length" and value.strip().isdigit() and int(value) > MAX_BODY:
                self.too_large = True
            elif lower == "expect" and value.strip().lower() == "100-continue":
                expect = True
        if self.too_large and self.idle:
            self.closing = True  # refused before its body is read: the rest of the connection is that body
            self._write(answer(413, _TOO_LARGE), keep_alive=False, head=False)
        elif expect and not self.too_large:
            self.continuing = True  # the proxy reads the whole body before forwarding: invite it
            if self.idle:
                self._continue()

    def _continue(self) -> None:
        assert self.transport is not None
        self.continuing = False
        self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if self.in_body:  # invited only now: its body's timeout starts now
            self._arm(self.limits.body_timeout, self._body_stalled)

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > MAX_BODY:
            self.too_large, self.body = True, []
        elif not self.too_large:
            self.body.append(body)

    def on_message_complete(self) -> None:
        self.parts += 1
        if self.in_body:
            self.in_body = False
            self._disarm()  # the body's timeout (the only one armed while it came); the idle one follows its answer
        self.continuing = False  # the body came without the invitation
        if self.closing or self.upgrade_body:
            return
        method = self.parser.get_method().decode("ascii", "replace")
        keep_alive = self.parser.should_keep_alive()
        version = self.parser.get_http_version()
        message = Message(method, origin_form(self.url.decode("latin-1")), self.headers, b"".join(self.body), keep_alive, version, self.too_large)
        self.queue.append(message)
        if not self.busy:
            self._next()
        elif len(self.queue) > _BACKLOG and self.transport is not None:
            self.transport.pause_reading()
            self.paused = True

    def _next(self) -> None:
        if not self.queue or self.transport is None or self.transport.is_closing():
            return  # the client left between an answer and this turn: nothing is owed to anyone
        message = self.current = self.queue.popleft()
        self.busy = True
        if message.too_large:
            return self._answered(answer(413, _TOO_LARGE))
        try:
            self.handle(message, self._answered)
        except Exception as exc:  # the proxy's own fault: said as such, never passed off as the target's
            traceback.print_exc(file=sys.stderr)
            why = f"leadkit proxy failed: {type(exc).__name__}".encode()
            self._answered(answer(502, b'{"success":false,"error":"%s","code":"BAD_GATEWAY","details":{}}' % why))

    def _answered(self, reply: Answer) -> None:
        message = self.current
        if message is None:
            return  # answered twice: the first answer stands
        self.current = None
        last = self.closing and not self.queue and self.refusal is None
        keep_alive = message.keep_alive and not message.too_large and not last
        head = message.method == "HEAD"
        if reply.stream is not None:
            if not head:
                keep_alive = keep_alive and message.version == "1.1"  # an HTTP/1.0 client's body ends at the close
                self._write(reply, keep_alive, head=False, version=message.version)
                asyncio.ensure_future(self._pump(reply.stream, keep_alive, chunked=message.version == "1.1"))
                return
            reply.stream.close()
        self._write(reply, keep_alive, head, version=message.version)
        self._done(keep_alive)

    async def _pump(self, pieces: Generator[bytes, None, None], keep_alive: bool, chunked: bool) -> None:
        """A streamed answer's pieces, each made in a worker thread and written once the client has read the last."""
        loop, transport = asyncio.get_running_loop(), self.transport
        assert transport is not None
        try:
            while not transport.is_closing():
                piece = await loop.run_in_executor(None, next, pieces, None)
                if piece is None:
                    break
                transport.write(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
                if self.writing_paused:
                    self.drain = loop.create_future()
                    await self.drain
        except RuntimeError:  # the executor shut down: the proxy is stopping
            transport.close()
        except Exception:  # the proxy's own fault, the status already sent: the body is cut short, never passed off as whole
            print("leadkit proxy: error streaming its own page (not the target's fault):", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            transport.close()
        finally:
            self.drain = None
            pieces.close()
        if transport.is_closing():
            return  # the client left, or the page was cut short: nothing more is owed
        if chunked:
            transport.write(b"0\r\n\r\n")
        if not keep_alive:
            transport.close()
            return
        self._done(keep_alive)

    def _done(self, keep_alive: bool) -> None:
        """An answer written: the next request's turn."""
        self.busy = False
        if not keep_alive or self.writing_paused:
            return  # closed; or answers wait for the client to read them: resume_writing takes the next
        if self.queue:
            # On the loop's next turn, not from here: answers the proxy gives at once (its own pages)
            # would otherwise nest one call deeper per pipelined request.
            asyncio.get_running_loop().call_soon(self._next)
        elif self.refusal is not None:
            self._write(self.refusal, keep_alive=False, head=False)
        else:
            if self.continuing:
                self._continue()
            if (self.paused or self.read_held) and self.transport is not None and not self.transport.is_closing():
                self.paused = self.read_held = False
                self.transport.resume_reading()
            if not self.in_head and not self.in_body:
                self._arm(self.limits.idle_timeout, self._idle_out)

    def _write(self, reply: Answer, keep_alive: bool, head: bool, version: str = "1.1") -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        lines = [f"HTTP/1.1 {reply.status} {reply.reason}\r\n"]
        lines += [f"{name}: {value}\r\n" for name, value in reply.headers]
        streamed = reply.stream is not None
        body = reply.body
        if streamed:  # its length is not known yet: chunks, or (HTTP/1.0) the close
            if version == "1.1":
                lines.append("Transfer-Encoding: chunked\r\n")
                body = b"%x\r\n%b\r\n" % (len(body), body) if body else b""
        elif reply.status >= 200 and reply.status not in _NO_BODY:
            # A HEAD passed on says the upstream's length, or none: "0" would call the resource empty.
            length = reply.length if head and not reply.body else str(len(reply.body))
            if length is not None:
                lines.append(f"Content-Length: {length}\r\n")
        if not keep_alive:
            lines.append("Connection: close\r\n")
        elif version == "1.0":
            lines.append("Connection: keep-alive\r\n")  # an HTTP/1.0 client that asked to keep it open
        lines.append("\r\n")
        data = "".join(lines).encode("latin-1")
        transport.write(data if head or not body else data + body)
        if not keep_alive and (head or not streamed):
            transport.close()
