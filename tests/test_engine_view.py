"""The engine's URL split: urlsplit's own answer, whatever the URL a recording holds."""

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
