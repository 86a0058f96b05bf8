"""One exchange as plain data, and checking its response against openapi.yaml wherever it came from.

Used by the kit (responses from a live URL) and by the mock's own tests (responses from
the Flask test client), so both hold responses to the same spec the same way: the rule
engine's compiled checks (contract_tests/engine/openapi.py), a few µs a response where
openapi-core took 1-2 ms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlsplit

from mock_server.spec import load_spec


@dataclass
class Exchange:
    """One request and its response, as plain data."""

    method: str
    url: str
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes
    request_headers: Mapping[str, str] = field(default_factory=dict)
    request_body: bytes | None = None
    # When it was seen, in seconds since the epoch: the cross-exchange rules compare two
    # exchanges only when one ended before the other began. None: not known.
    started: float | None = None
    ended: float | None = None
    number: int | None = None  # its place in a recording (a HAR entry's number), for reports
    response_omitted: bool = False  # the recording left the response body out: nothing to judge in it

    def excerpt(self, limit: int = 300) -> str:
        text = self.response_body.decode("utf-8", "replace")
        return text if len(text) <= limit else text[:limit] + "…"


class SpecChecker:
    """Validates responses against openapi.yaml for a deployment at `base_url`: the engine's compiled checks."""

    def __init__(self, base_url: str, spec: dict[str, Any] | None = None) -> None:
        from ..engine.openapi import SpecRules  # the engine reads Exchange from here: import it once both exist
        from ..engine.view import Routes

        self.spec = spec if spec is not None else load_spec()
        self.base_path = urlsplit(base_url).path.rstrip("/")
        self.routes = Routes(self.spec)
        self.rules = SpecRules(self.spec)

    def problems(self, exchange: Exchange) -> list[str]:
        """What is wrong with the response; empty when it conforms."""
        return [breach.message for breach in self.rules.judge(self.routes.view(exchange, self.base_path))]
