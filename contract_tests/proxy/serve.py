"""Running the proxy until Ctrl-C or SIGTERM, then the summary and the exit code."""

from __future__ import annotations

import asyncio
import errno
import gc
import signal
import threading
from collections.abc import Callable

from ..core.outcome import CannotRun
from .app import Proxy
from .limits import Limits
from .wire import Downstream


class ProxyError(CannotRun):
    """The proxy cannot start: a bad --target, a port in use."""

    prefix = "error: "




class Listening:
    """The proxy's listening socket and its client connections, on the running loop."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self.connections: set[Downstream] = set()
        self.server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen; the port bound (the one picked when `port` is 0)."""
        loop = asyncio.get_running_loop()
        limits = self.proxy.limits
        self.server = await loop.create_server(lambda: Downstream(self.proxy.handle, self.connections, limits), host, port, reuse_address=True, backlog=1024)
        bound: int = self.server.sockets[0].getsockname()[1]
        return bound

    async def stop(self) -> None:
        """No new connection; idle ones closed; those answering get up to the grace period (--grace), the rest are cut off and listed."""
        if self.server is not None:
            self.server.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.proxy.limits.grace
        while True:
            for connection in list(self.connections):
                if connection.idle and connection.transport is not None:
                    connection.transport.close()
            if not self.connections or loop.time() > deadline:
                break
            await asyncio.sleep(0.02)
        for connection in list(self.connections):
            for message in ([connection.current] if connection.current is not None else []) + list(connection.queue):
                self.proxy.tally.cut_off.append(f"{message.method} {message.target[:200]}")
            if connection.transport is not None:
                connection.transport.abort()
        self.proxy.pool.close()
        await asyncio.sleep(0.01)  # the closed transports' own callbacks run before the loop stops


def run(
    target: str,
    host: str,
    port: int,
    record: str | None,
    quiet: bool = False,
    on_stop: Callable[[Proxy], None] | None = None,
    limits: Limits | None = None,
    on_tick: Callable[[Proxy], None] | None = None,
    every: float = 0.0,
) -> int:
    """Serve until Ctrl-C or SIGTERM; then the HAR, the summary, `on_stop` (reports) and the exit code.

    `on_tick` (the interim report) runs every `every` seconds while it serves.

    `on_stop` given means reports are wanted: the tally then counts coverage too.
    """
    if not target.startswith(("http://", "https://")):
        raise ProxyError(f"--target must be an http:// or https:// URL, not {target!r}")
    import uvloop

    proxy = Proxy(target, record, coverage=on_stop is not None, limits=limits)
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(_serve(proxy, host, port, record, quiet, on_tick, every))
    except OSError as exc:
        why = f"port {port} on {host} is already in use; pick another with --port" if exc.errno == errno.EADDRINUSE else str(exc)
        raise ProxyError(why) from None
    except KeyboardInterrupt:
        pass  # a second Ctrl-C while stopping: the summary is still printed
    if proxy.journal is not None:
        saved = proxy.journal.close()  # written as each exchange ended: nothing is left to write
        missed = f" ({proxy.unrecorded} could not be written)" if proxy.unrecorded else ""
        print(f"leadkit proxy: wrote {saved} exchanges to {record}{missed}", flush=True)
    print("\n".join(proxy.tally.summary(f"leadkit proxy {proxy.target}")), flush=True)
    if on_stop is not None:
        on_stop(proxy)
    return proxy.tally.exit_code()


async def _serve(proxy: Proxy, host: str, port: int, record: str | None, quiet: bool, on_tick: Callable[[Proxy], None] | None, every: float) -> None:
    listening = Listening(proxy)
    bound = await listening.start(host, port)
    gc.freeze()  # the spec and the compiled checks live to the end: the collector need not walk them again
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if not quiet:
        url = f"http://{host}:{bound}"
        print(
            f"leadkit proxy: {url} -> {proxy.target}, judging every exchange by the contract\n"
            f"  violations: {url}/__proxy/violations    traffic: {url}/__proxy/har"
            + (f"    recording to {record}" if record else "")
            + "\nCtrl-C stops it and prints the summary.",
            flush=True,
        )
    ticking = loop.create_task(_every(every, on_tick, proxy)) if on_tick is not None and every > 0 else None
    await stop.wait()
    if ticking is not None:
        ticking.cancel()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)
    await listening.stop()


async def _every(seconds: float, tick: Callable[[Proxy], None], proxy: Proxy) -> None:
    while True:
        await asyncio.sleep(seconds)
        tick(proxy)


class InThread:
    """A proxy served on its own event loop in a thread of this process (tests, benchmarks)."""

    def __init__(self, proxy: Proxy, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvloop

        self.proxy = proxy
        self.loop = uvloop.new_event_loop()  # as `leadkit proxy` runs it
        self.listening = Listening(proxy)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.port = asyncio.run_coroutine_threadsafe(self.listening.start(host, port), self.loop).result(30)
        self.url = f"http://{host}:{self.port}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.listening.stop(), self.loop).result(self.proxy.limits.grace + 5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
        if self.proxy.journal is not None:
            self.proxy.journal.close()

    def __enter__(self) -> InThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
