"""Sandboxes scaled out: two `leadkit mock` processes behind nginx (docs/nginx-sandboxes.conf), consistent hashing on the sandbox's name."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from livemock import ROOT, LiveMock, ensure_command, free_port

CONFIG = ROOT / "docs" / "nginx-sandboxes.conf"
KEY = {"Authorization": "Bearer sk-workspace_your_api_key"}
JOHN = "lead_1234567890abcdef"


def nginx_binary() -> str:
    if shutil.which("nginx") is None and os.geteuid() != 0:
        pytest.skip("nginx is missing; install it with: apt-get install nginx")
    return ensure_command("nginx", "nginx")


@pytest.fixture
def routed(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """nginx on a free port with the documented configuration, in front of two mocks: (its URL, the mocks' URLs)."""
    binary = nginx_binary()
    with LiveMock("--quiet") as first, LiveMock("--quiet") as second:
        port = free_port()
        snippet = CONFIG.read_text().replace("127.0.0.1:4010", f"127.0.0.1:{port}")
        snippet = snippet.replace("127.0.0.1:4011", f"127.0.0.1:{first.port}").replace("127.0.0.1:4012", f"127.0.0.1:{second.port}")
        (tmp_path / "sandboxes.conf").write_text(snippet)
        temp = "".join(f"    {kind}_temp_path {tmp_path / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (tmp_path / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'} warn;\n"
            f"events {{ worker_connections 256; }}\nhttp {{\n    access_log off;\n{temp}    include {tmp_path / 'sandboxes.conf'};\n}}\n"
        )
        with open(tmp_path / "nginx.out", "w") as out:
            process = subprocess.Popen([binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"nginx exited with {process.returncode}: {(tmp_path / 'nginx.out').read_text()}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{port}", [first.base_url, second.base_url]
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_twenty_sandboxes_through_nginx_each_stay_on_one_mock(routed: tuple[str, list[str]]) -> None:
    router, mocks = routed
    sent: dict[str, int] = {}
    made: dict[str, str] = {}
    for n in range(20):
        name = f"team-{n}"
        by_header = {**KEY, "Leadkit-Sandbox": name}
        by_prefix = f"{router}/sandboxes/{name}/api/v1"
        if n % 2:  # half made by the admin API through the router, half by their first use
            assert requests.put(f"{router}/__mock/sandboxes/{name}", timeout=30).status_code == 201
        lead = requests.post(f"{router}/api/v1/leads", json={"name": f"Lead {n}", "email": f"l{n}@example.com"}, headers=by_header, timeout=30)
        assert lead.status_code == 201
        assert lead.headers.get("Leadkit-Sandbox-Created") == (None if n % 2 else "true")
        made[name] = lead.json()["data"]["id"]
        assert requests.get(f"{by_prefix}/leads/{made[name]}", headers=KEY, timeout=30).status_code == 200  # by prefix too
        assert requests.delete(f"{by_prefix}/leads/{JOHN}", headers=KEY, timeout=30).status_code == 200
        assert requests.get(f"{router}/api/v1/leads/{JOHN}", headers=by_header, timeout=30).status_code == 404  # by header again
        sent[name] = 4
    served = {mock: {s["name"] for s in requests.get(f"{mock}/__mock/sandboxes", timeout=30).json()["sandboxes"]} for mock in mocks}
    assert all(served.values()), f"one mock served every sandbox: {served}"  # the names spread over both
    for name, count in sent.items():
        (home,) = [mock for mock, names in served.items() if name in names]  # on exactly one process
        requests_seen = requests.get(f"{home}/sandboxes/{name}/__mock/requests", timeout=30).json()["data"]["requests"]
        assert len(requests_seen) == count  # every request it was sent, none lost or strayed
        state = requests.get(f"{home}/sandboxes/{name}/__mock/state", timeout=30).json()
        ids = {lead["id"] for ws in state["workspaces"] for lead in ws["leads"]}
        assert made[name] in ids and JOHN not in ids
    for mock in mocks:  # the root of each process was never touched
        root = requests.get(f"{mock}/__mock/state", timeout=30).json()
        assert root["retiredIds"] == [] and sum(len(ws["leads"]) for ws in root["workspaces"]) == 32
