"""A real `leadkit mock` process on a free loopback port, for tests that need one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import IO, Iterator

from contextlib import contextmanager

ROOT = Path(__file__).resolve().parent.parent
LEADKIT = [sys.executable, "-m", "mock_server.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveMock:
    def __init__(self, process: subprocess.Popen[str], port: int, output: IO[str]) -> None:
        self.process = process
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self._output = output  # a file, not a pipe: a pipe nobody reads fills and stalls the mock
        self._stopped: tuple[int, str, str] | None = None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> tuple[int, str, str]:
        """Signal the process we started, by its pid; return its exit code and output."""
        if self._stopped is not None:
            return self._stopped
        if self.process.poll() is None:
            os.kill(self.process.pid, sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        _, err = self.process.communicate()
        self._output.seek(0)
        self._stopped = (self.process.returncode, self._output.read(), err)
        return self._stopped


def wait_until_serving(url: str, process: subprocess.Popen[str], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mock exited early with {process.returncode}: {process.communicate()[1]}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is serving
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"mock did not answer {url} within {timeout} s")


@contextmanager
def running_mock(*args: str, port: int | None = None) -> Iterator[LiveMock]:
    port = port or free_port()
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(
            [*LEADKIT, "mock", "--port", str(port), *args],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.PIPE,  # only start-up errors go here
            text=True,
        )
        mock = LiveMock(process, port, output)
        try:
            wait_until_serving(f"{mock.base_url}/api/v1/leads", process)
            yield mock
        finally:
            mock.stop()
