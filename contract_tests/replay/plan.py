"""A recording read as a replay plan: which entries are steps, which are skipped and why, and what each lead was.

Nothing here sends a request. The plan knows the recording's API origin, its workspaces (one
per accepted key, in the order they first appear), and the first state the recording showed
of every lead id, from which a stand-in is made for a lead the session did not create.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from ..core.exchange import Exchange
from ..core.har import Recording
from ..engine import View, is_preflight
from ..engine.stream import OTHER_HOST, PREFLIGHT, Stream

_BEARER = re.compile(r"\s*(bearer)\s+(\S+)\s*$", re.IGNORECASE)
WRITABLE = ("name", "email", "phone", "source", "status", "metadata")


@dataclass
class Step:
    """One entry of the recording: replayed, or skipped with the reason said."""

    number: int  # the HAR entry's number, from 1
    recorded: Exchange
    view: View | None = None  # None for an entry outside the API
    skip: str = ""  # why it is not replayed; empty when it is
    key: str | None = None  # the recorded bearer key, when one was sent
    padding: int = 0  # a body refused unread (413) and so not recorded: send this many bytes of JSON instead

    @property
    def label(self) -> str:
        parts = urlsplit(self.recorded.url)
        return f"{self.recorded.method} {parts.path}" + (f"?{parts.query}" if parts.query else "")


@dataclass
class Plan:
    steps: list[Step]
    origin: str  # scheme://host[:port] of the recorded API
    base_path: str  # what stood before /api/v1 in the recorded URLs
    workspaces: list[str]  # recorded keys that the recording shows accepted, in order of first use
    refused: set[str]  # recorded keys only ever answered 401
    keys_stripped: bool  # no Authorization header in the whole recording (Chromium's export)
    stream: Stream  # the recording's one stream: how its entries are sorted, and its own traffic judged
    first_seen: dict[str, tuple[dict[str, Any], str | None]] = field(default_factory=dict)  # lead id -> (lead, key)

    def slot(self, key: str | None) -> int | None:
        """Which workspace of the recording a key belongs to."""
        if self.keys_stripped:
            return 0
        return self.workspaces.index(key) if key in self.workspaces else None

    @property
    def replayed(self) -> list[Step]:
        return [step for step in self.steps if not step.skip]


def bearer(headers: dict[str, str]) -> tuple[str, str] | None:
    """(the scheme as written, the key) of a Bearer Authorization header, or None."""
    match = _BEARER.match(headers.get("authorization", ""))
    return (match.group(1), match.group(2)) if match else None


def make_plan(recording: Recording, base_url: str | None = None) -> Plan:
    """The steps of a recording; `base_url` names the recorded deployment when it holds more than one."""
    exchanges = sorted(recording.exchanges, key=lambda exchange: (exchange.started or 0.0, exchange.number or 0))
    origin, base_path = _api_origin(exchanges, base_url)
    stream = Stream(base_url=origin + base_path)
    steps: list[Step] = []
    for exchange in exchanges:
        step = Step(exchange.number or len(steps) + 1, exchange)
        parts = urlsplit(exchange.url)
        path = parts.path[len(base_path) :] if parts.path.startswith(base_path) else parts.path
        why = stream.sort(exchange) if origin else OTHER_HOST
        if why == OTHER_HOST:
            step.skip = f"a request to another host ({parts.netloc})"
        elif path.startswith(("/__mock", "/__proxy")):
            step.skip = "an admin call of the mock, not the Leads API"
        elif why == PREFLIGHT:
            step.skip = "a CORS preflight (the browser's, not the app's)"
        elif why is not None:
            step.skip = "not the Leads API"
        else:
            step.view = stream.routes.view(_rebased(exchange, base_path))
            found = bearer(step.view.request_headers)
            step.key = found[1] if found else None
            if step.view.forced:
                step.skip = "a forced response (Prefer code= or example=, ?__code=): the mock's example, not the contract's behaviour"
            elif _body_missing(step.view) and step.recorded.status == 413:
                step.padding = int(step.view.request_headers["content-length"])  # refused unread: its size is what counts
            elif _body_missing(step.view):
                step.skip = "the recording does not hold the request's body" + f" (Content-Length {step.view.request_headers['content-length']})"
        steps.append(step)
    api = [step for step in steps if step.view is not None]
    stripped = bool(api) and not any("authorization" in step.view.request_headers for step in api if step.view)
    accepted: Counter[str] = Counter()
    used: dict[str, None] = {}
    for step in api:
        if step.key is not None:
            used.setdefault(step.key)
            accepted[step.key] += step.recorded.status != 401
    plan = Plan(steps, origin, base_path, [key for key in used if accepted[key]], {key for key in used if not accepted[key]}, stripped, stream)
    for step in api:
        if step.view is not None and not step.skip and 200 <= step.recorded.status < 300:
            for lead in _leads_shown(step.view):
                plan.first_seen.setdefault(lead["id"], (lead, step.key))
    return plan


def _body_missing(view: View) -> bool:
    """A body the request announced that the recording did not keep (a refused upload, a devtools export)."""
    announced = view.request_headers.get("content-length", "").strip()
    return announced.isdigit() and int(announced) > len(view.exchange.request_body or b"")


def _api_origin(exchanges: list[Exchange], base_url: str | None) -> tuple[str, str]:
    if base_url:
        parts = urlsplit(base_url)
        return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/").removesuffix("/api/v1")
    origins: Counter[tuple[str, str]] = Counter()
    for exchange in exchanges:
        parts = urlsplit(exchange.url)
        before, marker, _ = parts.path.partition("/api/v1/")
        if marker and not is_preflight(exchange):
            origins[(f"{parts.scheme}://{parts.netloc}", before)] += 1
    return origins.most_common(1)[0][0] if origins else ("", "")


def _rebased(exchange: Exchange, base_path: str) -> Exchange:
    """The exchange as if the deployment stood at the root, so the spec's paths match it."""
    if not base_path:
        return exchange
    parts = urlsplit(exchange.url)
    url = parts._replace(path=parts.path[len(base_path) :]).geturl()
    return replace(exchange, url=url)


def _leads_shown(view: View) -> list[dict[str, Any]]:
    data = view.data
    if view.operation in ("getLead", "updateLead", "createLead") and isinstance(data, dict) and isinstance(data.get("id"), str):
        return [data]
    if view.operation == "listLeads" and isinstance(data, dict) and isinstance(data.get("leads"), list):
        return [lead for lead in data["leads"] if isinstance(lead, dict) and isinstance(lead.get("id"), str)]
    return []


def stand_in_body(lead: dict[str, Any] | None, token: str) -> dict[str, Any]:
    """A create body that makes a lead like the recorded one; a marked placeholder when none was shown."""
    if lead is None:
        return {"name": f"Leadkit Replay {token}", "email": f"{token}@example.com", "source": "leadkit-test"}
    return {name: lead[name] for name in WRITABLE if name in lead and not (name == "metadata" and not isinstance(lead[name], dict))}
