"""One exchange read once for every rule: its route, lead id, key, headers and parsed bodies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..core.exchange import NOT_JSON, Exchange

_UNREAD: Any = object()

_BEARER = re.compile(r"\s*bearer\s+(\S+)\s*$", re.IGNORECASE)
API_PREFIX = "/api/v1/"


@dataclass
class View:
    """What the rules read of one exchange; built by `Routes.view`."""

    exchange: Exchange
    method: str  # upper case; HEAD routed as GET
    path: str
    raw_query: str
    operation: str | None  # operationId; None for an unknown route or a wrong method
    template: str | None  # the spec path it matched, even with a wrong method
    lead_id: str | None
    status: int
    headers: dict[str, str]  # response headers, names lower-cased
    request_headers: dict[str, str]
    forced: bool  # a forced example (Prefer: code=..., ?__code=): it tells nothing of state
    _key: Any = None
    _query: Any = None
    _body: Any = _UNREAD  # the exchange's parsed body, looked up once per view (every rule reads it)

    @property
    def query(self) -> dict[str, str]:
        """The query's parameters, the first value of each name (as servers read it)."""
        if self._query is None:
            self._query = _first_values(self.raw_query)
        return self._query  # type: ignore[no-any-return]

    @property
    def key(self) -> str | None:
        """The bearer key sent, or None."""
        if self._key is None:
            match = _BEARER.match(self.request_headers.get("authorization", ""))
            self._key = match.group(1) if match else ""
        return self._key or None

    @property
    def body(self) -> Any:
        """The response body as JSON; `NOT_JSON` when it does not parse, None when there is none."""
        body = self._body
        if body is _UNREAD:
            body = self._body = self.exchange.json
        return body

    @property
    def sent(self) -> Any:
        """The request body as JSON, when it is there and parses; else None."""
        sent = self.exchange.sent_json
        return None if sent is NOT_JSON else sent

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def data(self) -> Any:
        body = self.body
        return body.get("data") if isinstance(body, dict) else None


def _first_values(raw: str) -> dict[str, str]:
    """`parse_qsl(raw, keep_blank_values=True)`, first value of each name; split by hand when nothing is escaped."""
    pairs: Any
    if "%" in raw or "+" in raw:
        pairs = parse_qsl(raw, keep_blank_values=True)
    else:  # what parse_qsl does here: pieces split on "&", empty ones skipped, a bare name valued ""
        pairs = (piece.partition("=")[::2] for piece in raw.split("&") if piece)
    values: dict[str, str] = {}
    for name, value in pairs:
        values.setdefault(name, value)
    return values


def _path(url: str) -> str:
    """The path of a URL, without urlsplit's full work (this runs for every exchange)."""
    start = url.find("//")
    slash = url.find("/", start + 2 if start >= 0 else 0)
    if slash < 0:
        return ""
    query, fragment = url.find("?", slash), url.find("#", slash)
    if query < 0:
        return url[slash:] if fragment < 0 else url[slash:fragment]
    return url[slash:query] if fragment < 0 or query < fragment else url[slash:fragment]


# A plain http(s) URL: what urlsplit would strip (tabs, newlines) or check (a bracketed host) is absent.
_PLAIN_URL = re.compile(r"(https?)://([^/?#\[\]\t\r\n]*)((?:/[^?#\t\r\n]*)?)(?:\?([^#\t\r\n]*))?(?:#[^\t\r\n]*)?")


def url_parts(url: str) -> tuple[str, str, str, str]:
    """`urlsplit(url)`'s scheme, netloc, path and query; by one match for the plain URLs every feed gives."""
    match = _PLAIN_URL.fullmatch(url) if url.isascii() else None
    if match is None:
        parts = urlsplit(url)  # urlsplit's own rules for anything else
        return parts.scheme, parts.netloc, parts.path, parts.query
    return match[1], match[2], match[3], match[4] or ""


class Routes:
    """The spec's paths as patterns, and which operation each method reaches."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.templates: list[tuple[str, re.Pattern[str], dict[str, str], bool]] = []
        for path, item in spec["paths"].items():
            pattern = re.compile(re.escape(path).replace(r"\{leadId\}", "(?P<leadId>[^/]*)") + "$")
            methods = {method.upper(): op["operationId"] for method, op in item.items() if isinstance(op, dict) and "operationId" in op}
            self.templates.append((path, pattern, methods, "leadId" in pattern.groupindex))

    def lead_of(self, method: str, path: str, base_path: str = "") -> str | None:
        """The lead a PUT or DELETE to `path` writes to, as the routes read it; None for anything else."""
        if method.upper() not in ("PUT", "DELETE"):
            return None
        path = path[len(base_path) :] if base_path and path.startswith(base_path) else path
        for _, pattern, _, has_id in self.templates:
            match = pattern.match(path)
            if match:
                return unquote(match["leadId"]) if has_id else None
        return None

    def is_api(self, url: str, base_path: str = "") -> bool:
        return _path(url).startswith(base_path.rstrip("/") + API_PREFIX)

    def view(self, exchange: Exchange, base_path: str = "") -> View:
        _, _, path, query = url_parts(exchange.url)
        path = path[len(base_path.rstrip("/")) :] if base_path else path
        method = exchange.method.upper()
        routed = "GET" if method == "HEAD" else method
        operation = template = lead_id = None
        for spec_path, pattern, methods, has_id in self.templates:
            match = pattern.match(path)
            if match:
                template, operation = spec_path, methods.get(routed)
                if has_id:
                    lead_id = unquote(match["leadId"])
                break
        request_headers = {name.lower(): value for name, value in exchange.request_headers.items()}
        headers = {name.lower(): value for name, value in exchange.response_headers.items()}
        prefer = request_headers.get("prefer", "")
        applied = headers.get("preference-applied")
        forced = (
            "__code" in query
            or "__example" in query
            or (applied is not None and ("code=" in applied or "example=" in applied or "code=" in prefer or "example=" in prefer))
        )
        return View(exchange, method, path, query, operation, template, lead_id, exchange.status, headers, request_headers, forced)
