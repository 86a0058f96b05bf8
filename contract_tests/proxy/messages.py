"""What crosses the proxy: a request as received, an answer as passed on, and the headers that are a connection's own."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

# Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection, not to the exchange; the framing
# (Content-Length, chunks) is each side's own to set.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect"})


def end_to_end(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`headers` less the hop-by-hop ones: the fixed set, and any the Connection header names (RFC 9110 7.6.1)."""
    drop = HOP_BY_HOP
    for name, value in headers:
        if name.lower() == "connection":
            drop = drop | {token.strip().lower() for token in value.split(",")}
    return [(name, value) for name, value in headers if name.lower() not in drop]


@dataclass(slots=True)
class Answer:
    """A response as the proxy passes it on: framing headers left out, `length` the declared one for HEAD.

    `stream`: the rest of the body after `body`, made piece by piece in a worker thread as the client
    reads (chunked; to an HTTP/1.0 client, ended by the close); the proxy's own large pages.
    """

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    length: str | None = None
    stream: Generator[bytes, None, None] | None = None


@dataclass(slots=True)
class Message:
    """One request as the client sent it: `target` is its request-target, in origin-form (`/path?query`)."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    keep_alive: bool
    version: str = "1.1"
    too_large: bool = False


Respond = Callable[[Answer], None]  # how a request's answer is given back, once


def answer(status: int, body: bytes, content_type: str = "application/json") -> Answer:
    """An answer of the proxy's own."""
    return Answer(status, HTTPStatus(status).phrase, [("Content-Type", content_type)], body)


def origin_form(target: str) -> str:
    """`target` as an origin server is sent it: the absolute-form a client sends its HTTP proxy loses its scheme and host."""
    if target.startswith("/") or "://" not in target:
        return target  # origin-form, or `OPTIONS *`
    parts = urlsplit(target)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
