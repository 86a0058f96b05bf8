"""Request bodies as the pipeline reads them: bounded in size, refused when incomplete.

Werkzeug's own limit stops a body without a Content-Length (chunked) at the limit and
hands back the first MiB as if it were all, so a 10 MB chunked body became a 400
"Malformed JSON"; reading one byte past the limit tells the two apart.
"""

from __future__ import annotations

from typing import IO, Any

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wsgi import get_input_stream

from .errors import payload_too_large, validation_error

# Set in the WSGI environ by the server (rsgi.py) when the body it collected is not the
# whole body: the client stalled past the deadline or went away mid-body.
INCOMPLETE = "leadkit.body_incomplete"
_CHUNK = 64 * 1024


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The whole body; 413 past `limit` (chunked bodies included), 400 if incomplete."""
    reason = environ.get(INCOMPLETE)
    if reason:
        raise validation_error([{"field": "body", "message": reason}])
    # Bounded by Content-Length when there is one, so no server's socket is read past it.
    stream = get_input_stream(environ, max_content_length=None)
    try:
        data = _read_at_most(stream, limit + 1)
    except ClientDisconnected:
        raise validation_error([{"field": "body", "message": "Request body ended before it was complete"}]) from None
    if len(data) > limit:
        raise payload_too_large(limit)
    return data


def _read_at_most(stream: IO[bytes], limit: int) -> bytes:
    """Read until the stream ends or `limit` bytes arrived."""
    parts: list[bytes] = []
    size = 0
    while size < limit:
        chunk = stream.read(min(_CHUNK, limit - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)
