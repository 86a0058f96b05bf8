"""The kit's HTTP client: each exchange recorded and judged by the rule engine, as proxy and check judge theirs."""

from __future__ import annotations

import json as jsonlib
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlsplit

from requests.structures import CaseInsensitiveDict

from ..core.exchange import NOT_JSON, Exchange
from ..core.rules import RATE_LIMITED_ANSWER, ContractViolation
from ..engine import Breach, Judge
from .session import KitSession
from .target import Target

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
    # Whether `last` was sent as the check's subject (`Api.subject()`): the request whose answer its
    # rule is about. A 5xx there breaks the rule too; a 5xx to any other request it needed does not.
    last_is_subject: bool = False
    # Responses that broke openapi.yaml during the check: they fail it even when its own assertions
    # pass, and they do not stop it, so its own rule is still tested and named.
    problems: list[ContractViolation] = field(default_factory=list)


# The running check's record. Each check sets its own; work it hands to other threads
# (contextvars.copy_context) writes to the same record.
CURRENT_CHECK: ContextVar[CheckRecord] = ContextVar("leadkit_check")
# Set by `Api.subject()` while a check sends the very request its rule is about.
SUBJECT: ContextVar[bool] = ContextVar("leadkit_subject", default=False)


class Client:
    """Sends requests to the target through the guarded session."""

    def __init__(self, target: Target, session: KitSession, spec: dict[str, Any]) -> None:
        self.target = target
        self.session = session
        # Every exchange the checks make, judged by the engine's rules, on its own and against the
        # run's earlier exchanges: the same rules `leadkit proxy` and `leadkit check` apply.
        self.judge = Judge(spec, base_path=urlsplit(target.base_url).path.rstrip("/"))
        self._outside = CheckRecord()  # requests made outside any check (preflight, say)
        self.broken: dict[str, list[Breach]] = {}  # rule id -> what the engine found in the whole run, every check's
        self.judged = 0  # exchanges the engine judged: the checks' and the generated phase's
        # Checks send from several threads at once; the engine takes exchanges one at a time, in
        # the order they ended (`ended` is read under the lock, so that order holds).
        self._lock = threading.Lock()
        # Writes (PUT, DELETE) sent and not yet answered, per lead id: while one is in flight, the
        # engine compares nothing of that lead that the write could have changed (the concurrency
        # checks send several at once), as it does for a recording's overlapping writes.
        self._in_flight: dict[str, int] = {}
        session.on_rate_limited = self.rate_limited

    @property
    def record(self) -> CheckRecord:
        return CURRENT_CHECK.get(self._outside)

    @property
    def last(self) -> Exchange | None:
        return self.record.last

    @property
    def problems(self) -> list[ContractViolation]:
        return self.record.problems

    def observed(self, exchange: Exchange) -> list[Breach]:
        """The engine's cross-exchange rules alone, for an exchange sent outside `send` (Schemathesis's)."""
        with self._lock:
            return self._noted(self.judge.across_only(exchange))

    def _writing(self, lead_id: str) -> bool:
        """Whether a write to `lead_id` is still in flight (read under the lock)."""
        return lead_id in self._in_flight

    def _done_writing(self, lead_id: str) -> None:
        left = self._in_flight[lead_id] - 1
        if left:
            self._in_flight[lead_id] = left
        else:
            del self._in_flight[lead_id]

    def rate_limited(self, exchange: Exchange) -> None:
        """A 429 the session is about to wait out, judged first by the rule about 429s alone (Retry-After,
        the envelope): it changed nothing, and the answer that follows is judged by every other rule.
        Its breaches are the running check's as well as the run's."""
        with self._lock:
            breaches = self._noted([breach for breach in self.judge.one(exchange) if breach.rule is RATE_LIMITED_ANSWER])
            self.problems.extend(ContractViolation(breach.rule, breach.message, exchange) for breach in breaches)
        exchange.release()

    def _noted(self, breaches: list[Breach]) -> list[Breach]:
        self.judged += 1  # under the lock, as every caller holds it
        for breach in breaches:
            self.broken.setdefault(breach.rule.id, []).append(breach)
        return breaches

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
        writes = self.judge.routes.lead_of(method, path.partition("?")[0])  # below the base URL, as the engine reads it
        if writes is not None:
            with self._lock:
                self._in_flight[writes] = self._in_flight.get(writes, 0) + 1
        try:
            response = self.session.request(
                method,
                self.target.base_url + path,
                params=params,
                data=data,
                headers=sent,
                timeout=TIMEOUT_S,
                allow_redirects=False,
            )
        except BaseException:
            if writes is not None:
                with self._lock:
                    self._done_writing(writes)
            raise
        exchange: Exchange = response.leadkit_exchange  # type: ignore[attr-defined]  # made once by the session, dated by the attempt that got it
        body = exchange.json  # read before the judge releases it: parsed once, by the session, for all three
        with self._lock:
            exchange.ended = time.time()  # read under the lock: the engine takes exchanges in the order they ended
            if writes is not None:
                self._done_writing(writes)
            self.record.last = exchange
            self.record.last_is_subject = SUBJECT.get()
            judged = self.judge.judge(exchange, self._writing)
            self.problems.extend(ContractViolation(breach.rule, breach.message, exchange) for breach in self._noted(judged))
        return Reply(exchange, response.status_code, response.headers, None if body is NOT_JSON else body)
