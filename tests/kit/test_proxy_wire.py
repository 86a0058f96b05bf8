"""`leadkit proxy`'s transport at the byte level: what a client or an upstream sends, exactly, and what comes out the other side."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from kit_helpers import KEY, served_in_thread
from planting import mock
from raw_http import TIMEOUT_S, Message, Wire, answering, ok, raw_upstream, request
from raw_http import connect as open_connection

from contract_tests.proxy import connection as connection_module
from contract_tests.proxy import wire as wire_module
from contract_tests.proxy.app import Proxy
from contract_tests.proxy.limits import Limits
from contract_tests.proxy.serve import InThread

AUTH = f"Authorization: Bearer {KEY}"
LEADS = "/api/v1/leads"
MISSING = "/api/v1/leads/lead_ffffffffffffffff"
NEW_LEAD = b'{"name":"Wire Test","email":"wire.test@example.com"}'


@contextmanager
def proxy_to(target: str) -> Iterator[InThread]:
    with InThread(Proxy(target, out=StringIO())) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def mock_target() -> Iterator[str]:
    """The real mock, in this process, one request at a time."""
    with served_in_thread(mock()) as url:
        yield url


@pytest.fixture
def request_fixture(request: pytest.FixtureRequest) -> pytest.FixtureRequest:
    """pytest's `request`, renamed: `request` here builds a request's bytes."""
    return request


@pytest.fixture
def proxied(mock_target: str) -> Iterator[InThread]:
    with proxy_to(mock_target) as proxy:
        yield proxy


Connect = Callable[[int], Wire]


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Client connections to a port, each closed when the test ends."""
    opened: list[Wire] = []

    def to(port: int) -> Wire:
        opened.append(open_connection(port))
        return opened[-1]

    yield to
    for wire in opened:
        wire.sock.close()


def report(proxy: InThread) -> dict[str, Any]:
    """What /__proxy/violations says, asked on a connection of its own."""
    with open_connection(proxy.port) as wire:
        wire.send(request("GET", "/__proxy/violations", "Connection: close"))
        found: dict[str, Any] = wire.reply().json()
    return found


def settled(proxy: InThread) -> None:
    """Every client connection the proxy held is gone (polled: it learns of a close on its own loop)."""
    deadline = time.monotonic() + TIMEOUT_S
    while proxy.listening.connections and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not proxy.listening.connections


def is_envelope(reply: Message, status: int, code: str) -> None:
    assert reply.status == status, reply
    assert reply.header("Content-Type") == "application/json"
    body = reply.json()
    assert body["success"] is False and body["code"] == code, body
    assert isinstance(body["error"], str) and body["error"]


# Keep-alive and pipelining


def test_several_requests_on_one_connection_are_answered_in_order(proxied: InThread, connect: Connect) -> None:
    wire = connect(proxied.port)
    for target, status in ((f"{LEADS}?limit=1", 200), (MISSING, 404), (f"{LEADS}?limit=2", 200)):
        wire.send(request("GET", target, AUTH))
        reply = wire.reply()
        assert reply.status == status
        if status == 200:
            assert len(reply.json()["data"]["leads"]) == int(target[-1])
    assert "close" not in (reply.header("Connection") or "")


def test_pipelined_requests_in_one_send_are_answered_in_order(proxied: InThread, connect: Connect) -> None:
    wire = connect(proxied.port)
    wire.send(request("GET", MISSING, AUTH) + request("GET", f"{LEADS}?limit=1", AUTH) + request("GET", "/__proxy/violations"))
    assert wire.reply().json()["code"] == "LEAD_NOT_FOUND"
    assert len(wire.reply().json()["data"]["leads"]) == 1
    assert wire.reply().json()["judged"] == 2


def test_more_pipelined_requests_than_the_proxy_reads_ahead_are_all_answered_in_order(connect: Connect) -> None:
    def echo(wire: Wire, number: int) -> None:
        while (got := wire.request()) is not None:
            wire.send(ok(got.start.split()[1].encode()))

    count = 5 * wire_module._BACKLOG  # reading pauses past the backlog and must resume
    with raw_upstream(echo) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(b"".join(request("GET", f"/{n}") for n in range(count)))
        answered = [wire.reply().body for _ in range(count)]
    assert answered == [f"/{n}".encode() for n in range(count)]


# HEAD


def test_head_gets_the_upstreams_content_length_and_no_body_and_the_connection_goes_on(proxied: InThread, connect: Connect) -> None:
    wire = connect(proxied.port)
    wire.send(request("GET", f"{LEADS}?limit=2", AUTH))
    whole = wire.reply()
    wire.send(request("HEAD", f"{LEADS}?limit=2", AUTH))
    head = wire.reply(to_head=True)
    assert head.status == 200 and head.header("Content-Length") == str(len(whole.body))
    wire.send(request("GET", MISSING, AUTH))  # a body sent after the HEAD's headers would be read as this answer
    assert wire.reply().json()["code"] == "LEAD_NOT_FOUND"


def test_head_to_a_chunked_answer_claims_no_length(connect: Connect) -> None:
    chunked = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    with raw_upstream(answering(chunked)) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(request("HEAD", LEADS, AUTH))
        head = wire.reply(to_head=True)
    assert head.status == 200
    assert head.header("Content-Length") is None  # "0" would tell the client the resource is empty
    assert head.header("Transfer-Encoding") is None


# Framing: chunks and bodies until close


def test_a_chunked_request_body_reaches_the_upstream_whole_with_a_content_length(connect: Connect) -> None:
    chunks = b"10\r\n" + NEW_LEAD[:16] + b"\r\n" + b"%x\r\n" % (len(NEW_LEAD) - 16) + NEW_LEAD[16:] + b"\r\n0\r\n\r\n"
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(request("POST", LEADS, AUTH, "Content-Type: application/json", "Transfer-Encoding: chunked") + chunks)
        assert wire.reply().status == 200
    [sent] = upstream.received
    assert sent.body == NEW_LEAD
    assert sent.header("Content-Length") == str(len(NEW_LEAD))
    assert sent.header("Transfer-Encoding") is None


def test_a_chunked_request_body_creates_a_lead_on_the_mock(proxied: InThread, connect: Connect) -> None:
    wire = connect(proxied.port)
    wire.send(request("POST", LEADS, AUTH, "Content-Type: application/json", "Transfer-Encoding: chunked") + b"%x\r\n%s\r\n0\r\n\r\n" % (len(NEW_LEAD), NEW_LEAD))
    created = wire.reply()
    assert created.status == 201 and created.json()["data"]["email"] == "wire.test@example.com"


def test_a_chunked_answer_reaches_the_client_whole_with_a_content_length(connect: Connect) -> None:
    body = b'{"success":true,"data":[1,2,3]}'
    chunked = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + b"5\r\n" + body[:5] + b"\r\n" + b"%x\r\n" % (len(body) - 5) + body[5:] + b"\r\n0\r\n\r\n"
    with raw_upstream(answering(chunked)) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", "/elsewhere", AUTH))
        reply = wire.reply()
        wire.send(request("GET", "/elsewhere", AUTH))  # the upstream connection was kept: the chunks ended the answer
        again = wire.reply()
    assert reply.body == body == again.body
    assert reply.header("Content-Length") == str(len(body))
    assert reply.header("Transfer-Encoding") is None
    assert upstream.connections == 1


def test_trailers_are_never_made_headers_either_way(connect: Connect) -> None:
    chunked = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n2\r\n{}\r\n0\r\nX-Sum: abc\r\n\r\n"
    with raw_upstream(answering(chunked)) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(request("POST", "/elsewhere", "Transfer-Encoding: chunked", "Trailer: X-Client-Sum") + b"2\r\n{}\r\n0\r\nX-Client-Sum: 1\r\n\r\n")
        reply = wire.reply()
    assert reply.body == b"{}" and not reply.names() & {"x-sum", "trailer"}
    [got] = upstream.received
    assert got.body == b"{}" and not got.names() & {"x-client-sum", "trailer"}


def test_an_answer_that_ends_at_close_is_passed_on_whole(connect: Connect) -> None:
    body = b'{"success":true,"data":"' + b"x" * 100_000 + b'"}'

    def until_close(wire: Wire, number: int) -> None:
        if wire.request() is not None:
            wire.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + body)

    with raw_upstream(until_close) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", "/elsewhere"))
        reply = wire.reply()
        wire.send(request("GET", "/elsewhere"))  # the next one needs a new upstream connection
        assert wire.reply().body == body
    assert reply.status == 200 and reply.body == body
    assert reply.header("Content-Length") == str(len(body))


# Expect: 100-continue


def test_expect_100_continue_gets_100_then_the_final_answer(proxied: InThread, connect: Connect) -> None:
    wire = connect(proxied.port)
    wire.send(request("POST", LEADS, AUTH, "Content-Type: application/json", f"Content-Length: {len(NEW_LEAD)}", "Expect: 100-continue"))
    interim = wire.reply()  # before the body is sent: a proxy that waits for it would time out here
    assert interim.status == 100
    wire.send(NEW_LEAD)
    final = wire.reply()
    assert final.status == 201 and final.json()["data"]["name"] == "Wire Test"


def test_100_continue_for_a_pipelined_request_waits_for_the_answers_before_it(connect: Connect) -> None:
    def slow(wire: Wire, number: int) -> None:
        while (got := wire.request()) is not None:
            time.sleep(0.2 if got.start.startswith("GET") else 0)
            wire.send(ok(b'{"to":"%s"}' % got.start.split()[0].encode()))

    with raw_upstream(slow) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", "/slow") + request("POST", "/next", f"Content-Length: {len(NEW_LEAD)}", "Expect: 100-continue"))
        assert wire.reply().json() == {"to": "GET"}  # a 100 sent first would read as the GET's
        assert wire.reply().status == 100
        wire.send(NEW_LEAD)
        assert wire.reply().json() == {"to": "POST"}
    assert upstream.received[1].body == NEW_LEAD


def test_the_upstreams_100_continue_is_waited_for_and_the_final_answer_passed_on(connect: Connect) -> None:
    large = b'{"name":"' + b"n" * (connection_module.LARGE + 10) + b'"}'

    def continuing(wire: Wire, number: int) -> None:
        head = wire._until(b"\r\n\r\n")  # the headers alone: the body must wait for the 100
        assert b"expect: 100-continue" in head.lower()
        wire.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        got = wire._exactly(len(large))
        wire.send(ok(b'{"got":%d}' % len(got)))

    with raw_upstream(continuing) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(request("POST", "/elsewhere", "Content-Type: application/json", body=large))
        reply = wire.reply()
    assert reply.status == 200 and reply.json() == {"got": len(large)}


def test_an_upstream_refusing_a_large_body_unread_is_passed_on_not_a_502(connect: Connect) -> None:
    large = b'{"name":"' + b"n" * (connection_module.LARGE + 10) + b'"}'
    refusal = b'{"success":false,"error":"too large","code":"PAYLOAD_TOO_LARGE","details":{}}'

    def refusing(wire: Wire, number: int) -> None:
        wire._until(b"\r\n\r\n")
        wire.send(b"HTTP/1.1 413 Content Too Large\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(refusal), refusal))

    with raw_upstream(refusing) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(request("POST", "/elsewhere", "Content-Type: application/json", body=large))
        reply = wire.reply()
        wire.send(request("GET", "/__proxy/violations"))
        assert wire.reply().json()["upstreamErrors"] == 0
    assert reply.status == 413 and reply.body == refusal


@pytest.mark.parametrize("served", ["in-process", pytest.param("leadkit-mock", marks=pytest.mark.live)])  # mock_url, fetched by name: unseen by tests/markers.py
def test_a_post_over_1_mib_to_the_mock_gets_its_413_and_the_proxy_goes_on(served: str, request_fixture: pytest.FixtureRequest, connect: Connect) -> None:
    target = request_fixture.getfixturevalue("mock_target" if served == "in-process" else "mock_url")
    large = json.dumps({"name": "n" * (1024 * 1024), "email": "big@example.com"}).encode()
    with proxy_to(target) as proxy:
        wire = connect(proxy.port)
        wire.send(request("POST", LEADS, AUTH, "Content-Type: application/json", body=large))
        is_envelope(wire.reply(), 413, "PAYLOAD_TOO_LARGE")
        wire.send(request("GET", f"{LEADS}?limit=1", AUTH))
        assert wire.reply().status == 200
        assert report(proxy)["upstreamErrors"] == 0


# What the proxy refuses itself


@pytest.mark.parametrize(
    "sent",
    [
        b"GARBAGE\r\n\r\n",  # no method, target or version
        b"GET /api/v1/leads HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",  # a header line without a name
        b"POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n",  # a length that is no number
        b"POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  # a chunk size that is no number
        b"GET /api/v1/leads HTTP/9.9\r\nHost: x\r\n\r\n",  # no such version
        b"POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",  # two framings: smuggling
        b"POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",  # two lengths
    ],
)
def test_a_request_that_cannot_be_parsed_gets_a_400_envelope_and_the_connection_closes(proxied: InThread, sent: bytes, connect: Connect) -> None:
    wire = connect(proxied.port)
    wire.send(sent)
    is_envelope(wire.reply(), 400, "VALIDATION_ERROR")
    assert wire.closed()
    settled(proxied)


def test_garbage_pipelined_after_a_good_request_gets_the_answer_then_the_400(proxied: InThread, connect: Connect) -> None:
    wire = connect(proxied.port)
    wire.send(request("GET", f"{LEADS}?limit=1", AUTH) + request("GET", MISSING, AUTH) + b"NOT HTTP AT ALL\r\n\r\n")
    assert wire.reply().status == 200
    assert wire.reply().status == 404  # parsed before the garbage: answered too
    is_envelope(wire.reply(), 400, "VALIDATION_ERROR")
    assert wire.closed()


def test_a_content_length_over_the_limit_gets_413_before_the_body_is_sent(proxied: InThread, monkeypatch: pytest.MonkeyPatch, connect: Connect) -> None:
    monkeypatch.setattr(wire_module, "MAX_BODY", 1000)
    wire = connect(proxied.port)
    wire.send(request("POST", LEADS, AUTH, "Content-Type: application/json", "Content-Length: 5000"))  # and no body
    is_envelope(wire.reply(), 413, "PAYLOAD_TOO_LARGE")
    assert wire.closed()
    wire = connect(proxied.port)
    wire.send(request("POST", LEADS, AUTH, "Content-Type: application/json", "Content-Length: 5000", "Expect: 100-continue"))
    assert wire.reply().status == 413  # no 100 Continue invites a body that will not be read
    assert report(proxied)["judged"] == 0  # nothing reached the mock


def test_a_chunked_body_over_the_limit_gets_413(proxied: InThread, monkeypatch: pytest.MonkeyPatch, connect: Connect) -> None:
    monkeypatch.setattr(wire_module, "MAX_BODY", 1000)
    wire = connect(proxied.port)
    wire.send(request("POST", LEADS, AUTH, "Content-Type: application/json", "Transfer-Encoding: chunked") + b"800\r\n" + b"x" * 0x800 + b"\r\n0\r\n\r\n")
    is_envelope(wire.reply(), 413, "PAYLOAD_TOO_LARGE")
    assert report(proxied)["judged"] == 0


# HTTP/1.0


def test_http_1_0_without_keep_alive_is_answered_then_closed(proxied: InThread, connect: Connect) -> None:
    wire = connect(proxied.port)
    wire.send(request("GET", f"{LEADS}?limit=1", AUTH, version="1.0"))
    reply = wire.reply()
    assert reply.status == 200 and len(reply.json()["data"]["leads"]) == 1
    assert reply.header("Content-Length") == str(len(reply.body))
    assert wire.closed()


def test_http_1_1_with_connection_close_is_answered_then_closed(proxied: InThread, connect: Connect) -> None:
    wire = connect(proxied.port)
    wire.send(request("GET", MISSING, AUTH, "Connection: close") + request("GET", f"{LEADS}?limit=1", AUTH))
    reply = wire.reply()
    assert reply.json()["code"] == "LEAD_NOT_FOUND" and reply.header("Connection") == "close"
    assert wire.closed()  # what followed the close is not answered
    assert report(proxied)["judged"] == 1


def test_http_1_0_with_keep_alive_stays_open(proxied: InThread, connect: Connect) -> None:
    wire = connect(proxied.port)
    wire.send(request("GET", f"{LEADS}?limit=1", AUTH, "Connection: keep-alive", version="1.0"))
    first = wire.reply()
    assert first.status == 200 and (first.header("Connection") or "").lower() == "keep-alive"
    wire.send(request("GET", MISSING, AUTH, "Connection: keep-alive", version="1.0"))
    assert wire.reply().json()["code"] == "LEAD_NOT_FOUND"


# Headers


HOP_BY_HOP_SENT = [
    "Connection: keep-alive, X-Hop",  # and what it names is hop-by-hop too
    "X-Hop: for this connection only",
    "Keep-Alive: timeout=5",
    "TE: trailers",
    "Proxy-Connection: keep-alive",
    "Upgrade: h2c",
]


def echoing_upstream_reply() -> bytes:
    body = b'{"ok":true}'
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        b"Connection: keep-alive, X-Upstream-Hop\r\nX-Upstream-Hop: 1\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nUpgrade: h2c\r\n"
        b"Set-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; Path=/\r\nVary: Origin\r\nVary: Accept-Encoding\r\n"
        b"X-Request-Id: req-42\r\nX-Name: caf\xe9\r\n\r\n%s" % (len(body), body)
    )


def test_hop_by_hop_headers_are_not_forwarded_to_the_upstream_and_end_to_end_ones_are(connect: Connect) -> None:
    with raw_upstream(answering(echoing_upstream_reply())) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        sent = request("POST", LEADS, AUTH, "Content-Type: application/json", "X-Request-Id: req-7", "Accept: a/b", "Accept: c/d", *HOP_BY_HOP_SENT, "Transfer-Encoding: chunked")
        wire.send(sent.replace(b"X-Request-Id", b"X-Name: Jos\xe9\r\nX-Request-Id") + b"%x\r\n%s\r\n0\r\n\r\n" % (len(NEW_LEAD), NEW_LEAD))
        assert wire.reply().status == 200
    [got] = upstream.received
    assert not got.names() & {"connection", "x-hop", "keep-alive", "te", "proxy-connection", "upgrade", "transfer-encoding", "expect"}
    assert got.header("Host") == upstream.url.removeprefix("http://")
    assert got.header("X-Request-Id") == "req-7" and got.header("X-Name") == "José"
    assert got.header("Authorization") == f"Bearer {KEY}"
    assert got.values("Accept") == ["a/b", "c/d"]
    assert got.body == NEW_LEAD


def test_hop_by_hop_headers_are_not_passed_back_to_the_client_and_end_to_end_ones_are(connect: Connect) -> None:
    with raw_upstream(answering(echoing_upstream_reply())) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", "/elsewhere"))
        reply = wire.reply()
        wire.send(request("GET", "/elsewhere"))
        assert wire.reply().status == 200  # the upstream's Upgrade did not end the client's connection
    assert not reply.names() & {"x-upstream-hop", "keep-alive", "proxy-connection", "upgrade", "transfer-encoding"}
    assert reply.values("Connection") == []
    assert reply.values("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert reply.values("Vary") == ["Origin", "Accept-Encoding"]
    assert reply.header("X-Request-Id") == "req-42" and reply.header("X-Name") == "café"


def test_an_upgrade_request_is_answered_as_http_1_1_and_the_connection_goes_on(connect: Connect) -> None:
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", "/one", "Connection: Upgrade", "Upgrade: websocket") + request("GET", "/two"))
        assert wire.reply().status == 200
        assert wire.reply().status == 200
    assert [got.start for got in upstream.received] == ["GET /one HTTP/1.1", "GET /two HTTP/1.1"]
    assert all(got.header("Upgrade") is None for got in upstream.received)


# Stale upstream connections


def test_an_upstream_closing_a_kept_alive_connection_after_its_answer_costs_the_client_nothing(connect: Connect) -> None:
    def one_each(wire: Wire, number: int) -> None:
        if wire.request() is not None:
            wire.send(ok(b'{"n":%d}' % number))  # kept alive, by its headers, then closed

    with raw_upstream(one_each) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        for n in (1, 2, 3):
            wire.send(request("GET", "/elsewhere"))
            assert wire.reply().json() == {"n": n}
            time.sleep(0.05)  # the close reaches the proxy before the next request


def closing_on_the_second_request(wire: Wire, number: int) -> None:
    """The first connection answers once, then reads the next request and closes unanswered, as an idle timeout racing it would."""
    if wire.request() is None:
        return
    wire.send(ok(b'{"n":%d}' % number))
    if number == 1:
        wire.request()
        return
    while wire.request() is not None:
        wire.send(ok(b'{"n":%d}' % number))


def test_a_get_on_a_stale_upstream_connection_is_sent_again_on_a_fresh_one(connect: Connect) -> None:
    with raw_upstream(closing_on_the_second_request) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", "/first"))
        assert wire.reply().json() == {"n": 1}
        wire.send(request("GET", "/second"))
        assert wire.reply().json() == {"n": 2}
    assert [got.start for got in upstream.received] == ["GET /first HTTP/1.1", "GET /second HTTP/1.1", "GET /second HTTP/1.1"]


def test_a_post_on_a_stale_upstream_connection_is_not_sent_twice(connect: Connect) -> None:
    with raw_upstream(closing_on_the_second_request) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", "/first"))
        assert wire.reply().json() == {"n": 1}
        wire.send(request("POST", LEADS, "Content-Type: application/json", body=NEW_LEAD))
        is_envelope(wire.reply(), 502, "BAD_GATEWAY")  # it may have been done: only the client may send it again
    assert [got.start for got in upstream.received].count(f"POST {LEADS} HTTP/1.1") == 1


# Upstreams that fail


def no_answer(wire: Wire, number: int) -> None:
    wire.request()


def cut_short(wire: Wire, number: int) -> None:
    if wire.request() is not None:
        wire.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"success\":")


def garbage(wire: Wire, number: int) -> None:
    if wire.request() is not None:
        wire.send(b"\x00\x01 this is not HTTP \xff\r\n\r\n")


def silent(wire: Wire, number: int) -> None:
    if wire.request() is not None:
        wire.closed()  # waits, answering nothing, until the proxy gives up and closes


@pytest.mark.parametrize("script", [no_answer, cut_short, garbage, silent], ids=["closes-unanswered", "closes-mid-body", "garbage", "never-answers"])
def test_a_failing_upstream_is_a_502_envelope_counted_never_a_violation(script: Any, connect: Connect) -> None:
    with raw_upstream(script) as upstream, InThread(Proxy(upstream.url, out=StringIO(), limits=Limits(upstream_timeout=0.3))) as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", LEADS, AUTH))
        reply = wire.reply()  # within the socket's timeout: the 0.3 s given, not the 30 s default
        is_envelope(reply, 502, "BAD_GATEWAY")
        assert reply.json()["details"]["target"] == upstream.url
        wire.send(request("GET", "/__proxy/violations"))  # the same connection goes on
        seen = wire.reply().json()
    assert seen["upstreamErrors"] == 1 and seen["violations"] == [] and seen["judged"] == 0


# The target's base path


def test_a_target_with_a_base_path_is_forwarded_under_it(connect: Connect) -> None:
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url + "/prefix/") as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", f"{LEADS}?limit=2&search=a%20b", AUTH))
        assert wire.reply().status == 200
    [got] = upstream.received
    assert got.start == f"GET /prefix{LEADS}?limit=2&search=a%20b HTTP/1.1"


def test_an_absolute_form_request_target_is_forwarded_in_origin_form_and_judged(connect: Connect) -> None:
    # What a client sends when the proxy is its HTTP proxy (HTTP_PROXY=http://localhost:8080, say)
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url + "/prefix") as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", f"http://proxy.test{LEADS}?limit=2", AUTH))
        assert wire.reply().status == 200
        judged = report(proxy)["judged"]
    assert [got.start for got in upstream.received] == [f"GET /prefix{LEADS}?limit=2 HTTP/1.1"]
    assert judged == 1  # judged as the API call it is (and found wanting: the body is no list)


# Clients that go away


def test_clients_leaving_mid_request_or_before_their_answer_leave_the_proxy_serving(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, connect: Connect) -> None:
    def slow(wire: Wire, number: int) -> None:
        while wire.request() is not None:
            time.sleep(0.3)
            wire.send(ok())

    with raw_upstream(slow) as upstream, proxy_to(upstream.url) as proxy:
        for partial in (b"GET /api/v1/le", request("POST", LEADS, "Content-Length: 100")[:-1] + b'{"na', request("GET", "/waits")):
            gone = connect(proxy.port)
            gone.send(partial)
            time.sleep(0.05)
            gone.sock.close()
        settled(proxy)
        time.sleep(0.4)  # the abandoned request's answer arrives, for nobody
        wire = connect(proxy.port)
        wire.send(request("GET", "/after"))
        assert wire.reply().status == 200
        wire.sock.close()
        settled(proxy)
        assert not proxy.proxy.in_flight
    assert [got.start for got in upstream.received] == ["GET /waits HTTP/1.1", "GET /after HTTP/1.1"]
    assert capfd.readouterr().err == ""
    assert [record for record in caplog.records if record.levelname in ("ERROR", "WARNING")] == []


def test_a_client_half_closing_after_its_request_still_gets_the_answer(proxied: InThread, connect: Connect) -> None:
    wire = connect(proxied.port)
    wire.send(request("GET", MISSING, AUTH) + request("GET", f"{LEADS}?limit=1", AUTH))
    wire.sock.shutdown(1)  # SHUT_WR: nothing more to send, still reading
    assert wire.reply().status == 404
    assert wire.reply().status == 200
    assert wire.closed()
    settled(proxied)


# Found by review: each of these once hung a client, smuggled a request or lost an answer.


def test_an_upgrade_request_with_a_body_is_refused_never_read_as_a_second_request(connect: Connect) -> None:
    """llhttp stops at an Upgrade request's headers: its body must not be taken for the next request."""
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url) as proxy:
        wire = connect(proxy.port)
        smuggled = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
        wire.send(request("POST", LEADS, "Connection: Upgrade", "Upgrade: websocket", "Content-Type: application/json", body=smuggled))
        is_envelope(wire.reply(), 400, "VALIDATION_ERROR")
        assert wire.closed()
        settled(proxy)
    assert upstream.received == []


def test_a_target_whose_host_cannot_be_encoded_is_a_502_not_a_hang(connect: Connect) -> None:
    with proxy_to(f"http://{'a' * 64}.example") as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", LEADS, AUTH))
        is_envelope(wire.reply(), 502, "BAD_GATEWAY")
        assert report(proxy)["upstreamErrors"] == 1


def test_a_target_path_outside_latin_1_is_sent_percent_encoded(connect: Connect) -> None:
    with raw_upstream(answering(ok())) as upstream, proxy_to(f"{upstream.url}/vorgänge/録") as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", "/other", AUTH))
        assert wire.reply().status == 200
    assert [got.start for got in upstream.received] == ["GET /vorg%C3%A4nge/%E9%8C%B2/other HTTP/1.1"]


class _Broken(StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")  # `leadkit proxy | head -1`, once head has gone


def test_output_that_cannot_be_written_still_answers_every_request(connect: Connect) -> None:
    from raw_http import raw_upstream as upstream_of

    def gone(wire: Wire, number: int) -> None:
        wire.request()  # read it, answer nothing, close

    with upstream_of(gone) as upstream, InThread(Proxy(upstream.url, out=_Broken())) as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", LEADS, AUTH))
        is_envelope(wire.reply(), 502, "BAD_GATEWAY")
    with served_in_thread(mock()) as url, InThread(Proxy(url, out=_Broken())) as proxy:
        wire = connect(proxy.port)
        wire.send(request("GET", LEADS))  # no key: a 401, judged; a violation would be printed
        assert wire.reply().status == 401


def test_two_thousand_pipelined_requests_behind_a_forwarded_one_are_all_answered(proxied: InThread, connect: Connect) -> None:
    """They queue while the first waits for the upstream, then are answered one after another (once recursively, too deep)."""
    wire = connect(proxied.port)
    count = 2000
    wire.send(request("GET", LEADS, AUTH) + request("GET", "/__proxy/violations") * count)
    statuses = [wire.reply().status for _ in range(count + 1)]
    assert statuses == [200] * (count + 1)
