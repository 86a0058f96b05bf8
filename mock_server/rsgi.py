"""The Flask app served over Granian's RSGI interface, its bodies read without a thread.

Under Granian's WSGI interface a body read blocks one of a few threads until the client
sends, with no deadline, so a handful of clients that stop mid-body stall everyone (and
reading it on another thread deadlocks Granian). Here the body is read on the event
loop, bounded in size and in time, and only then does the app run; what arrived late or
too large is left for the app's pipeline to refuse (body.py), so the contract's order of
checks and its envelopes hold unchanged.
"""

from __future__ import annotations

import asyncio
import io
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable

from flask import Flask

from .body import INCOMPLETE

# In app.extensions, optional: a callable(environ) -> bool, true for a request whose app
# code may wait (a simulated latency, say). Such requests run on a thread, so the wait
# holds up no other request; every other request runs on the event loop itself.
MAY_BLOCK = "leadkit.may_block"
# The app may register `environ -> bytes` here: a body limit for some requests (a state
# import) other than MAX_CONTENT_LENGTH. The app still enforces the limit; this only
# decides how much the bridge reads before handing the request over.
BODY_LIMIT = "leadkit.body_limit"
# The app's own limit on a request's header block, below Granian's buffer (serve.py), so a
# request over it reaches the app and is answered in the envelope (middleware.py). Measured
# here, where the headers are walked anyway, and flagged in the environ when over.
MAX_HEADER_BYTES = 1024 * 1024
HEADERS_OVER_LIMIT = "leadkit.headers_over_limit"
# The app may list callables here, run in the worker as it stops (the --record file is written so).
ON_STOP = "leadkit.on_stop"
_UNREAD = "leadkit.body_unread"  # the request's body was not read to its end
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "upgrade"})


DRAIN_BYTES = 4 * 1024 * 1024  # a refused body up to this size is read to its end before the answer
DRAIN_S = 1.0  # ... for at most this long


class RsgiBridge:
    """An RSGI application that runs a WSGI app for each complete request."""

    def __init__(self, app: Flask, threads: int = 32) -> None:
        self.app = app
        self.default_limit: int = app.config["MAX_CONTENT_LENGTH"]
        self.timeout_s: float = app.config["BODY_TIMEOUT_S"]
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None  # made on first use, in the worker process

    def __rsgi_init__(self, loop: Any) -> None:
        """In the worker: leave a terminal's Ctrl-C to the supervising process.

        Ctrl-C reaches the whole process group. A worker that stopped on it by itself could
        end before the supervisor had begun to stop it, which Granian reports as an
        unexpected worker exit (and a failed stop); the supervisor ends it with SIGTERM.
        """
        try:
            loop.remove_signal_handler(signal.SIGINT)
        except (NotImplementedError, RuntimeError):
            pass
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def __rsgi_del__(self, loop: Any) -> None:
        """Granian calls this in the worker as it stops."""
        for stop in self.app.extensions.get(ON_STOP, ()):
            stop()

    async def __call__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":
            return
        environ = self._environ(scope)
        incomplete = await self._read_body(scope, proto, environ)
        if incomplete:
            environ[INCOMPLETE] = incomplete
        may_block = self.app.extensions.get(MAY_BLOCK)
        if may_block is not None and may_block(environ):
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="leadkit-blocking")
            status, headers, body = await asyncio.get_running_loop().run_in_executor(self._pool, self._run, environ)
        else:
            # On the event loop itself: a request takes a fraction of a millisecond of CPU
            # and the GIL runs one thread at a time anyway; a hop to a thread pool for
            # every request measured ~25% fewer req/s and a worse p99.
            status, headers, body = self._run(environ)
        if environ.get(_UNREAD):
            # Bytes of this request are still on the connection, so it cannot carry another:
            # say so, or a keep-alive client sends its next request into a closed socket.
            headers.append(("connection", "close"))
            await self._drain(proto, environ)
        proto.response_bytes(status, headers, body)

    async def _drain(self, proto: Any, environ: dict[str, Any]) -> None:
        """Read and drop the rest of a refused body of moderate size, briefly, before answering.

        A client still sending when the server answers and closes gets a reset, which can
        destroy the answer before it is read (RFC 9112 §9.6): a refused 2 MB upload would
        fail with a broken pipe instead of its 413. Larger or slower bodies are not waited for.
        """
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > DRAIN_BYTES:
            return
        size = 0

        async def drop() -> None:
            nonlocal size
            async for chunk in proto:
                size += len(chunk)
                if size > DRAIN_BYTES:
                    return

        try:
            await asyncio.wait_for(drop(), DRAIN_S)
        except Exception:  # a timeout, or the client gone: the answer goes out all the same
            pass

    async def _read_body(self, scope: Any, proto: Any, environ: dict[str, Any]) -> str | None:
        """Put the body in `wsgi.input`; say why if it is not the whole body."""
        declared = environ.get("CONTENT_LENGTH")
        chunked = "chunked" in scope.headers.get("transfer-encoding", "").lower()
        if not chunked and (not declared or declared == "0"):
            environ["wsgi.input"] = io.BytesIO()
            return None
        body_limit = self.app.extensions.get(BODY_LIMIT)
        limit = body_limit(environ) if body_limit is not None else self.default_limit
        if declared and declared.isdigit() and int(declared) > limit:
            environ["wsgi.input"] = io.BytesIO()  # refused on its Content-Length: never read
            environ[_UNREAD] = True
            return None
        parts: list[bytes] = []
        try:
            await asyncio.wait_for(self._collect(proto, parts, limit), self.timeout_s)
            incomplete = None
        except asyncio.TimeoutError:
            incomplete = f"Request body did not arrive in full within {self.timeout_s:g} s"
        except Exception:  # the client went away mid-body; Granian raises its own error types
            incomplete = "Request body ended before it was complete"
        body = b"".join(parts)
        environ["wsgi.input"] = io.BytesIO(body)
        environ[_UNREAD] = incomplete is not None or len(body) > limit
        if incomplete is None and declared and declared.isdigit() and len(body) < int(declared):
            incomplete = f"Request body ended after {len(body)} of the {declared} bytes announced"
        return incomplete

    async def _collect(self, proto: Any, parts: list[bytes], limit: int) -> None:
        """Gather chunks until the body ends or one byte more than the limit arrived."""
        size = 0
        async for chunk in proto:
            parts.append(chunk)
            size += len(chunk)
            if size > limit:
                return  # enough to know it is too large; the rest is never read

    def _environ(self, scope: Any) -> dict[str, Any]:
        server, _, server_port = scope.server.rpartition(":")
        client = scope.client.rpartition(":")[0]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": scope.method,
            "SCRIPT_NAME": "",
            # WSGI wants the path's bytes as latin-1 characters; RSGI gives it decoded.
            "PATH_INFO": scope.path.encode("utf-8", "surrogateescape").decode("latin-1"),
            "QUERY_STRING": scope.query_string,
            "SERVER_NAME": server,
            "SERVER_PORT": server_port,
            "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
            "REMOTE_ADDR": client,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.scheme,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,  # the body is whole: Werkzeug may read it to its end
        }
        size = 0
        for name, value in scope.headers.items():
            size += len(name) + len(value)
            # Repeated headers are joined with a comma, Content-Type too: two of them then read
            # as more than one media type (a 415) rather than the last one winning.
            if name == "content-type":
                key = "CONTENT_TYPE"
            elif name == "content-length":
                key = "CONTENT_LENGTH"
            else:
                key = "HTTP_" + name.upper().replace("-", "_")
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        if size > MAX_HEADER_BYTES:
            environ[HEADERS_OVER_LIMIT] = size
        return environ

    def _run(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: None  # the legacy write(): Flask never calls it

        chunks: Iterable[bytes] = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        status, headers = started
        kept = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]
        return int(status[:3]), kept, body
