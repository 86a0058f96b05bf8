"""Processes the bench scripts and the live tests start: loopback only, stopped by pid.

Every process is started in a session of its own, so stopping it stops what it forked
too (Granian's worker), and `Processes` stops each one on exit, on error, on Ctrl-C and
on SIGTERM.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any, Callable, Mapping, NoReturn, Sequence

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
HOST = "127.0.0.1"
KEY = "sk-workspace_your_api_key"
AUTH = {"Authorization": f"Bearer {KEY}"}
JOHN = "lead_1234567890abcdef"


class StartFailed(RuntimeError):
    """A server did not answer in time, or exited first; the message holds its log's tail."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def leadkit_command(port: int, fixtures: Path | None = None) -> list[str]:
    # --quiet as Prism runs with `-v silent`: neither writes a log line a request.
    command = [sys.executable, "-m", "leadkit", "mock", "--host", HOST, "--port", str(port), "--quiet"]
    return command + (["--fixtures", str(fixtures)] if fixtures else [])


class Processes:
    """Starts processes and guarantees they are stopped, by pid, when the block ends."""

    def __init__(self, handle_sigterm: bool = False) -> None:
        self._running: list[subprocess.Popen[bytes]] = []
        self._logs: dict[int, IO[bytes]] = {}
        self._handle_sigterm = handle_sigterm
        self._previous: Any = None

    def __enter__(self) -> Processes:
        if self._handle_sigterm:
            self._previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        for process in reversed(self._running[:]):
            self.stop(process)
        if self._handle_sigterm:
            signal.signal(signal.SIGTERM, self._previous)

    def start(self, argv: Sequence[str], env: Mapping[str, str] | None = None, log: Path | None = None) -> subprocess.Popen[bytes]:
        sink: IO[bytes] = open(log, "wb") if log else open(os.devnull, "wb")
        process = subprocess.Popen(
            list(argv),
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: its children stop with it
        )
        self._running.append(process)
        self._logs[process.pid] = sink
        return process

    def stop(self, process: subprocess.Popen[bytes], grace_s: float = 10.0) -> None:
        """SIGTERM to the process group, SIGKILL if it lingers."""
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(grace_s)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(5)
        _signal_group(process.pid, signal.SIGKILL)  # anything it forked that outlived it
        if process in self._running:
            self._running.remove(process)
        self._logs.pop(process.pid).close()


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # the group that start_new_session gave this pid
    except ProcessLookupError:
        pass


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_script(main: Callable[[], int]) -> NoReturn:
    """Exit with `main()`'s code; on Ctrl-C or SIGTERM, with 130 once its processes are stopped."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; every process started was stopped", file=sys.stderr)
        sys.exit(130)


def first_status(port: int, path: str, headers: Mapping[str, str], timeout_s: float = 2.0) -> int | None:
    """One GET; its status, or None if nothing listens yet."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout_s)
    try:
        connection.request("GET", path, headers=dict(headers))
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        connection.close()


def wait_until_200(
    process: subprocess.Popen[bytes], port: int, path: str, headers: Mapping[str, str], timeout_s: float, log: Path | None = None
) -> float:
    """Poll until GET `path` answers 200; seconds waited. Fails fast if the process exits."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        status = first_status(port, path, headers)
        if status == 200:
            return time.monotonic() - started
        if status is not None and status != 200:
            raise StartFailed(f"GET {path} answered {status}, not 200")
        if process.poll() is not None:
            raise StartFailed(f"exited with {process.returncode} before answering{_tail(log)}")
        time.sleep(0.005)
    raise StartFailed(f"no 200 from port {port} within {timeout_s} s{_tail(log)}")


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    return ":\n" + log.read_text(errors="replace")[-2000:]


def start_leadkit(
    procs: Processes,
    fixtures: Path | None = None,
    env: Mapping[str, str] | None = None,
    key: str = KEY,
    log_dir: Path = WORK,
    timeout_s: float = 120.0,
) -> tuple[subprocess.Popen[bytes], str]:
    """`leadkit mock` on a free port, answering; returns the process and its base URL."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "leadkit.log"  # the latest start's; a failed start shows its tail
    process = procs.start(leadkit_command(port, fixtures), env=env, log=log)
    wait_until_200(process, port, "/api/v1/leads?limit=1", {"Authorization": f"Bearer {key}"}, timeout_s, log)
    return process, f"http://{HOST}:{port}"
