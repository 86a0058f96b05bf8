"""Running the proxy until Ctrl-C or SIGTERM, then the summary and the exit code."""

from __future__ import annotations

import asyncio
import errno
import sys

from aiohttp import web

from .app import Proxy

EXIT_OK, EXIT_VIOLATIONS, EXIT_CANNOT_RUN = 0, 1, 2


def run(target: str, host: str, port: int, record: str | None, quiet: bool = False) -> int:
    if not target.startswith(("http://", "https://")):
        print(f"leadkit proxy: error: --target must be an http:// or https:// URL, not {target!r}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    import uvloop

    proxy = Proxy(target, record)
    listening = f"http://{host}:{port}"
    if not quiet:
        print(
            f"leadkit proxy: {listening} -> {proxy.target}, judging every exchange by the contract\n"
            f"  violations: {listening}/__proxy/violations    traffic: {listening}/__proxy/har"
            + (f"    recording to {record}" if record else "")
            + "\nCtrl-C stops it and prints the summary.",
            flush=True,
        )
    try:
        web.run_app(proxy.app(), host=host, port=port, print=None, access_log=None, loop=uvloop.new_event_loop(), shutdown_timeout=5)
    except OSError as exc:
        why = f"port {port} on {host} is already in use; pick another with --port" if exc.errno == errno.EADDRINUSE else str(exc)
        print(f"leadkit proxy: error: {why}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    if record:
        proxy.har_document()
        saved = proxy.recorder.save()
        print(f"leadkit proxy: wrote {saved} exchanges to {record}", flush=True)
    print("\n".join(proxy.tally.summary(f"leadkit proxy {proxy.target}")), flush=True)
    return EXIT_VIOLATIONS if proxy.tally.findings else EXIT_OK


class InThread:
    """A proxy served on its own event loop in a thread of this process (tests, benchmarks)."""

    def __init__(self, proxy: Proxy, host: str = "127.0.0.1", port: int = 0) -> None:
        import threading

        self.proxy = proxy
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(proxy.app(), access_log=None)
        ready = threading.Event()
        bound: list[int] = []

        def serve() -> None:  # everything on the thread's loop: the caller's thread may run a loop of its own
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.runner.setup())
            site = web.TCPSite(self.runner, host, port)
            self.loop.run_until_complete(site.start())
            bound.append(getattr(site, "_server").sockets[0].getsockname()[1])  # aiohttp names no public way to it
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        if not ready.wait(30):
            raise RuntimeError("the proxy did not start within 30 s")
        self.port = bound[0]
        self.url = f"http://{host}:{self.port}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def __enter__(self) -> InThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
