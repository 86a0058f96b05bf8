"""The kit's HTTP client: each exchange recorded, and its response held to openapi.yaml."""

from __future__ import annotations

import json as jsonlib
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Mapping

from requests.structures import CaseInsensitiveDict

from .conformance import Exchange, SpecChecker
from .rules import JSON_EVERYWHERE, RESPONSES_MATCH_SPEC, ContractViolation
from .target import Target
from .transport import KitSession

TIMEOUT_S = 30
_UNSET: Any = object()


@dataclass
class Reply:
    """One response, as the checks read it."""

    exchange: Exchange
    status: int
    headers: CaseInsensitiveDict[str]
    body: Any  # the parsed JSON, or None when the body is not JSON

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None

    @property
    def code(self) -> Any:
        return self.body.get("code") if isinstance(self.body, dict) else None

    @property
    def error_fields(self) -> set[str]:
        """The fields a VALIDATION_ERROR names."""
        errors = (self.body.get("details") or {}).get("errors") if isinstance(self.body, dict) else None
        return {str(error.get("field")) for error in errors or () if isinstance(error, dict)}


@dataclass
class CheckRecord:
    """What one running check has seen: kept per check, so checks can run at once in threads."""

    last: Exchange | None = None  # the evidence if the check fails
    # Responses that broke openapi.yaml during the check: they fail it even when its own assertions
    # pass, and they do not stop it, so its own rule is still tested and named.
    problems: list[ContractViolation] = field(default_factory=list)


# The running check's record. Each check sets its own; work it hands to other threads
# (contextvars.copy_context) writes to the same record.
CURRENT_CHECK: ContextVar[CheckRecord] = ContextVar("leadkit_check")


class Client:
    """Sends requests to the target through the guarded session."""

    def __init__(self, target: Target, session: KitSession, checker: SpecChecker) -> None:
        self.target = target
        self.session = session
        self.checker = checker
        self._outside = CheckRecord()  # requests made outside any check (preflight, say)

    @property
    def record(self) -> CheckRecord:
        return CURRENT_CHECK.get(self._outside)

    @property
    def last(self) -> Exchange | None:
        return self.record.last

    @property
    def problems(self) -> list[ContractViolation]:
        return self.record.problems

    def send(
        self,
        method: str,
        path: str,
        *,
        key: str | None,
        json: Any = _UNSET,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | str | None = None,
        scheme: str = "Bearer",
    ) -> Reply:
        """`path` is below the base URL, e.g. `/api/v1/leads`; `key=None` sends no Authorization."""
        sent = dict(headers or {})
        if key is not None:
            sent.setdefault("Authorization", f"{scheme} {key}")
        if json is not _UNSET:
            data = jsonlib.dumps(json).encode()
            sent.setdefault("Content-Type", "application/json")
        response = self.session.request(
            method,
            self.target.base_url + path,
            params=params,
            data=data,
            headers=sent,
            timeout=TIMEOUT_S,
            allow_redirects=False,
        )
        exchange = Exchange(
            method=method,
            url=response.url,
            status=response.status_code,
            response_headers=dict(response.headers),
            response_body=response.content,
            request_headers=dict(response.request.headers),
            request_body=data,
        )
        self.record.last = exchange
        problems = self.checker.problems(exchange)
        if problems:
            broken = JSON_EVERYWHERE if any("Content-Type" in problem for problem in problems) else RESPONSES_MATCH_SPEC
            self.problems.append(ContractViolation(broken, "; ".join(problems), exchange))
        try:
            body = jsonlib.loads(response.content)
        except ValueError:
            body = None
        return Reply(exchange, response.status_code, response.headers, body)
