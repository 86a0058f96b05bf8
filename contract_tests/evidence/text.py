"""An exchange as a reader sees it in a report: one-line excerpts, keys hidden, and a curl to repeat it."""

from __future__ import annotations

import base64
import re
import shlex
from typing import Mapping

from ..core.exchange import Exchange

BODY_SHOWN = 8192  # bytes of a request body a curl carries (generated ones fit); a longer one is cut, and said so
CURL_ADDS = ("User-Agent", "Accept")  # what curl sends unless told otherwise
CURL_EXPECTS_ABOVE = 1024  # curl before 7.84 asks `Expect: 100-continue` for bodies over 1 KiB (later: 1 MiB)
_PLAIN_IN_DOUBLE_QUOTES = re.compile(r'[^"$`\\!]*')


def _shapes(keys: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Each key as a request may carry it -> (how a reader sees it, how a shell word rebuilds it).

    As itself (a header, a query parameter) it is its variable; under `Basic` it is base64 of
    `key:` (or of the key alone), rebuilt from the variable by printf and base64.
    """
    shapes: dict[str, tuple[str, str]] = {}
    for key, variable in keys.items():
        if not key:
            continue
        for suffix in (":", ""):
            encoded = base64.b64encode(f"{key}{suffix}".encode()).decode()
            shapes[encoded] = (f"base64(${variable}{suffix})", f'$(printf %s{suffix} "${variable}" | base64 -w0)')
        shapes[key] = (f"${variable}", f"${variable}")
    return shapes


def redact(text: str, keys: Mapping[str, str]) -> str:
    """Every key replaced by the environment variable that holds it ($LEADS_API_KEY), in base64 too."""
    for secret, (shown, _) in sorted(_shapes(keys).items(), key=lambda item: -len(item[0])):
        text = text.replace(secret, shown)
    return text


def count(n: int, noun: str) -> str:
    """`1 rule`, `2 rules`: a number with its noun, as a reader says it."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


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
    """A curl command repeating the request as it was sent, keys replaced by the environment variables holding them.

    Every header the request carried goes with it, those curl would compute itself (Host,
    Content-Length, User-Agent, ...) included, so curl sends them as they were; the ones curl
    adds of its own accord and the request did not carry are turned off.
    """
    head = "curl -i --head" if exchange.method == "HEAD" else f"curl -i -X {shlex.quote(exchange.method)}"
    parts = [head, _shell_word(exchange.url, keys)]  # a key in the query string too
    body = exchange.request_body
    raw = body if isinstance(body, bytes) else (body or "").encode()
    truncated = len(raw) > BODY_SHOWN
    carried = {name.lower() for name in exchange.request_headers}
    for name, value in exchange.request_headers.items():
        if truncated and name.lower() == "content-length":
            continue  # the body shown is cut short: curl counts what it does send
        # curl drops a header written "Name:" with nothing after it; "Name;" sends it empty.
        parts += ["-H", _shell_word(f"{name}: {value}" if value.strip() else f"{name};", keys)]
    added = [*CURL_ADDS, *(["Expect"] if len(raw) > CURL_EXPECTS_ABOVE else [])]
    parts += [f"-H {shlex.quote(name + ':')}" for name in added if name.lower() not in carried]
    if not raw:
        return " ".join(parts)
    if truncated:
        text = raw[:BODY_SHOWN].decode("utf-8", "replace") + "...(truncated)"
        return " ".join([*parts, "--data-binary", shlex.quote(text)])
    try:
        sent: str | None = raw.decode("utf-8")
    except UnicodeDecodeError:
        sent = None  # not UTF-8: written byte for byte below
    if sent is not None and "\0" not in sent:
        return " ".join([*parts, "--data-binary", shlex.quote(sent)])
    # A shell word cannot hold a NUL byte, nor a terminal show any byte: printf writes them, octal-escaped.
    escaped = "".join(chr(byte) if 0x20 <= byte < 0x7F and chr(byte) not in "\\%" else f"\\{byte:03o}" for byte in raw)
    return " ".join(["printf", shlex.quote(escaped), "|", *parts, "--data-binary", "@-"])


def _shell_word(text: str, keys: Mapping[str, str]) -> str:
    """`text` as one shell word, every key in it written as the variable that holds it ("$LEADS_API_KEY")."""
    shapes = _shapes(keys)
    present = sorted((secret for secret in shapes if secret in text), key=len, reverse=True)
    if not present:
        return shlex.quote(text)
    pattern = re.compile("|".join(re.escape(secret) for secret in present))
    pieces, found = pattern.split(text), pattern.findall(text)
    variables = [shapes[secret][1] for secret in found] + [""]
    if all(_PLAIN_IN_DOUBLE_QUOTES.fullmatch(piece) for piece in pieces):
        return '"' + "".join(piece + variable for piece, variable in zip(pieces, variables)) + '"'
    return "".join((shlex.quote(piece) if piece else "") + (f'"{variable}"' if variable else "") for piece, variable in zip(pieces, variables))
