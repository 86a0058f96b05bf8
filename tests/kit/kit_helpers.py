"""Helpers for the kit's own tests: servers to point it at, in this process or as live processes."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from livemock import LiveMock, free_port  # noqa: F401  (free_port: reached here by the kit tests)
from werkzeug.serving import make_server

from contract_tests.live.target import Target
from contract_tests.verify.run import VerifyOutcome, Reports, verify

KEY = "sk-workspace_your_api_key"  # the mock's default fixture keys
SECOND_KEY = "sk-workspace_second_api_key"
BIN = Path(sys.executable).parent
HERE = Path(__file__).parent
HAND_WRITTEN = "not generated and not stateful"  # a `-k` for the hand-written checks alone


def in_process(app: Any, **options: Any) -> Target:
    """A target the kit reaches by calling `app` directly; `.invalid` so nothing can leave by the network."""
    return Target(base_url="http://kit-under-test.invalid", api_key=KEY, second_api_key=SECOND_KEY, app=app, **options)


def run_verify(target: Target, select: str | None = None, reports: Reports | None = None) -> VerifyOutcome:
    return verify(target, out=io.StringIO(), select=select, reports=reports)


@contextmanager
def live_process(command: list[str], port: int, log: Path) -> Iterator[str]:
    """Run a server until the block ends; stop it by its pid, whatever happens."""
    with open(log, "w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}: {log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{command[0]} did not listen on {port}: {log.read_text()}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def live_mock(tmp_path: Path, *extra: str) -> Iterator[str]:
    """`leadkit mock` as a real server process."""
    with open(tmp_path / "mock.log", "w") as log, LiveMock(*extra, output=log) as live:
        yield live.base_url


@contextmanager
def served_in_thread(app: Any) -> Iterator[str]:
    """A WSGI app (a broken server, say) on a free port in this process, for subprocesses to reach.

    One request at a time: a planted bug's middleware need not be thread-safe, the kit sends several at once.
    """
    server = make_server("127.0.0.1", 0, app, threaded=False)
    # shutdown() waits for serve_forever's next poll: 0.5 s by default, on every test that serves
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def leadkit(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "leadkit"), *args], capture_output=True, text=True, timeout=timeout)
