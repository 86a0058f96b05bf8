"""One API request as the pipeline and the views see it: what was sent, and what the checks found.

The WSGI environ is the request; this adds the operation it routed to and, as the checks
pass, the caller's workspace and the parsed body and query. Nothing here is a framework's:
a request/response object per call cost more than the whole of GET one lead's own work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401  # registers the "werkzeug.url_quote" error handler parse_qsl uses below
from werkzeug.sansio.utils import get_content_length


def wsgi_text(value: str) -> str:
    """A WSGI string as text: WSGI carries a path's or query's UTF-8 bytes as Latin-1 characters."""
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a server that handed over text already decoded
        return value


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def sent_media_type(content_type: str | None) -> str:
    """The one media type a Content-Type names, lower case, no parameters; "" if none, or more than one.

    Two Content-Type headers arrive joined with a comma (rsgi.py): that is not one type.
    """
    if not content_type or "," in _QUOTED.sub("", content_type):
        return ""
    return content_type.partition(";")[0].strip().lower()


@dataclass(slots=True)
class Call:
    environ: dict[str, Any]
    method: str
    path: str  # decoded text
    operation_id: str
    params: dict[str, str]  # from the path template, e.g. {"leadId": "..."}
    workspace_id: str | None = None  # set by auth
    body: Any = None  # set by validation, for operations that take a body
    query: dict[str, Any] | None = None  # set by validation: typed, with the spec's defaults
    simulated: bool = False  # answered by a forced response or an injected fault: nothing changed

    def header(self, name: str) -> str | None:
        """A request header by its usual name (`Authorization`), None when not sent."""
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            found: str | None = self.environ.get(key)
        else:
            found = self.environ.get("HTTP_" + key)
        return found

    @property
    def mimetype(self) -> str:
        """`Content-Type` without parameters, lower case; empty when not sent or naming several types."""
        return sent_media_type(self.environ.get("CONTENT_TYPE"))

    @property
    def content_length(self) -> int | None:
        """As Werkzeug reads it: None when not sent or chunked, 0 when not a number."""
        return get_content_length(self.environ.get("CONTENT_LENGTH"), self.environ.get("HTTP_TRANSFER_ENCODING"))

    def args(self) -> dict[str, str]:
        """The first value of each query parameter (blank values kept)."""
        query = self.environ.get("QUERY_STRING", "")
        if not query:
            return {}
        first: dict[str, str] = {}
        # As Werkzeug's `request.args`: bytes that are not UTF-8 stay percent-encoded.
        for name, value in parse_qsl(wsgi_text(query), keep_blank_values=True, errors="werkzeug.url_quote"):
            first.setdefault(name, value)
        return first
