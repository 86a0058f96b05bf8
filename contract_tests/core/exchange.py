"""One exchange as plain data, whatever it came from: the type every feed gives the engine.

A response becomes one at the edge, by `Exchange.from_response` (requests and Schemathesis
responses alike), a HAR entry by core/har.py, a proxied one by proxy/app.py; copies are
`dataclasses.replace`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

import msgspec

NOT_JSON: Any = object()  # a body that is there but does not parse
_UNREAD: Any = object()  # a body not parsed yet
_DECODE = msgspec.json.Decoder().decode  # half json.loads' cost; the proxy parses every answer in the request's path


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
    # The parsed bodies, read at most once (`json`, `sent_json`); never compared, shown or copied by replace().
    _json: Any = field(default=_UNREAD, init=False, repr=False, compare=False)
    _sent_json: Any = field(default=_UNREAD, init=False, repr=False, compare=False)

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

    @property
    def json(self) -> Any:
        """The response body as JSON, parsed once for every reader: None when there is none, NOT_JSON when it does not parse."""
        if self._json is _UNREAD:
            self._json = parse_json(self.response_body)
        return self._json

    @property
    def sent_json(self) -> Any:
        """The request body as JSON, likewise."""
        if self._sent_json is _UNREAD:
            self._sent_json = parse_json(self.request_body or b"")
        return self._sent_json

    def release(self) -> None:
        """Forget the parsed bodies: an exchange kept after it was judged (a report's evidence, the proxy's
        recent traffic, a whole recording) holds its bytes only, never a second copy as objects."""
        self._json = self._sent_json = _UNREAD

    def excerpt(self, limit: int = 300) -> str:
        text = self.response_body.decode("utf-8", "replace")
        return text if len(text) <= limit else text[:limit] + "…"


def parse_json(raw: bytes) -> Any:
    """`raw` as json.loads reads it (UTF-8), by msgspec where msgspec reads it; None when empty, NOT_JSON when it does not parse.

    msgspec refuses some of what json.loads takes (NaN, Infinity, 1e400, an escaped lone
    surrogate): those go to json.loads, so a body reads the same either way.
    """
    if not raw:
        return None
    try:
        return _DECODE(raw)
    except (msgspec.DecodeError, RecursionError):
        pass
    try:
        return json.loads(raw.decode("utf-8"))  # the contract's JSON is UTF-8: no sniffing for UTF-16
    except (ValueError, UnicodeDecodeError, RecursionError):
        return NOT_JSON
