"""The RSGI bridge in process, with a stand-in for Granian's scope and protocol objects."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

import pytest
from flask import Flask

from bench.harness import AUTH, JOHN
from mock_server.rsgi import MAY_BLOCK, RsgiBridge


class Headers(dict[str, str]):
    """RSGI headers: lower-case names, `items()` and `get()` like Granian's."""


@dataclass
class Scope:
    method: str
    path: str
    query_string: str = ""
    headers: Headers = field(default_factory=Headers)
    proto: str = "http"
    http_version: str = "1.1"
    scheme: str = "http"
    server: str = "127.0.0.1:4010"
    client: str = "127.0.0.1:50000"


class Proto:
    """Hands out `chunks` as the body (then stalls if `stall`), records the response."""

    def __init__(self, chunks: tuple[bytes, ...] = (), stall: bool = False) -> None:
        self.chunks, self.stall = chunks, stall
        self.response: tuple[int, list[tuple[str, str]], bytes] | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.stall:
            await asyncio.sleep(3600)

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.response = (status, headers, body)


def call(bridge: RsgiBridge, scope: Scope, proto: Proto) -> dict[str, Any]:
    asyncio.run(bridge(scope, proto))
    assert proto.response is not None
    status, headers, body = proto.response
    return {"status": status, "headers": dict(headers), "json": json.loads(body)}


def api_headers(**extra: str) -> Headers:
    return Headers({"host": "127.0.0.1:4010", "authorization": AUTH["Authorization"], **extra})


def test_get_reaches_the_app_with_its_headers_and_path(app: Flask) -> None:
    reply = call(RsgiBridge(app), Scope("GET", f"/api/v1/leads/{JOHN}", headers=api_headers()), Proto())
    assert reply["status"] == 200 and reply["json"]["data"]["id"] == JOHN


def test_query_string_reaches_the_app(app: Flask) -> None:
    reply = call(RsgiBridge(app), Scope("GET", "/api/v1/leads", "limit=2&search=john", api_headers()), Proto())
    assert reply["json"]["data"]["pagination"]["limit"] == 2


def test_chunked_body_is_collected_whole(app: Flask) -> None:
    headers = api_headers(**{"content-type": "application/json", "transfer-encoding": "chunked"})
    proto = Proto((b'{"name": "Chunked", ', b'"email": "c@example.com"}'))
    reply = call(RsgiBridge(app), Scope("POST", "/api/v1/leads", headers=headers), proto)
    assert reply["status"] == 201 and reply["json"]["data"]["name"] == "Chunked"


@pytest.mark.parametrize(
    ("chunks", "stall", "announced", "message"),
    [
        ((b'{"name": "A',), True, "40", "did not arrive in full within 0.2 s"),  # stops sending mid-body
        ((b'{"name": "A',), False, "40", "ended after 11 of the 40 bytes"),  # closes early
    ],
)
def test_incomplete_body_is_a_400_in_the_envelope(
    app: Flask, chunks: tuple[bytes, ...], stall: bool, announced: str, message: str
) -> None:
    app.config["BODY_TIMEOUT_S"] = 0.2
    headers = api_headers(**{"content-type": "application/json", "content-length": announced})
    reply = call(RsgiBridge(app), Scope("POST", "/api/v1/leads", headers=headers), Proto(chunks, stall))
    assert reply["status"] == 400
    assert message in reply["json"]["details"]["errors"][0]["message"]


def test_body_announced_over_the_limit_is_never_read(app: Flask) -> None:
    headers = api_headers(**{"content-type": "application/json", "content-length": str(10 * 1024 * 1024)})
    proto = Proto((b"x",), stall=True)  # reading it would hang the test
    reply = call(RsgiBridge(app), Scope("POST", "/api/v1/leads", headers=headers), proto)
    assert reply["status"] == 413 and reply["json"]["code"] == "PAYLOAD_TOO_LARGE"


def test_requests_that_may_block_run_on_threads_and_hold_up_no_other() -> None:
    app = Flask("sleepy")
    app.config.update(MAX_CONTENT_LENGTH=1024, BODY_TIMEOUT_S=1)

    @app.get("/slow")
    def slow() -> dict[str, bool]:
        time.sleep(0.3)  # a simulated latency inside the app
        return {"slow": True}

    @app.get("/fast")
    def fast() -> dict[str, bool]:
        return {"slow": False}

    app.extensions[MAY_BLOCK] = lambda environ: environ["PATH_INFO"] == "/slow"
    bridge = RsgiBridge(app)
    finished: list[str] = []

    async def one(path: str) -> None:
        await bridge(Scope("GET", path, headers=Headers({"host": "t"})), Proto())
        finished.append(path)

    async def together() -> float:
        started = time.monotonic()
        await asyncio.gather(one("/slow"), one("/slow"), one("/slow"), one("/fast"))
        return time.monotonic() - started

    elapsed = asyncio.run(together())
    assert finished[0] == "/fast"
    assert elapsed < 0.6  # three 0.3 s waits side by side, not one after another
