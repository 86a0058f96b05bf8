"""A report's curl repeats the request as it was sent (issue 23): every header it carried, and nothing curl adds.

Run with the real curl binary: against a socket that records what arrives, and against the
server a report was made on, which must answer the status the report shows.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from kit_helpers import KEY, SECOND_KEY, served_in_thread
from livemock import ensure_command
from planting import Planted, mock
from werkzeug.wrappers import Request, Response

from contract_tests.core.exchange import Exchange
from contract_tests.evidence.model import evidence_of
from contract_tests.evidence.text import curl
from contract_tests.live.target import Target
from contract_tests.verify.run import Reports, verify

KEYS = {KEY: "LEADS_API_KEY", SECOND_KEY: "LEADS_SECOND_API_KEY"}
ENV = {**os.environ, "LEADS_API_KEY": KEY, "LEADS_SECOND_API_KEY": SECOND_KEY}
AS_REQUESTS_SENDS = {
    "User-Agent": "python-requests/2.34.2",
    "Accept-Encoding": "gzip, deflate",
    "Accept": "*/*",
    "Connection": "keep-alive",
}


@contextmanager
def recording_socket() -> Iterator[tuple[str, list[bytes]]]:
    """A listener that keeps the one request it is sent, bytes as they arrive, and answers 418."""
    received: list[bytes] = []
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(30)

    def serve() -> None:
        with server, server.accept()[0] as connection:
            data = b""
            while b"\r\n\r\n" not in data:
                data += connection.recv(65536) or b"\r\n\r\n"
            head, _, body = data.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            while length and len(body) < int(length[1]):
                body += connection.recv(65536) or b"x" * int(length[1])
            received.append(head + b"\r\n\r\n" + body)
            connection.sendall(b"HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", received
    finally:
        thread.join(timeout=30)


def run_curl(command: str) -> str:
    ensure_command("curl", "curl")
    done = subprocess.run(["sh", "-c", command + " -sS --max-time 20"], capture_output=True, env=ENV, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("latin-1")


def headers_of(request: bytes) -> list[tuple[str, str]]:
    head = request.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
    return sorted((name, value.strip()) for name, _, value in (line.partition(":") for line in head))

LONG = b"[" + b",".join(b"1" for _ in range(1000)) + b"]"

CASES = [
    # What requests sends for a create, Content-Length and Host included.
    ({**AS_REQUESTS_SENDS, "Authorization": f"Bearer {KEY}", "Content-Type": "application/json", "Content-Length": "15"}, b'{"name": "Ann"}'),
    # A generated negative case: header names curl never sends itself, one with an empty value.
    ({**AS_REQUESTS_SENDS, "Authorization": "Bearer", "8A~UO+": "y", "_OnldDCnM": ""}, None),
    # Shell metacharacters in a value beside a key, and a Content-Length that disagrees with nothing curl counts.
    ({"Authorization": f"Bearer {KEY}", "X-Odd": "a$b`c\"d\\e!f 'g'", "Content-Length": "0"}, None),
    # No User-Agent and no Accept: curl must not add its own.
    # (and a body over 1 KiB: no Expect: 100-continue of curl's own either).
    ({"Authorization": f"Bearer {SECOND_KEY}", "Content-Type": "application/json", "Content-Length": str(len(LONG))}, LONG),
    # A body that is not UTF-8, NUL and all.
    ({"Content-Type": "application/json", "Content-Length": "5"}, b'"\x00\xff"\n'),
]


@pytest.mark.parametrize("headers, body", CASES)
def test_the_curl_sends_every_header_and_the_body_as_they_were(headers: dict[str, str], body: bytes | None) -> None:
    with recording_socket() as (url, received):
        headers = {"Host": url.removeprefix("http://"), **headers}
        exchange = Exchange("POST" if body else "GET", f"{url}/api/v1/leads?limit=0", 418, {}, b"", headers, body)
        command = curl(exchange, KEYS)
        assert KEY not in command and SECOND_KEY not in command  # keys only by the variables that hold them
        run_curl(command)
    (request,) = received
    assert request.partition(b"\r\n")[0] == f"{exchange.method} /api/v1/leads?limit=0 HTTP/1.1".encode()
    assert headers_of(request) == sorted((name, value) for name, value in headers.items())
    assert request.partition(b"\r\n\r\n")[2] == (body or b"")


def test_a_key_in_the_query_or_under_basic_is_never_printed_yet_sent_as_it_was() -> None:
    """The kit sends the real key in other shapes (?api_key=, Basic key: in base64): a report that
    shows such a request names the key only by its variable, and its curl still sends it."""
    basic = base64.b64encode(f"{KEY}:".encode()).decode()
    with recording_socket() as (url, received):
        headers = {"Host": url.removeprefix("http://"), "Authorization": f"Basic {basic}"}
        exchange = Exchange("GET", f"{url}/api/v1/leads?api_key={KEY}&limit=1", 418, {}, b"", headers, None)
        command = curl(exchange, KEYS)
        shown = evidence_of(exchange, f"the key {KEY} was taken", KEYS)
        for text in (command, shown.request, shown.message, shown.curl):
            assert KEY not in text and basic not in text, text
        run_curl(command)
    (request,) = received
    assert request.partition(b"\r\n")[0] == f"GET /api/v1/leads?api_key={KEY}&limit=1 HTTP/1.1".encode()
    assert ("Authorization", f"Basic {basic}") in headers_of(request)


def gzip_breaks_error_answers() -> Planted:
    """A compression layer that fails on error bodies: a bad list query from a client accepting gzip is a 500."""

    def after(request: Request, body: bytes, response: Response) -> None:
        if response.status_code == 400 and "gzip" in request.headers.get("Accept-Encoding", "") and request.path == "/api/v1/leads":
            response.status_code = 500
            response.set_data(b'{"success": false, "error": "Internal error", "code": "INTERNAL_ERROR", "details": {}}')

    return Planted(mock(), after=after)


@pytest.mark.slow
def test_a_reports_curl_gets_the_status_the_report_shows(tmp_path: Path) -> None:
    """The culprit is a header curl would send otherwise (Accept-Encoding): the curl must carry it."""
    with served_in_thread(gzip_breaks_error_answers()) as url:
        target = Target(base_url=url, api_key=KEY, second_api_key=SECOND_KEY, seed=3, max_examples=10)
        report = tmp_path / "report.json"
        outcome = verify(target, out=open(os.devnull, "w"), select="generated or stateful", reports=Reports(json=str(report)))
        assert outcome.exit_code == 1, outcome.summary
        evidence = [found for rule in json.loads(report.read_text())["rules"] for found in rule["evidence"] if found.get("curl")]
        assert evidence
        for found in evidence:
            answer = run_curl(found["curl"])
            assert answer.split(" ", 2)[1] == found["response"].split(" ", 1)[0], (found["curl"], answer[:300])


def test_a_body_too_long_to_show_is_cut_and_curl_counts_what_it_sends() -> None:
    """A 1 MiB body (the payload-too-large check's) is cut short in a report; its Content-Length would then hang curl."""
    body = b'{"name": "' + b"a" * (1024 * 1024) + b'"}'
    exchange = Exchange("POST", "http://a.example/api/v1/leads", 413, {}, b"", {"Content-Length": str(len(body))}, body)
    command = curl(exchange, KEYS)
    assert command.endswith("...(truncated)'") and len(command) < 10_000
    assert "Content-Length" not in command
