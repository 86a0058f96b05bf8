"""`leadkit mock` flags, start-up banner and one log line per request."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import AUTH, KEY, SECOND_KEY
import inprocess
from livemock import LiveMock, ensure_command
from mock_server import create_app
from leadkit.cli import build_parser
from mock_server.command import config_from_args


def test_flags_become_settings() -> None:
    args = build_parser().parse_args(
        ["mock", "--cors-origin", "http://a.test:1", "--cors-origin", "http://b.test:2", "--latency", "100-200",
         "--fail-rate", "0.1", "--rate-limit", "5/s", "--state", "dev.sqlite3", "--seed", "3", "--generate", "7", "--quiet"]
    )  # fmt: skip
    settings = config_from_args(args)
    assert settings == {
        "CORS_ORIGINS": ["http://a.test:1", "http://b.test:2"],
        "LATENCY_MS": "100-200",
        "FAIL_RATE": "0.1",
        "RATE_LIMIT": "5/s",
        "STATE_PATH": str(Path("dev.sqlite3").resolve()),
        "SEED": 3,
        "GENERATE": 7,
        "LOG_REQUESTS": False,
    }


def test_no_flags_change_nothing_but_turn_the_request_log_on() -> None:
    assert config_from_args(build_parser().parse_args(["mock"])) == {"LOG_REQUESTS": True}


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--latency", "slow"], "--latency: latency must be MS or MIN-MAX"),  # not milliseconds
        (["--fail-rate", "2"], "--fail-rate: fail rate must be from 0 to 1"),  # not a probability
        (["--rate-limit", "lots"], "--rate-limit: rate limit must be N/s"),  # no rate
        (["--cors-origin", "localhost:3000"], "--cors-origin: 'localhost:3000' is not an origin"),  # no scheme
        (["--generate", "-5"], "--generate: must be a whole number"),  # negative
    ],
)
def test_a_bad_flag_is_a_clear_error_before_serving(flags: list[str], message: str) -> None:
    done = inprocess.leadkit("mock", "--port", "0", *flags)
    assert done.returncode == 2
    assert f"leadkit: error: {message}" in done.stderr


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Everything a default `leadkit mock` prints while serving three requests."""
    log = tmp_path_factory.mktemp("cli") / "out.txt"
    with open(log, "w") as output, LiveMock(output=output) as mock:
        requests.get(f"{mock.base_url}/api/v1/leads?limit=2", headers=AUTH, timeout=5)
        requests.delete(f"{mock.base_url}/api/v1/leads/lead_0000000000000000", headers=AUTH, timeout=5)
        requests.get(f"{mock.base_url}/api/v1/leads", timeout=5)
        text = log.read_text()
        text += f"\nPORT {mock.port}\n"
    return text


def test_startup_prints_base_url_docs_keys_and_a_curl(logged: str) -> None:
    port = re.search(r"PORT (\d+)", logged).group(1)  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    assert f"{base}/api/v1" in logged
    assert f"{base}/docs" in logged
    assert KEY in logged and SECOND_KEY in logged
    assert f"curl -H 'Authorization: Bearer {KEY}' {base}/api/v1/leads" in logged


def test_the_printed_curl_works_as_pasted(tmp_path: Path) -> None:
    curl = ensure_command("curl", "curl")
    log = tmp_path / "out.txt"
    with open(log, "w") as output, LiveMock("--quiet", output=output):
        lines = [line.strip() for line in log.read_text().splitlines() if line.strip().startswith("curl ")]
        assert len(lines) >= 2
        for line in lines:
            done = subprocess.run([curl, "-s", *shlex.split(line)[1:]], capture_output=True, timeout=30)
            body = json.loads(done.stdout)
            if "Prefer: code=404" in line:
                assert body["code"] == "LEAD_NOT_FOUND"
            else:
                assert body["success"] is True


def test_one_log_line_per_request_with_method_path_status_and_ms(logged: str) -> None:
    # The readiness probe's own request (GET /__mock/) is logged too; these are the test's.
    lines = [line for line in logged.splitlines() if re.fullmatch(r"[A-Z]+ /api/\S* \d{3} \d+\.\dms", line)]
    assert [line.rsplit(" ", 1)[0] for line in lines] == [
        "GET /api/v1/leads?limit=2 200",
        "DELETE /api/v1/leads/lead_0000000000000000 404",
        "GET /api/v1/leads 401",
    ]


def test_quiet_prints_no_request_lines(tmp_path: Path) -> None:
    log = tmp_path / "out.txt"
    with open(log, "w") as output, LiveMock("--quiet", output=output) as mock:
        requests.get(f"{mock.base_url}/api/v1/leads", headers=AUTH, timeout=5)
        text = log.read_text()
    assert "api/v1/leads" in text  # the banner is still there
    assert not re.search(r"^GET /api/v1/leads \d{3}", text, re.MULTILINE)


def test_kill_9_of_the_server_leaves_no_worker_serving() -> None:
    mock = LiveMock("--quiet")
    try:
        os.kill(mock.process.pid, signal.SIGKILL)  # the server only; its worker is told by the kernel
        mock.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and group_alive(mock.process.pid):
            time.sleep(0.05)
        assert not group_alive(mock.process.pid), "the worker outlived the server"
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{mock.base_url}/__mock/", timeout=2)
    finally:
        mock.stop()


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_closed_output_does_not_break_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    class Closed:
        def write(self, text: str) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    app = create_app({"TESTING": True, "LOG_REQUESTS": True})
    monkeypatch.setattr("sys.stdout", Closed())
    client = app.test_client()
    assert client.get("/api/v1/leads", headers=AUTH).status_code == 200
    assert client.get("/api/v1/leads", headers=AUTH).status_code == 200


def test_no_package_imports_another_packages_command_line() -> None:
    """The mock and the kit each define their own subcommands; only `leadkit/` joins them."""
    import ast
    from pathlib import Path

    root = Path(__file__).parents[1]
    crossings = []
    for package, other in (("mock_server", "contract_tests"), ("contract_tests", "mock_server")):
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                crossings += [f"{path.name}: {name}" for name in names if name.startswith(f"{other}.command") or name.startswith("leadkit")]
    assert crossings == []
