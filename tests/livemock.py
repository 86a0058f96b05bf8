"""A real `leadkit mock` process on a free port, for tests that need one (browser, kill -9, CLI)."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

import requests

LEADKIT = [sys.executable, "-m", "leadkit"]
ROOT = Path(__file__).resolve().parent.parent


def ensure_command(name: str, apt_package: str) -> str:
    """The path of `name`, installing its Debian package first if the machine lacks it (CI is root)."""
    found = shutil.which(name)
    if found is not None:
        return found
    if os.geteuid() != 0:
        raise RuntimeError(f"{name} is missing; install it with: apt-get install {apt_package}")
    # One apt-get at a time across pytest-xdist's workers: a second would fail on dpkg's lock.
    with open(Path(tempfile.gettempdir()) / "leadkit-apt-get.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = shutil.which(name)  # another worker may have installed it meanwhile
        if found is None:
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL, timeout=600)
            subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", apt_package], check=True, env=env, stdout=subprocess.DEVNULL, timeout=1200)
            found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"apt-get installed {apt_package} but {name} is still not on PATH")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveMock:
    """`leadkit mock --port P *args` in its own process group; `stop()` ends it (and its worker)."""

    def __init__(self, *args: str, output: IO[Any] | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.output = output
        self.process = subprocess.Popen(
            [*LEADKIT, "mock", "--port", str(self.port), *args],
            cwd=ROOT,
            stdout=output if output is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT if output is not None else subprocess.DEVNULL,
            start_new_session=True,  # its own group, so the worker can be ended with it
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"leadkit mock exited with {self.process.returncode} before serving")
            try:
                requests.get(f"{self.base_url}/__mock/", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"leadkit mock did not answer on port {self.port} within {timeout} s")

    def kill(self) -> None:
        """`kill -9` the whole mock (server and worker) at once, as a crash would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM the mock (a clean stop, as `kill PID` sends it), SIGKILL whatever is left; its exit code.

        The signal goes to the serving process alone: it stops its worker itself. A SIGTERM to
        the whole group reaches the worker too, and Granian reports a worker that ends before
        it was asked to as an unexpected exit (Ctrl-C's SIGINT the worker leaves alone: rsgi.py).
        """
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        # The worker may outlive the server by a moment; make sure nothing of ours is left.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return self.process.returncode

    def __enter__(self) -> LiveMock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
