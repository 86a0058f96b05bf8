"""An exchange as a reader sees it in a report: one-line excerpts, keys hidden, and a curl to repeat it."""

from __future__ import annotations

import shlex
from typing import Mapping

from ..core.exchange import Exchange


def redact(text: str, keys: Mapping[str, str]) -> str:
    """Every key replaced by the environment variable that holds it ($LEADS_API_KEY)."""
    for key, variable in sorted(keys.items(), key=lambda item: -len(item[0])):
        if key:
            text = text.replace(key, "$" + variable)
    return text


def one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def body_excerpt(body: bytes | str | None, content_type: str = "", limit: int = 160) -> str:
    """A body as one short line; HTML and binary bodies are described, never shown."""
    if not body:
        return ""
    raw = body if isinstance(body, bytes) else body.encode()
    text = raw.decode("utf-8", "replace")
    if "html" in content_type.lower() or text.lstrip()[:1] == "<":
        return f"(an HTML page, {len(raw):,} bytes, not shown)"
    if "\ufffd" in text:
        return f"({len(raw):,} bytes, not UTF-8, not shown)"
    return one_line(text, limit) + (f" ({len(raw):,} bytes)" if len(text) > limit else "")


def curl(exchange: Exchange, keys: Mapping[str, str]) -> str:
    """A curl command repeating the request, keys replaced by the environment variables holding them."""
    parts = ["curl", "-i", "-X", exchange.method, shlex.quote(exchange.url)]
    for name, value in exchange.request_headers.items():
        if name.lower() in ("user-agent", "accept-encoding", "accept", "connection", "content-length"):
            continue
        header = f"{name}: {value}"
        hidden = redact(header, keys)
        parts += ["-H", ('"' + hidden + '"') if hidden != header else shlex.quote(header)]
    body = exchange.request_body
    if body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        parts += ["--data-binary", shlex.quote(text if len(text) <= 500 else text[:500] + "...(truncated)")]
    return " ".join(parts)
