"""Hostile input against a live `leadkit mock` (Granian, not the test client), over raw sockets.

Each request must get a prompt, clear 4xx in the contract's envelope (held to openapi.yaml),
never a 500, a crash or a hang, and the server must go on serving afterwards. Requests
so malformed that Granian's HTTP layer refuses them before the app sees them (a URI
over 64 KiB, over 100 headers, a header block over ~400 KB, an unparseable request
line or Content-Length) get that layer's bare 4xx with no body and a closed connection:
those cases are listed apart and checked for exactly that.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
from dataclasses import dataclass
from typing import Any, Iterator

import pytest

from bench.harness import AUTH, JOHN, Processes, start_leadkit
from contract_tests.core.exchange import Exchange
from contract_tests.engine import SpecChecker


BODY_TIMEOUT_S = 1  # the live server's deadline for a whole body (LEADS_BODY_TIMEOUT_S)
PROMPT_S = 3.0  # every answer below must come within this, the slow-body ones included
AUTH_LINE = f"Authorization: {AUTH['Authorization']}\r\n"
DEEP = '{"a":' * 10_000 + "1" + "}" * 10_000
TEN_MB = 10 * 1024 * 1024


@dataclass
class Live:
    base_url: str
    port: int


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with Processes() as procs:
        env = {"LEADS_BODY_TIMEOUT_S": str(BODY_TIMEOUT_S)}
        _, base_url = start_leadkit(procs, env=env, log_dir=tmp_path_factory.mktemp("live"), timeout_s=60)
        yield Live(base_url, int(base_url.rsplit(":", 1)[1]))


@pytest.fixture(scope="module")
def live_checker(live: Live, spec: dict[str, Any]) -> SpecChecker:
    return SpecChecker(live.base_url, spec)


def exchange(port: int, head: str, body: bytes = b"", *, stall: bool = False, half_close: bool = False) -> Reply:
    """Send a raw request and read one response; `stall` keeps the socket open, silent."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=PROMPT_S + BODY_TIMEOUT_S) as sock:
        try:
            sock.sendall(head.encode("latin-1") + body)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking it all: read that answer
        received = b""
        while not _complete(received):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    head_bytes, _, payload = received.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 "), f"no HTTP response: {received[:200]!r}"
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return Reply(int(lines[0].split()[1]), headers, payload, time.monotonic() - started)


def _complete(received: bytes) -> bool:
    head, found, payload = received.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length: *(\d+)", head)
    return bool(found and match and len(payload) >= int(match.group(1)))


def post(body: bytes, extra: str = "", announce: int | None = None) -> str:
    """The head of a create whose body is `body` (or that announces `announce` bytes)."""
    size = len(body) if announce is None else announce
    length = "" if "Transfer-Encoding" in extra else f"Content-Length: {size}\r\n"
    return f"POST /api/v1/leads HTTP/1.1\r\nHost: t\r\n{AUTH_LINE}Content-Type: application/json\r\n{length}{extra}\r\n"


def get(target: str, extra: str = "") -> str:
    return f"GET {target} HTTP/1.1\r\nHost: t\r\n{AUTH_LINE}{extra}\r\n"


def chunked(data: bytes, size: int = 256 * 1024) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size]) for i in range(0, len(data), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def assert_still_serving(live: Live) -> None:
    reply = exchange(live.port, get(f"/api/v1/leads/{JOHN}"))
    assert reply.status == 200 and json.loads(reply.body)["data"]["id"] == JOHN


ENVELOPED = [
    # malformed bodies
    pytest.param(post(b'{"name": "Ann", "email": "ann@example.com"'), b"", 400, id="truncated-json"),
    pytest.param(post(b"{name: 'Ann'}"), b"", 400, id="invalid-json"),
    pytest.param(post(b'{"name": "\xff\xfe", "email": "a@b.co"}'), b"", 400, id="invalid-utf8"),
    pytest.param(post(b'{"name": "\\ud800", "email": "a@b.co"}'), b"", 400, id="lone-surrogate-escape"),
    pytest.param(post(b'{"name": "a", "email": "a@b.co", "metadata": {"x": 1e999}}'), b"", 400, id="number-overflows-float"),
    pytest.param(post(DEEP.encode()), b"", 400, id="json-nested-10000-objects"),
    pytest.param(post(b"[" * 10_000 + b"]" * 10_000), b"", 400, id="json-nested-10000-arrays"),
    # a deeply nested value where a lead's metadata goes
    pytest.param(post(f'{{"name":"a","email":"a@b.co","metadata":{DEEP}}}'.encode()), b"", 400, id="metadata-nested-10000"),
    # 10 MB: refused on its Content-Length alone, the body never sent
    pytest.param(post(b"", announce=TEN_MB), b"", 413, id="10mb-announced-unsent"),
    # 10 MB sent chunked (no Content-Length): refused after 1 MiB, the rest never read
    pytest.param(post(b"", "Transfer-Encoding: chunked\r\n"), chunked(b"x" * TEN_MB), 413, id="10mb-chunked"),
    # a chunked body that is fine
    pytest.param(post(b"", "Transfer-Encoding: chunked\r\n"), chunked(b'{"name":"a","email":"a@b.co"}', 7), 201, id="small-chunked-ok"),
    # query strings: huge but within the HTTP layer's 64 KiB URI limit reach the app
    pytest.param(get("/api/v1/leads?search=" + "a" * 60_000), b"", 200, id="query-60k-search"),
    pytest.param(get("/api/v1/leads?page=" + "9" * 30_000), b"", 400, id="query-30k-digit-page"),
    pytest.param(get("/api/v1/leads?" + "&".join(f"p{i}=1" for i in range(5_000))), b"", 200, id="query-5000-unknown-params"),
    # headers: many and large, within the HTTP layer's limits, reach the app
    pytest.param(get(f"/api/v1/leads/{JOHN}", "".join(f"X-Flood-{i}: v\r\n" for i in range(90))), b"", 200, id="90-headers"),
    pytest.param(get(f"/api/v1/leads/{JOHN}", f"X-Big: {'b' * 300_000}\r\n"), b"", 200, id="300kb-header"),
    pytest.param(get(f"/api/v1/leads/{JOHN}").replace(AUTH_LINE, f"Authorization: Bearer {'k' * 100_000}\r\n"), b"", 401, id="100kb-api-key"),
]


@pytest.mark.parametrize(("head", "body", "status"), ENVELOPED)
def test_hostile_request_gets_a_prompt_4xx_in_the_envelope(
    live: Live, live_checker: SpecChecker, head: str, body: bytes, status: int
) -> None:
    reply = exchange(live.port, head, body)
    assert reply.status == status, reply.body[:300]
    assert reply.seconds < PROMPT_S
    problems = live_checker.problems(
        Exchange(method=head.split()[0], url=live.base_url + head.split()[1], status=reply.status,
                 response_headers=reply.headers, response_body=reply.body, request_headers=AUTH)  # fmt: skip
    )
    assert not problems, problems
    if status >= 400:
        assert json.loads(reply.body)["success"] is False
    assert_still_serving(live)


# (head, body, how the client misbehaves) -> 400 in the envelope once the body is known incomplete
INCOMPLETE = [
    pytest.param(post(b"", announce=100), b'{"name": "Ann"', "half_close", id="body-ends-early"),  # sends 14 of 100 bytes, then EOF
    pytest.param(post(b"", announce=100), b'{"name": "Ann"', "stall", id="body-stalls"),  # sends 14 of 100 bytes, then silence
    pytest.param(post(b"", "Transfer-Encoding: chunked\r\n"), b"5\r\n{\"nam\r\n", "stall", id="chunked-body-stalls"),
]


@pytest.mark.parametrize(("head", "body", "misbehaviour"), INCOMPLETE)
def test_incomplete_body_is_refused_with_400(live: Live, head: str, body: bytes, misbehaviour: str) -> None:
    reply = exchange(live.port, head, body, stall=misbehaviour == "stall", half_close=misbehaviour == "half_close")
    assert reply.status == 400
    [error] = json.loads(reply.body)["details"]["errors"]
    assert error["field"] == "body"
    assert reply.seconds < BODY_TIMEOUT_S + PROMPT_S
    assert_still_serving(live)


def test_stalled_clients_do_not_starve_the_others(live: Live) -> None:
    """Twelve clients stop mid-body (the WSGI server had 5 threads); others are served at once."""
    stalled = [socket.create_connection(("127.0.0.1", live.port), timeout=BODY_TIMEOUT_S + PROMPT_S) for _ in range(12)]
    try:
        for sock in stalled:
            sock.sendall(post(b"", announce=100).encode() + b'{"na')
        time.sleep(0.2)
        created = b'{"name": "Ok", "email": "ok@example.com"}'
        fine = exchange(live.port, post(created), created)
        assert fine.status == 201 and fine.seconds < 1.0
        assert exchange(live.port, get(f"/api/v1/leads/{JOHN}")).seconds < 1.0
        for sock in stalled:
            assert sock.recv(1024).startswith(b"HTTP/1.1 400 ")  # each answered at its deadline
    finally:
        for sock in stalled:
            sock.close()


# Refused by Granian's HTTP layer (hyper) before the app: its bare status, no body, connection closed.
BELOW_THE_APP = [
    pytest.param(get("/api/v1/leads?search=" + "a" * 100_000), 414, id="query-100k-uri-too-long"),
    pytest.param(get(f"/api/v1/leads/{JOHN}", "".join(f"X-Flood-{i}: v\r\n" for i in range(10_000))), 431, id="10000-headers"),
    pytest.param(get(f"/api/v1/leads/{JOHN}", f"X-Big: {'b' * 5_000_000}\r\n"), 431, id="5mb-header"),
    pytest.param(post(b"{}").replace("Content-Length: 2", "Content-Length: abc"), 400, id="content-length-not-a-number"),
    pytest.param("GARBAGE\r\n\r\n", 400, id="not-http"),
    # README names these as hyper's own (Granian 2.8 has no setting for them): checked here
    pytest.param(get(f"/api/v1/leads/{JOHN}", "".join(f"X-Flood-{i}: v\r\n" for i in range(500))), 431, id="500-headers"),
    pytest.param(get(f"/api/v1/leads/{JOHN}", "X-Nul: a\x00b\r\n"), 400, id="raw-nul-in-a-header"),
    pytest.param(get("/api/v1/leads?search=" + "a" * 237_000), 414, id="query-237k"),
]


@pytest.mark.parametrize(("head", "status"), BELOW_THE_APP)
def test_request_the_http_layer_refuses_is_closed_promptly(live: Live, head: str, status: int) -> None:
    reply = exchange(live.port, head, b"{}" if "abc" in head else b"")
    assert (reply.status, reply.headers.get("connection"), reply.body) == (status, "close", b"")
    assert reply.seconds < PROMPT_S
    assert_still_serving(live)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"x" * (2 * 1024 * 1024), id="2mb"),  # announced and sent: refused unread
        pytest.param(b'{"name": "A", "email": "a@example.com", "metadata": {"p": "' + b"x" * (1024 * 1024) + b'"}}', id="just-over"),
    ],
)
def test_a_keep_alive_client_goes_on_after_a_413(live: Live, body: bytes) -> None:
    # The refused body is left on the connection: the mock must say it closes it, or a
    # client that reuses connections sends its next request into a closed socket.
    # It is also read to its end before the 413 goes out: a client still sending when the
    # server closes gets a reset and may never see the answer (a broken pipe, 2 runs in 6).
    connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    headers = {"Authorization": "Bearer sk-workspace_your_api_key", "Content-Type": "application/json"}
    try:
        connection.request("POST", "/api/v1/leads", body=body, headers=headers)
        refused = connection.getresponse()
        refused.read()
        assert refused.status == 413
        assert (refused.getheader("Connection") or "").lower() == "close"
        connection.request("GET", "/api/v1/leads", headers=headers)  # reconnects, having been told
        assert connection.getresponse().status == 200
    finally:
        connection.close()


# Issue 9: framing and headers the mock answered wrongly (each checked on the live server)


def _error(reply: Reply) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(reply.body)
    assert body["success"] is False
    return body


def test_an_oversized_chunked_body_with_a_non_json_type_is_a_413(live: Live) -> None:
    head = post(b"", "Transfer-Encoding: chunked\r\n").replace("application/json", "text/plain")
    reply = exchange(live.port, head, chunked(b"x" * (2 * 1024 * 1024)))
    assert (reply.status, _error(reply)["code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert_still_serving(live)


@pytest.mark.parametrize(
    "types",
    [
        pytest.param(["text/plain", "application/json"], id="text-then-json"),
        pytest.param(["application/json", "application/json"], id="json-twice"),
        pytest.param(["application/foo/bar+json"], id="not-a-media-type"),
    ],
)
def test_more_than_one_or_an_invalid_media_type_is_a_415(live: Live, types: list[str]) -> None:
    body = b'{"name": "Two Types", "email": "two@example.com"}'
    head = post(body).replace("Content-Type: application/json\r\n", "".join(f"Content-Type: {t}\r\n" for t in types))
    reply = exchange(live.port, head, body)
    assert (reply.status, _error(reply)["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")


def test_a_lower_case_method_is_a_405_and_deletes_nothing(live: Live) -> None:
    reply = exchange(live.port, get(f"/api/v1/leads/{JOHN}").replace("GET ", "delete ", 1))
    assert (reply.status, "allow" in reply.headers) == (405, True)
    assert _error(reply)["details"] == {"method": "delete", "allowed": ["DELETE", "GET", "PUT"]}
    assert_still_serving(live)  # John is still there


def test_an_http_1_1_request_without_host_is_a_400(live: Live) -> None:
    reply = exchange(live.port, get(f"/api/v1/leads/{JOHN}").replace("Host: t\r\n", ""))
    assert reply.status == 400
    assert "Host" in json.dumps(_error(reply))
    with socket.create_connection(("127.0.0.1", live.port), timeout=PROMPT_S) as sock:  # HTTP/1.0 needs no Host
        sock.sendall(get(f"/api/v1/leads/{JOHN}").replace("Host: t\r\n", "").replace("HTTP/1.1", "HTTP/1.0").encode())
        assert sock.recv(100).startswith(b"HTTP/1.0 200 ")


def test_a_404_reports_the_path_as_received(live: Live) -> None:
    reply = exchange(live.port, get("//api/v1/leads"))
    assert reply.status == 404
    assert _error(reply)["details"]["path"] == "//api/v1/leads"


def test_a_header_block_granian_used_to_refuse_reaches_the_app_and_its_envelope(live: Live) -> None:
    reply = exchange(live.port, get(f"/api/v1/leads/{JOHN}", f"X-Big: {'b' * 1_500_000}\r\n"))
    assert (reply.status, _error(reply)["code"]) == (431, "REQUEST_HEADERS_TOO_LARGE")
    assert_still_serving(live)
