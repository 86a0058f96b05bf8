"""`leadkit proxy` left running unattended: clients that vanish, answers it cannot read, limits with clear answers, evidence that survives a stop."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import brotli
import pytest
import zstandard
from kit_helpers import KEY
from raw_http import Wire, answering, ok, raw_upstream, request
from raw_http import connect as open_connection

from inprocess import leadkit

from contract_tests.core.exchange import Exchange
from contract_tests.engine.breach import Breach
from contract_tests.engine.stream import Stream
from contract_tests.evidence.tally import Tally
from contract_tests.proxy.app import VIOLATIONS_HEADER, Proxy
from contract_tests.proxy.limits import Limits
from contract_tests.proxy.messages import Answer, Message
from contract_tests.proxy.serve import InThread
from contract_tests.proxy.wire import Downstream

AUTH = f"Authorization: Bearer {KEY}"
LEADS = "/api/v1/leads"


class _GoneClient(asyncio.Transport):
    """A client that left: a write to it fails, and the loop learns of the loss on its next turn (as uvloop does on EPIPE)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.protocol: Downstream | None = None
        self.closing = False

    def write(self, data: Any) -> None:
        if not self.closing and self.protocol is not None:
            self.closing = True
            self.loop.call_soon(self.protocol.connection_lost, BrokenPipeError(32, "Broken pipe"))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def test_a_client_gone_while_its_pipelined_requests_wait_leaves_no_traceback() -> None:
    """Once printed `IndexError: pop from an empty deque` (Downstream._next after connection_lost)."""
    loop = asyncio.new_event_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: errors.append(context))
    waiting: list[Any] = []

    def handle(message: Message, reply: Any) -> None:
        waiting.append(reply)  # answered later, as the upstream answers

    async def scenario() -> None:
        transport = _GoneClient(loop)
        client = Downstream(handle, set())
        transport.protocol = client
        client.connection_made(transport)
        client.data_received(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        assert len(waiting) == 1  # the second waits behind the first
        waiting[0](Answer(200, "OK", [], b"{}"))  # its write finds the client gone
        for _ in range(5):
            await asyncio.sleep(0)

    loop.run_until_complete(scenario())
    loop.close()
    assert [context.get("exception") for context in errors] == []
    assert len(waiting) == 1  # nothing was sent upstream for a client that is gone


# Compressed answers: decoded and judged, or said to be unjudged by body

NOT_A_LIST = b'{"success":true,"data":{"leads":"none"}}'  # a list's answer that breaks its schema


@contextmanager
def proxy_to(target: str, **options: Any) -> Iterator[InThread]:
    with InThread(Proxy(target, out=StringIO(), **options)) as proxy:
        yield proxy


def violations(proxy: InThread) -> dict[str, Any]:
    with open_connection(proxy.port) as wire:
        wire.send(request("GET", "/__proxy/violations", "Connection: close"))
        found: dict[str, Any] = wire.reply().json()
    return found


ENCODERS = {
    "gzip": gzip.compress,
    "br": brotli.compress,
    "zstd": zstandard.ZstdCompressor().compress,
    "br, gzip": lambda body: gzip.compress(brotli.compress(body)),  # applied in the order listed
}


@pytest.mark.parametrize("encoding", list(ENCODERS))
def test_a_compressed_non_conforming_answer_is_decoded_judged_and_marked(encoding: str) -> None:
    body = ENCODERS[encoding](NOT_A_LIST)
    with raw_upstream(answering(ok(body, f"Content-Encoding: {encoding}"))) as upstream, proxy_to(upstream.url) as proxy:
        wire = open_connection(proxy.port)
        wire.send(request("GET", LEADS, AUTH, f"Accept-Encoding: {encoding}"))
        reply = wire.reply()
        wire.sock.close()
        seen = violations(proxy)
    assert reply.body == body  # passed on as the upstream sent it
    assert reply.header(VIOLATIONS_HEADER) is not None
    assert seen["violations"] and seen["notJudgedByBody"] == {}


def test_an_encoding_the_proxy_cannot_read_is_counted_and_named_not_judged_by_body() -> None:
    with raw_upstream(answering(ok(b"\x1f\x9d\x90junk", "Content-Encoding: compress"))) as upstream, proxy_to(upstream.url) as proxy:
        wire = open_connection(proxy.port)
        for _ in range(2):
            wire.send(request("GET", LEADS, AUTH))
            assert wire.reply().status == 200
        wire.sock.close()
        seen = violations(proxy)
        summary = "\n".join(proxy.proxy.tally.summary("leadkit proxy"))
    assert seen["notJudgedByBody"] == {"Content-Encoding: compress": 2}
    assert "2 responses not judged by body (Content-Encoding: compress: 2)" in summary
    assert "no recorded body" not in summary  # the proxy saw the body: it could not read it


def test_a_body_that_says_gzip_but_is_not_is_not_judged_by_body_never_a_false_alarm() -> None:
    with raw_upstream(answering(ok(b"plain, not gzip", "Content-Encoding: gzip"))) as upstream, proxy_to(upstream.url) as proxy:
        wire = open_connection(proxy.port)
        wire.send(request("GET", LEADS, AUTH))
        assert wire.reply().header(VIOLATIONS_HEADER) is None
        wire.sock.close()
        seen = violations(proxy)
    assert seen["notJudgedByBody"] == {"Content-Encoding: gzip (undecodable)": 1}


# Limits, each with a clear answer


def test_an_upstream_that_never_answers_is_a_502_after_the_upstream_timeout_given() -> None:
    def silent(wire: Any, number: int) -> None:
        if wire.request() is not None:
            wire.closed()

    with raw_upstream(silent) as upstream, proxy_to(upstream.url, limits=Limits(upstream_timeout=0.3)) as proxy:
        wire = open_connection(proxy.port)
        wire.send(request("GET", LEADS, AUTH))
        reply = wire.reply()  # within the socket's 5 s: the 0.3 s given, not a default
        wire.sock.close()
    assert reply.status == 502 and reply.json()["code"] == "BAD_GATEWAY"
    assert "no whole answer within 0.3 s" in reply.json()["details"]["reason"]


def test_the_upstream_timeout_is_30_s_unless_a_flag_says_otherwise() -> None:
    assert "--upstream-timeout" in leadkit("proxy", "--help").stdout
    assert Limits().upstream_timeout == 30.0  # e2e frameworks give up at 30 s: the client learns why first


def test_a_header_block_over_the_limit_gets_431_in_the_envelope_and_is_never_forwarded() -> None:
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url, limits=Limits(max_header_bytes=4096)) as proxy:
        with open_connection(proxy.port) as wire:
            wire.send(request("GET", LEADS, AUTH, *(f"X-Filler-{n}: {'v' * 60}" for n in range(100))))
            reply = wire.reply()
            assert wire.closed()
        with open_connection(proxy.port) as small:
            small.send(request("GET", LEADS, AUTH, "X-Filler: short"))
            assert small.reply().status == 200  # under the limit: forwarded as ever
    assert reply.status == 431
    body = reply.json()
    assert body["success"] is False and body["code"] == "REQUEST_HEADERS_TOO_LARGE"
    assert body["details"]["maxBytes"] == 4096 and "leadkit proxy" in body["error"]
    assert [got.start for got in upstream.received] == [f"GET {LEADS} HTTP/1.1"]


def test_one_header_too_long_to_ever_end_is_refused_before_it_is_all_read() -> None:
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url, limits=Limits(max_header_bytes=4096)) as proxy:
        with open_connection(proxy.port) as wire:
            wire.send(b"GET /api/v1/leads HTTP/1.1\r\nHost: x\r\nX-Endless: ")
            try:
                for _ in range(64):
                    wire.send(b"v" * 1024)  # 64 KiB of one header, never ended
            except OSError:
                pass  # the proxy answered and closed
            reply = wire.reply()
    assert reply.status == 431 and upstream.received == []


def _breach(rule: Any, number: int) -> Breach:
    exchange = Exchange(method="GET", url=f"http://api.test{LEADS}/lead_{number}", status=500, response_headers={}, response_body=b"{}", number=number)
    return Breach(rule, f"finding {number}", exchange)


def test_findings_are_counted_in_full_but_kept_up_to_a_cap_per_rule_with_the_rest_said() -> None:
    from contract_tests.core.rules import JSON_EVERYWHERE, RESPONSES_MATCH_SPEC

    tally = Tally(Stream(), per_rule=3)
    tally.stream.judged = 12
    tally.add([_breach(RESPONSES_MATCH_SPEC, n) for n in range(10)] + [_breach(JSON_EVERYWHERE, 10), _breach(JSON_EVERYWHERE, 11)])
    summary = "\n".join(tally.summary("leadkit proxy"))
    data = tally.to_json()
    assert len(tally.findings) == 5  # 3 of one rule, both of the other
    assert tally.rules == {"responses-match-openapi": 10, "json-content-type": 2}
    assert "12 violations of 2 rules: responses-match-openapi (10), json-content-type (2)" in summary
    assert "7 more violations of responses-match-openapi not kept (the first 3 of each rule are)" in summary
    assert data["rules"] == {"responses-match-openapi": 10, "json-content-type": 2}
    assert data["notKept"] == {"responses-match-openapi": 7}
    assert tally.exit_code() == 1


def test_proxy_violations_are_paged() -> None:
    with raw_upstream(answering(ok(NOT_A_LIST))) as upstream, proxy_to(upstream.url) as proxy:
        wire = open_connection(proxy.port)
        for _ in range(5):
            wire.send(request("GET", LEADS, AUTH))
            wire.reply()
        wire.send(request("GET", "/__proxy/violations?limit=1000"))
        everything = wire.reply().json()["violations"]
        wire.send(request("GET", "/__proxy/violations?limit=2&offset=1"))
        page = wire.reply().json()
        wire.send(request("GET", "/__proxy/violations?limit=oops"))
        refused = wire.reply()
        wire.sock.close()
    assert len(everything) >= 5 and page["violations"] == everything[1:3]
    assert page["page"] == {"offset": 1, "limit": 2, "kept": len(everything), "next": "/__proxy/violations?offset=3&limit=2"}
    assert page["rules"]["responses-match-openapi"] == 5
    assert refused.status == 400 and refused.json()["code"] == "VALIDATION_ERROR"


def test_a_stop_cuts_off_requests_still_waiting_after_the_grace_period_and_says_which() -> None:
    import threading
    import time

    release = threading.Event()

    def slow(wire: Any, number: int) -> None:
        if wire.request() is not None:
            release.wait(5)

    with raw_upstream(slow) as upstream:
        proxy = InThread(Proxy(upstream.url, out=StringIO(), limits=Limits(grace=0.2)))
        wire = open_connection(proxy.port)
        wire.send(request("GET", f"{LEADS}?limit=3", AUTH))
        deadline = time.monotonic() + 5
        while not upstream.received and time.monotonic() < deadline:
            time.sleep(0.01)
        proxy.stop()
        release.set()
        wire.sock.close()
    summary = "\n".join(proxy.proxy.tally.summary("leadkit proxy"))
    assert "1 request cut off by the stop after the 0.2 s grace period (--grace): GET /api/v1/leads?limit=3" in summary
    assert any("cut off" in note for note in proxy.proxy.tally.notes())


def test_a_client_that_pipelines_and_never_reads_is_held_back_then_answered_in_full_when_it_reads() -> None:
    import socket
    import time

    big = b'{"pad":"' + b"p" * 64 * 1024 + b'"}'
    count = 300  # 19 MiB of answers, were they all fetched for a client that reads none
    with raw_upstream(answering(ok(big))) as upstream, proxy_to(upstream.url, limits=Limits(write_buffer=256 * 1024)) as proxy:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        sock.connect(("127.0.0.1", proxy.port))
        with Wire(sock) as wire:
            wire.send(b"".join(request("GET", f"/{n}") for n in range(count)))
            last, deadline = -1, time.monotonic() + 10
            while len(upstream.received) != last and time.monotonic() < deadline:  # until the proxy stops asking
                last = len(upstream.received)
                time.sleep(0.5)
            held = len(upstream.received)
            [client] = proxy.listening.connections
            buffered = client.transport.get_write_buffer_size() if client.transport is not None else 0
            answered = [wire.reply().status for _ in range(count)]
    assert held < count * 2 // 3, f"{held} of {count} requests fetched for a client that read nothing"
    assert buffered <= 256 * 1024 + len(big) + 1024
    assert answered == [200] * count  # once it reads, every answer comes, in order


# Evidence that survives a hard stop


def test_record_is_a_valid_har_after_every_exchange_without_a_stop(tmp_path: Any) -> None:
    import json

    har = tmp_path / "live.har"
    with raw_upstream(answering(ok(NOT_A_LIST))) as upstream, proxy_to(upstream.url, record=str(har)) as proxy:
        with open_connection(proxy.port) as wire:
            seen = []
            for n in range(3):
                wire.send(request("POST" if n == 1 else "GET", f"{LEADS}?n={n}", AUTH, body=b'{"name":"x"}' if n == 1 else None))
                wire.reply()
                # as a kill -9 would leave it: no stop, no save
                seen.append([entry["request"]["url"] for entry in json.loads(har.read_text())["log"]["entries"]])
    assert seen == [[f"{upstream.url}{LEADS}?n=0"], [f"{upstream.url}{LEADS}?n={n}" for n in range(2)], [f"{upstream.url}{LEADS}?n={n}" for n in range(3)]]
    document = json.loads(har.read_text())
    assert document["log"]["creator"]["name"] == "leadkit proxy"
    assert document["log"]["entries"][1]["request"]["postData"]["text"] == '{"name":"x"}'


def test_a_large_request_body_is_kept_for_proxy_har_as_an_excerpt_with_its_size_and_digest_and_recorded_whole(tmp_path: Any) -> None:
    import hashlib
    import json

    har = tmp_path / "whole.har"
    body = b'{"name":"' + b"n" * 200_000 + b'"}'
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url, record=str(har), limits=Limits(body_kept=1024)) as proxy:
        with open_connection(proxy.port) as wire:
            wire.send(request("POST", LEADS, AUTH, "Content-Type: application/json", body=body))
            assert wire.reply().status == 200
            wire.send(request("GET", "/__proxy/har"))
            shown = wire.reply().json()["log"]["entries"]
    [entry] = shown
    assert len(entry["request"]["postData"]["text"]) == 1024
    assert entry["request"]["postData"]["_excerpt"] == {"size": len(body), "sha256": hashlib.sha256(body).hexdigest(), "kept": 1024}
    assert entry["request"]["bodySize"] == len(body)
    [recorded] = json.loads(har.read_text())["log"]["entries"]
    assert recorded["request"]["postData"]["text"].encode() == body


def test_proxy_har_is_streamed_a_reader_that_does_not_read_pins_no_more_than_the_write_buffer_and_stalls_nobody() -> None:
    """GET /__proxy/har sent in pieces as they are made (off the loop): never the whole dump in memory or on the loop."""
    import socket
    import time

    big = b'{"pad":"' + b"p" * 60 * 1024 + b'"}'  # under the 64 KiB kept whole for /__proxy/har
    count = 200  # about 12 MB of HAR, were it built whole
    with raw_upstream(answering(ok(big))) as upstream, proxy_to(upstream.url, limits=Limits(write_buffer=256 * 1024)) as proxy:
        with open_connection(proxy.port) as filler:
            for n in range(count):
                filler.send(request("GET", f"{LEADS}?n={n}", AUTH))
                assert filler.reply().status == 200
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        sock.connect(("127.0.0.1", proxy.port))
        with Wire(sock) as reader:
            reader.send(request("GET", "/__proxy/har"))
            time.sleep(1.0)  # the reader reads nothing meanwhile
            buffered = max(client.transport.get_write_buffer_size() for client in proxy.listening.connections if client.transport is not None)
            with open_connection(proxy.port) as other:  # everyone else is answered meanwhile
                other.send(request("GET", f"{LEADS}?other=1", AUTH))
                assert other.reply().status == 200
            reply = reader.reply()
    assert buffered <= 2 * 1024 * 1024, f"{buffered} bytes waiting for a reader that reads nothing"
    assert reply.header("Transfer-Encoding") == "chunked"
    document = reply.json()
    assert document["log"]["creator"]["name"] == "leadkit proxy"
    assert [entry["request"]["url"] for entry in document["log"]["entries"]] == [f"{upstream.url}{LEADS}?n={n}" for n in range(count)]
    assert document["log"]["entries"][0]["response"]["content"]["text"] == big.decode()


def test_a_reader_gone_in_the_middle_of_proxy_har_ends_its_stream_quietly_and_the_proxy_serves_on(capsys: Any) -> None:
    import socket
    import time

    big = b'{"pad":"' + b"q" * 60 * 1024 + b'"}'
    with raw_upstream(answering(ok(big))) as upstream, proxy_to(upstream.url, limits=Limits(write_buffer=64 * 1024)) as proxy:
        with open_connection(proxy.port) as filler:
            for n in range(100):  # about 6 MB of HAR: some 25 pieces
                filler.send(request("GET", f"{LEADS}?n={n}", AUTH))
                assert filler.reply().status == 200
        streams: list[dict[str, int]] = []  # per GET /__proxy/har: pieces made, whether it ended
        pieces = proxy.proxy.har_pieces

        def counted(recent: Any) -> Any:
            stream = {"made": 0, "ended": 0}
            streams.append(stream)
            try:
                for piece in pieces(recent):
                    stream["made"] += 1
                    yield piece
            finally:
                stream["ended"] = 1

        proxy.proxy.har_pieces = counted  # type: ignore[method-assign]
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        sock.connect(("127.0.0.1", proxy.port))
        with Wire(sock) as reader:
            reader.send(request("GET", "/__proxy/har"))
            assert reader._until(b"\r\n\r\n").startswith(b"HTTP/1.1 200")
            time.sleep(0.3)
        deadline = time.monotonic() + 5
        while not streams[0]["ended"] and time.monotonic() < deadline:
            time.sleep(0.05)
        gone = dict(streams[0])  # as it is while the proxy runs on
        with open_connection(proxy.port) as other:
            other.send(request("GET", "/__proxy/har", "Connection: close"))
            whole = other.reply().json()
    read = streams[1]
    assert gone["ended"], "the stream of a reader gone was never ended"
    assert gone["made"] < read["made"], f"{gone['made']} pieces made for a reader gone, {read['made']} for the whole dump"
    assert len(whole["log"]["entries"]) == 100
    assert "Traceback" not in capsys.readouterr().err


def test_proxy_har_to_an_http_1_0_client_ends_at_close_and_to_head_has_no_body() -> None:
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url) as proxy:
        with open_connection(proxy.port) as wire:
            wire.send(request("GET", LEADS, AUTH))
            assert wire.reply().status == 200
            wire.send(request("HEAD", "/__proxy/har"))
            head = wire.reply(to_head=True)
            wire.send(b"GET /__proxy/har HTTP/1.0\r\n\r\n")
            old = wire.reply()
            assert wire.closed()
    assert head.status == 200 and head.header("Content-Type") == "application/json"
    assert old.status == 200 and old.header("Transfer-Encoding") is None
    assert [entry["request"]["url"] for entry in old.json()["log"]["entries"]] == [f"{upstream.url}{LEADS}"]


# No false alarm at the edges


@pytest.mark.parametrize("path", ["/api/v1/leads/lead_a%2Fb", "/api/v1/leads/", "/api/v1/leads/%2F"])
def test_a_route_level_404_for_a_path_the_contract_reads_two_ways_is_no_violation(path: str) -> None:
    from kit_helpers import served_in_thread
    from planting import mock

    with served_in_thread(mock()) as url, proxy_to(url) as proxy:
        with open_connection(proxy.port) as wire:
            wire.send(request("GET", path, AUTH))
            reply = wire.reply()
        seen = violations(proxy)
    assert reply.status == 404
    assert reply.header(VIOLATIONS_HEADER) is None, reply.body
    assert seen["violations"] == [] and seen["judged"] == 1


def test_a_restarted_mock_behind_the_proxy_is_recognised_its_fixture_leads_back_no_false_alarm() -> None:
    """`leadkit mock` (memory state) restarted: the leads deleted before are back, as the mock documents."""
    from kit_helpers import served_in_thread
    from planting import mock

    john = "/api/v1/leads/lead_1234567890abcdef"
    first, second = mock(), mock()
    with served_in_thread(first) as url:
        with proxy_to(url) as proxy:
            with open_connection(proxy.port) as wire:
                wire.send(request("DELETE", john, AUTH))
                assert wire.reply().status == 200
                wire.send(request("GET", john, AUTH))
                assert wire.reply().status == 404
            proxy.proxy.pool.close()
            # the same proxy, now before a fresh start of the mock: John Doe is back
            proxy.proxy.pool.port = _serve_elsewhere(second, proxy)
            with open_connection(proxy.port) as wire:
                wire.send(request("GET", john, AUTH))
                back = wire.reply()
            seen = violations(proxy)
    assert back.status == 200 and back.header(VIOLATIONS_HEADER) is None, back.body
    assert seen["violations"] == []
    assert any("restarted" in note for note in proxy.proxy.tally.notes())


_elsewhere: list[Any] = []


def _serve_elsewhere(app: Any, proxy: InThread) -> int:
    from kit_helpers import served_in_thread

    serving = served_in_thread(app)
    url = serving.__enter__()
    _elsewhere.append(serving)
    return int(url.rsplit(":", 1)[1])


@pytest.fixture(autouse=True)
def _stop_elsewhere() -> Iterator[None]:
    yield
    while _elsewhere:
        _elsewhere.pop().__exit__(None, None, None)


def test_the_proxy_marks_the_foreign_answer_in_its_findings_and_never_the_keys_own_list() -> None:
    import json

    foreign = json.dumps({"success": True, "data": {"id": "lead_00000000000000aa", "name": "A", "email": "a@example.com", "phone": None, "source": None, "status": "new", "metadata": {},
                                                    "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": "2024-01-15T10:30:00.000Z", "workspaceId": "ws_alpha"}}).encode()
    own = [{"id": f"lead_00000000000000b{n}", "name": "B", "email": "b@example.com", "phone": None, "source": None, "status": "new", "metadata": {},
            "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": "2024-01-15T10:30:00.000Z", "workspaceId": "ws_beta"} for n in (3, 2, 1)]
    listing = json.dumps({"success": True, "data": {"leads": own, "pagination": {"page": 1, "limit": 10, "total": 3, "totalPages": 1, "hasNext": False, "hasPrev": False}}}).encode()
    with raw_upstream(answering(ok(foreign), ok(listing))) as upstream, proxy_to(upstream.url) as proxy:
        with open_connection(proxy.port) as wire:
            wire.send(request("GET", "/api/v1/leads/lead_00000000000000aa", AUTH))
            wire.reply()
            wire.send(request("GET", LEADS, AUTH))
            listed = wire.reply()
        seen = violations(proxy)
    assert listed.header(VIOLATIONS_HEADER) is None  # the key's own list conforms
    [finding] = seen["violations"]
    assert (finding["rule"], finding["request"]["url"]) == ("other-workspace-not-found", f"{upstream.url}/api/v1/leads/lead_00000000000000aa")


def test_a_bare_431_to_a_request_of_more_header_fields_than_the_contract_describes_is_not_judged() -> None:
    bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    with raw_upstream(answering(bare)) as upstream, proxy_to(upstream.url) as proxy:
        with open_connection(proxy.port) as wire:
            wire.send(request("GET", LEADS, AUTH, *(f"X-Many-{n}: v" for n in range(150))))
            reply = wire.reply()
        seen = violations(proxy)
        summary = "\n".join(proxy.proxy.tally.summary("leadkit proxy"))
    assert reply.status == 431 and reply.header(VIOLATIONS_HEADER) is None
    assert seen["violations"] == [] and seen["judged"] == 0
    assert seen["skipped"] == {"requests the contract does not describe (over 100 header fields)": 1}
    assert "no verdict" in summary


# Connections: none held for ever, none refused in the upstream's name


def test_an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() -> None:
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url, limits=Limits(idle_timeout=0.3)) as proxy:
        with open_connection(proxy.port) as wire:
            wire.send(request("GET", LEADS, AUTH))
            assert wire.reply().status == 200
            assert wire.closed()  # within the socket's 5 s: the 0.3 s given
        with open_connection(proxy.port) as silent:
            assert silent.closed()  # never sent a byte: idle too


def test_a_header_block_sent_too_slowly_gets_408_in_the_envelope_and_the_connection_closes() -> None:
    import time

    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url, limits=Limits(header_timeout=0.3, idle_timeout=30)) as proxy:
        with open_connection(proxy.port) as wire:
            wire.send(b"GET /api/v1/leads HTTP/1.1\r\nHost: x\r\n")
            time.sleep(0.1)
            wire.send(b"X-Slow: 1\r\n")  # a byte now and then (slowloris): never the end of the head
            reply = wire.reply()
            assert wire.closed()
    assert reply.status == 408
    assert reply.json()["code"] == "REQUEST_TIMEOUT" and "leadkit proxy" in reply.json()["error"]
    assert upstream.received == []


def test_a_request_body_that_stops_arriving_gets_408_in_the_envelope_and_is_never_forwarded() -> None:
    head = b"POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url, limits=Limits(body_timeout=0.3, idle_timeout=30)) as proxy:
        with open_connection(proxy.port) as wire:
            wire.send(head + b'{"name":')  # then nothing more: a slowloris body
            reply = wire.reply()
            assert wire.closed()
    assert reply.status == 408
    assert reply.json()["code"] == "REQUEST_TIMEOUT" and "--body-timeout" in reply.json()["error"]
    assert upstream.received == []


def test_a_body_that_keeps_arriving_slowly_is_read_whole_the_body_timeout_runs_between_reads() -> None:
    import time

    body = b'{"name":"Slow but steady"}'
    head = b"POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url, limits=Limits(body_timeout=0.5, idle_timeout=30)) as proxy:
        with open_connection(proxy.port) as wire:
            wire.send(head)
            for start in range(0, len(body), 6):  # about 1 s in all, never 0.5 s without a byte
                time.sleep(0.2)
                wire.send(body[start : start + 6])
            reply = wire.reply()
    assert reply.status == 200
    assert [message.body for message in upstream.received] == [body]


def test_an_idle_timeout_never_cuts_a_body_off_that_is_still_arriving() -> None:
    """A pipelined request's body still arriving when the answer before it goes out: the body's timeout, not the idle one."""
    import time

    body = b'{"name":"Second"}'
    first = request("GET", LEADS, AUTH)
    head = b"POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url, limits=Limits(idle_timeout=0.3, body_timeout=5)) as proxy:
        with open_connection(proxy.port) as wire:
            wire.send(first + head + body[:5])
            assert wire.reply().status == 200
            time.sleep(0.6)  # longer than the idle timeout, well within the body's
            wire.send(body[5:])
            assert wire.reply().status == 200
    assert len(upstream.received) == 2


def test_clients_over_the_connection_limit_get_the_proxys_own_503_never_the_upstreams_name() -> None:
    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url, limits=Limits(max_connections=2)) as proxy:
        with open_connection(proxy.port) as one, open_connection(proxy.port) as two, open_connection(proxy.port) as three:
            three.send(request("GET", LEADS, AUTH))
            refused = three.reply()
            assert three.closed()
            one.send(request("GET", LEADS, AUTH))
            assert one.reply().status == 200  # those already in are served
            two.sock.close()
    assert refused.status == 503
    body = refused.json()
    assert body["code"] == "SERVICE_UNAVAILABLE" and "leadkit proxy" in body["error"] and upstream.url not in refused.body.decode()
    assert body["details"]["maxConnections"] == 2


def test_requests_over_the_upstream_connection_cap_wait_their_turn_and_are_all_answered() -> None:
    import threading
    import time

    release = threading.Event()

    def held(wire: Any, number: int) -> None:
        while wire.request() is not None:
            release.wait(5)
            wire.send(ok())

    with raw_upstream(held) as upstream, proxy_to(upstream.url, limits=Limits(upstream_connections=2)) as proxy:
        clients = [open_connection(proxy.port) for _ in range(6)]
        for client in clients:
            client.send(request("GET", LEADS, AUTH))
        deadline = time.monotonic() + 2
        while len(upstream.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # a pool without a cap would have opened six by now
        opened = upstream.connections
        release.set()
        statuses = [client.reply().status for client in clients]
        for client in clients:
            client.sock.close()
    assert opened == 2
    assert statuses == [200] * 6 and upstream.connections <= 2


def test_out_of_open_files_is_the_proxys_own_503_never_blamed_on_the_upstream() -> None:
    import errno

    with raw_upstream(answering(ok())) as upstream, proxy_to(upstream.url) as proxy:

        async def no_files(*args: Any, **kwargs: Any) -> Any:
            raise OSError(errno.EMFILE, "Too many open files")

        proxy.proxy.pool.connect = no_files  # as the kernel answers at the open-files limit
        with open_connection(proxy.port) as wire:
            wire.send(request("GET", LEADS, AUTH))
            reply = wire.reply()
        seen = violations(proxy)
    assert reply.status == 503
    body = reply.json()
    assert body["code"] == "SERVICE_UNAVAILABLE" and "leadkit proxy" in body["error"] and "open files" in body["error"]
    assert "target" not in body["details"] and seen["upstreamErrors"] == 0
