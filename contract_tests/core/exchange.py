"""One exchange as plain data, whatever it came from: the type every feed gives the engine.

A response becomes one at the edge, by `Exchange.from_response` (requests and Schemathesis
responses alike), a HAR entry by core/har.py, a proxied one by proxy/app.py; copies are
`dataclasses.replace`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


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

    @classmethod
    def from_response(cls, response: Any, started: float | None = None, ended: float | None = None) -> Exchange:
        """A requests (or Schemathesis) response and the request it answered: both carry `.request`."""
        request = response.request
        headers = {name: ", ".join(value) if isinstance(value, list) else value for name, value in response.headers.items()}
        body = request.body.encode() if isinstance(request.body, str) else request.body
        return cls(
            method=str(request.method),
            url=str(request.url),
            status=response.status_code,
            response_headers=headers,
            response_body=response.content,
            request_headers=dict(request.headers),
            request_body=body,
            started=started,
            ended=ended,
        )

    def excerpt(self, limit: int = 300) -> str:
        text = self.response_body.decode("utf-8", "replace")
        return text if len(text) <= limit else text[:limit] + "…"
