"""Serving a built app with Granian, a production HTTP server, on one worker process.

One worker, because the mock's state lives in that process's memory. The app is built
before the worker is forked, so a bad fixture file fails here, in the foreground.
"""

from __future__ import annotations

import ctypes
import errno
import gc
import os
import signal
import socket
import sys
from typing import Callable

from flask import Flask

from .rsgi import RsgiBridge

GRANIAN_BUFFER_BYTES = 4 * 1024 * 1024


class PortInUse(Exception):
    """Something already listens on the address."""


def any_free_port(host: str) -> int:
    """A port free on `host` now (`--port 0`), so the banner can name the port actually served."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, 0))
        except OSError as exc:
            raise PortInUse(f"cannot listen on {host}: {exc.strerror}") from None
        port: int = probe.getsockname()[1]
        return port


def check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(f"port {port} on {host} is already in use; pick another with --port") from None
            raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def serve(handed: list[Flask], host: str, port: int, announce: Callable[[], None] = lambda: None) -> None:
    """Block serving the app until SIGINT or SIGTERM, then stop cleanly; `announce` once the port is known free.

    The app comes in a list that this takes it out of: once the worker is forked, this
    process, which only supervises, drops it, so its memory is not held twice.
    """
    from granian.constants import Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    check_port_free(host, port)
    announce()
    bridges = [RsgiBridge(handed.pop())]
    # The fixtures' objects live as long as the process: keep the collector from walking
    # them again and again. With 100k leads this took list from ~2,100 to ~2,500 req/s
    # and its p99 from ~70 to ~20 ms (two servers side by side, wrk taking turns).
    gc.collect()
    gc.freeze()
    server = Server(
        "leadkit-mock",  # a label: the app itself comes from the loader below
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        workers=1,
        loop=Loops.auto,  # uvloop (a dependency): Granian's RSGI on plain asyncio measured 3x slower
        log_level=LogLevels.warning,
        respawn_failed_workers=False,
        # A header block up to 4 MiB reaches the app, whose own limit (1 MiB, middleware.py)
        # answers it in the envelope; Granian's default (~400 KB) answered a bare 431.
        http1_settings=HTTP1Settings(max_buffer_size=GRANIAN_BUFFER_BYTES),
    )
    parent = os.getpid()

    def load() -> RsgiBridge:
        die_with_parent(parent)
        return bridges[0]

    def let_go() -> None:
        """In this process, after the fork: the worker has its copy of the app; free ours."""
        if os.getpid() == parent and bridges:
            bridges.clear()
            gc.unfreeze()
            gc.collect()

    os.register_at_fork(after_in_parent=let_go)

    server.serve(target_loader=load, wrap_loader=False)


def die_with_parent(parent: int) -> None:
    """In the worker: end when the serving process ends, even by `kill -9`.

    Otherwise a killed mock leaves its worker orphaned, still holding the port and the state.
    """
    if sys.platform != "linux":
        return
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
