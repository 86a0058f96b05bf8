"""The engine's URL split and JSON read: urlsplit's and json.loads' own answers, whatever a recording holds."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from contract_tests.engine.view import url_parts

URLS = [
    "http://127.0.0.1:4010/api/v1/leads?limit=10",
    "https://api.example.test/api/v1/leads/lead_1234567890abcdef",
    "http://h/api/v1/leads#frag?not=query",  # the fragment ends the path before any ?
    "http://h/api/v1/leads?x=1#frag?y",
    "http://h?x=1/y",  # no path, a query with a slash
    "http://h",
    "http://",
    "http://]h/api",  # a bracket with no host: urlsplit refuses it, so must the engine
    "http://[::1]:4010/api/v1/leads",  # a bracketed host: urlsplit checks it
    "HTTP://H/api/v1/leads",  # urlsplit lower-cases the scheme
    " http://h/api/v1/leads",  # leading space stripped
    "http://h/api/\tv1/\nleads",  # tabs and newlines removed
    "http://h/api/v1/leads/lé",  # not ASCII
    "/api/v1/leads?limit=1",  # no scheme, no host
    "mailto:x@y",
]


@pytest.mark.parametrize("url", URLS)
def test_url_parts_are_urlsplits(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        with pytest.raises(ValueError):
            url_parts(url)
        return
    assert url_parts(url) == (parts.scheme, parts.netloc, parts.path, parts.query)


BODIES = [
    b'{"success": true, "data": {"id": "lead_1", "metadata": {"a": [1, 2.5, null, "x"]}}}',
    b'{"a": NaN, "b": Infinity, "c": -Infinity}',  # json.loads takes these; msgspec does not
    b"1e400",  # json.loads: inf; msgspec refuses
    b'"\\ud800"',  # an escaped lone surrogate: json.loads takes it
    b"123456789012345678901234567890",  # past 64 bits: exact either way
    b"-0.0",
    b'{"a": 1, "a": 2}',  # the last one wins
    b' {"a" : 1.5e3 } ',
    b"[1, 2,]",
    b'"\x01"',  # a raw control character
    b"\xef\xbb\xbf{}",  # a byte-order mark is not JSON
    b'"caf\xc3\xa9"',
    b'"caf\xe9"',  # not UTF-8
    b"[" * 5000 + b"]" * 5000,  # deeper than either reads
    b"{",
]


@pytest.mark.parametrize("raw", BODIES)
def test_a_body_reads_as_json_loads_reads_it(raw: bytes) -> None:
    import json

    from contract_tests.core.exchange import NOT_JSON
    from contract_tests.core.exchange import parse_json as _parse

    try:
        expected = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        assert _parse(raw) is NOT_JSON
        return
    got = _parse(raw)
    assert (repr(got), type(got)) == (repr(expected), type(expected))  # repr: NaN is not equal to itself
