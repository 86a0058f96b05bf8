"""leadkit's pytest plugin for code that calls the Leads API: `leads_mock`, a mock for the session, and `leads_sandbox`, a fresh private sandbox per test.

Loaded by every pytest session where leadkit is installed (the `leadkit-mock` pytest11 entry
point), so importing it costs nothing: no mock, no HTTP library until a test asks for a fixture.

- `leads_mock` (session): `leadkit mock` started on a free port in a subprocess and stopped at
  the end, or the mock at `LEADS_MOCK_URL` when that is set (then nothing is started). Under
  pytest-xdist each worker has its own session, so its own mock, or all share `LEADS_MOCK_URL`'s.
- `leads_sandbox` (function): a sandbox made for the test (`PUT /__mock/sandboxes/NAME`) and
  dropped after it: `base_url` (what goes before `/api/v1`), `api_key`, `second_api_key`,
  `header`, and `state()`, `audit()`, `requests()` read from the admin API.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

MOCK_URL_VARIABLE = "LEADS_MOCK_URL"
START_TIMEOUT_S = 60.0
_BANNER = re.compile(r"leadkit mock serving the Leads API at (\S+)/api/v1")
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class LeadsSandbox:
    """One sandbox of the session's mock, as `PUT /__mock/sandboxes/NAME` described it."""

    name: str
    base_url: str  # e.g. http://127.0.0.1:4010/sandboxes/NAME: the part before /api/v1
    api_key: str
    second_api_key: str | None  # a key of the second workspace, when the fixtures have one
    header: dict[str, str]  # {"Leadkit-Sandbox": NAME}, for a client with a fixed base URL
    workspaces: list[dict[str, Any]] = field(default_factory=list)

    def state(self) -> dict[str, Any]:
        """Its whole state (`GET /__mock/state`): workspaces, keys, leads, retired ids."""
        found: dict[str, Any] = _admin("GET", f"{self.base_url}/__mock/state").json()
        return found

    def audit(self) -> list[dict[str, Any]]:
        """Every DELETE attempt made in it, oldest first."""
        entries: list[dict[str, Any]] = _admin("GET", f"{self.base_url}/__mock/audit").json()["data"]["entries"]
        return entries

    def requests(self) -> list[dict[str, Any]]:
        """The API requests it served, oldest first."""
        served: list[dict[str, Any]] = _admin("GET", f"{self.base_url}/__mock/requests").json()["data"]["requests"]
        return served

    def leads(self, workspace: int = 0) -> list[dict[str, Any]]:
        """The leads of one workspace (the first by default), newest first."""
        found: list[dict[str, Any]] = self.state()["workspaces"][workspace]["leads"]
        return found


class LeadsMock:
    """A running `leadkit mock`: its base URL, and sandboxes made in it."""

    def __init__(self, base_url: str, process: subprocess.Popen[str] | None = None, log: Path | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.process = process
        self.log = log  # the started mock's output, removed when it stops

    def sandbox(self, name: str | None = None, **options: Any) -> LeadsSandbox:
        """Make (or reset) a sandbox; `options` as `PUT /__mock/sandboxes/NAME` takes them (`failRate=0.5`, `fixtures={...}`)."""
        name = name or f"sandbox-{secrets.token_hex(6)}"
        response = _admin("PUT", f"{self.base_url}/__mock/sandboxes/{name}", json=options or None)
        made = response.json()
        keys = [ws["apiKeys"][0] for ws in made["workspaces"] if ws["apiKeys"]]
        return LeadsSandbox(made["name"], made["baseUrl"], keys[0], keys[1] if len(keys) > 1 else None, made["header"], made["workspaces"])

    def drop(self, sandbox: LeadsSandbox) -> None:
        _admin("DELETE", f"{self.base_url}/__mock/sandboxes/{sandbox.name}", allowed=(404,))

    def stop(self) -> None:
        """End the mock this fixture started (SIGTERM, then SIGKILL); one named by LEADS_MOCK_URL is left alone."""
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.log is not None:
            self.log.unlink(missing_ok=True)


def _admin(method: str, url: str, json: Any = None, allowed: tuple[int, ...] = ()) -> Any:
    import requests  # here, not at import: the plugin loads in every pytest session

    response = requests.request(method, url, json=json, timeout=30)
    if response.status_code >= 400 and response.status_code not in allowed:
        raise RuntimeError(f"leadkit mock: {method} {url} answered {response.status_code}: {response.text[:500]}")
    return response


def start_mock(*args: str) -> LeadsMock:
    """`leadkit mock --port 0 --quiet *args` in a subprocess; returns once it serves, with the URL its banner names.

    Its output goes to a temporary file, never a pipe: a pipe nobody reads once the banner is
    seen would fill with the mock's error logs and stop it mid-session.
    """
    command = [sys.executable, "-m", "leadkit", "mock", "--port", "0", "--quiet", *args]
    environ = {name: value for name, value in os.environ.items() if name not in ("LEADS_PORT", "LEADS_HOST")}
    log = tempfile.NamedTemporaryFile("w+", prefix="leadkit-mock-", suffix=".log", delete=False)
    with log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, env=environ)
    output = Path(log.name)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        found = _BANNER.search(output.read_text(errors="replace"))
        if found is not None:
            if _listening(found.group(1), process, deadline):
                return LeadsMock(found.group(1), process, output)
            break
        time.sleep(0.05)
    said = output.read_text(errors="replace")[-3000:]
    LeadsMock("", process, output).stop()
    raise RuntimeError(f"leadkit mock did not start within {START_TIMEOUT_S:g} s (exit code {process.poll()}); its output:\n{said}")


def _listening(base_url: str, process: subprocess.Popen[str], deadline: float) -> bool:
    """Whether the mock accepts connections before the deadline (the banner comes just before it listens)."""
    host, _, port = base_url.removeprefix("http://").rpartition(":")
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


@pytest.fixture(scope="session")
def leads_mock() -> Iterator[LeadsMock]:
    """The session's mock: `LEADS_MOCK_URL`'s when set, else a `leadkit mock` of its own on a free port."""
    shared = os.environ.get(MOCK_URL_VARIABLE)
    if shared:
        yield LeadsMock(shared)
        return
    mock = start_mock()
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture
def leads_sandbox(leads_mock: LeadsMock, request: pytest.FixtureRequest) -> Iterator[LeadsSandbox]:
    """A fresh sandbox for this test, named after it (and the xdist worker), dropped after it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    readable = _NOT_IN_NAME.sub("-", f"{worker}-{request.node.name}".strip("-"))[:48]
    sandbox = leads_mock.sandbox(f"{readable}-{secrets.token_hex(4)}")
    try:
        yield sandbox
    finally:
        leads_mock.drop(sandbox)
