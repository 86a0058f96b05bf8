"""Schemathesis over openapi.yaml against the target, steered so it only ever writes to the kit's own leads.

Generated requests go through the kit's guarded session. Before each call, a write that names a
lead the kit does not own is pointed at a fresh lead the kit creates for it, and a generated
create is marked as test data; the guard refuses anything that still slips through.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import hypothesis
import schemathesis
from hypothesis.internal.conjecture import providers as hypothesis_providers
from hypothesis.internal.constants_ast import Constants
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.generation.stateful.state_machine import APIStateMachine
from schemathesis.specs.openapi.schemas import OpenApiSchema
from schemathesis.transport.requests import REQUESTS_TRANSPORT

from ..core.exchange import Exchange
from ..core.expect import is_seed_not_found
from ..core.rules import NO_ID_REUSE, NOT_FOUND_OTHER_WORKSPACE, ContractViolation, Rule
from ..live.guard import RUN_KEY, SAFE_METHODS, TEST_SOURCE
from ..live.interrupt import Interrupted
from ..live.kit import Kit
from .findings import Violations
from .handoff import Handoff, combined, run_at_once
from .marks import CHECK_RULES
from .parallel import serialise_ast_parse

STATEFUL_STEPS = 8  # calls per generated scenario: create, then what its links lead to
MIN_SCENARIOS_PER_MACHINE = 5
IN_FLIGHT_PER_WORKER = 2  # generated cases in flight per worker: each waits on a few requests of its checks
# Names the HTTP layer reads for framing and answers itself (a bare 400 or 501) before any app sees
# the request (RFC 9112 6.1-6.3, 9.6; RFC 9110 7.2, 7.6.1, 7.8, 10.1.1): as a generated extra
# header they judge the server's HTTP library, never the API.
FRAMING_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "host", "connection", "upgrade", "te", "trailer", "expect", "keep-alive"}
)
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 5.1, 5.6.2: a field name is a token


def build_schema(kit: Kit) -> OpenApiSchema:
    """openapi.yaml, served from the target, configured from the kit's options."""
    target = kit.target
    spec = copy.deepcopy(kit.spec)
    spec["servers"] = [{"url": target.base_url}]
    unexpected = [] if target.read_only else ["patch", "post", "trace"]
    settings: dict[str, Any] = {
        "generation": {"mode": "all", "max-examples": target.max_examples, "database": "none"},
        "auth": {"openapi": {"bearerAuth": {"bearer": target.api_key}}},
        "phases": {
            # Only the spec's own links: inferred ones would chase state a previous run left behind.
            "stateful": {"inference": {"algorithms": []}},
            "coverage": {"unexpected-methods": unexpected},
        },
        "operations": [
            # PUT, PATCH or DELETE on the whole collection could touch every lead: never try them.
            {"include-path": "/api/v1/leads", "phases": {"coverage": {"unexpected-methods": unexpected[-1:]}}},
            # --read-only: the operations that write are not tested at all.
            {"include-method": ["POST", "PUT", "DELETE"], "enabled": not target.read_only},
        ],
    }
    if target.seed is not None:
        settings["seed"] = target.seed
    schema = schemathesis.openapi.from_dict(spec, config=schemathesis.Config.from_dict(settings))
    schema.hook("filter_headers")(sendable_headers)  # this schema's generation only, never a global hook
    # Every request, auth probes included (they drop the session they are handed), takes the guarded session.
    transport = _GuardedTransport(kit.session)
    schema.__class__ = type("GuardedOpenApiSchema", (type(schema),), {"transport": property(lambda self: transport)})
    return schema


def sendable_headers(context: Any, headers: dict[str, Any] | None) -> bool:
    """Generated headers the API itself can be judged on: every name a token, none that HTTP framing reserves."""
    return all(_TOKEN.fullmatch(name) is not None and name.lower() not in FRAMING_HEADERS for name in headers or ())


def _no_local_constants() -> Constants:
    return Constants()


class _GuardedTransport:
    """Schemathesis's requests transport, always sending through the kit's session."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def send(self, case: Any, *, session: Any = None, **kwargs: Any) -> Any:
        return REQUESTS_TRANSPORT.send(case, session=session or self._session, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(REQUESTS_TRANSPORT, name)


class Fuzzer:
    """Sends generated cases the safe way and turns Schemathesis failures into rule violations.

    With more than one worker, `send` hands each case to a pool and returns at once, so Hypothesis
    generates the next while requests are in flight (at most 2 x `workers` cases); `drain`, run
    after the check (plugin.py), waits for them all and raises what they found.
    """

    def __init__(self, kit: Kit) -> None:
        self.kit = kit
        self.kwargs = {"session": kit.session, "base_url": kit.target.base_url, "timeout": 30}
        self.workers = kit.target.workers
        parallel = self.workers > 1
        self._cases = Handoff(IN_FLIGHT_PER_WORKER * self.workers, "leadkit-generated") if parallel else None
        self._aside = Handoff(self.workers, "leadkit-aside") if parallel else None
        if parallel:
            serialise_ast_parse()
        self._generating = 0  # checks generating now (generating())
        self._generating_lock = threading.Lock()
        self._harvest: Any = None

    @contextmanager
    def generating(self) -> Iterator[None]:
        """While a check generates, Hypothesis harvests no literals from local modules.

        Hypothesis (6.131 on) draws about 5% of its values from the literals of loaded "local"
        modules (not site-packages, not tests): with an editable install, leadkit's own source
        (`Content-Length`, `transfer-encoding`, `Prefer`, `code=`, ...). What a seed generated then
        depended on the install and on the modules loaded so far. No setting turns it off: the
        harvest is one function, replaced while any check generates and restored after, so other
        Hypothesis tests in the session keep it.
        """
        with self._generating_lock:
            if not self._generating:
                self._harvest = hypothesis_providers._get_local_constants
                setattr(hypothesis_providers, "_get_local_constants", _no_local_constants)
                hypothesis_providers.CONSTANTS_CACHE.cache.clear()  # pools already drawn from the harvest
            self._generating += 1
        try:
            yield
        finally:
            with self._generating_lock:
                self._generating -= 1
                if not self._generating:
                    setattr(hypothesis_providers, "_get_local_constants", self._harvest)
                    hypothesis_providers.CONSTANTS_CACHE.cache.clear()

    def steer(self, case: Any) -> None:
        """Aim writes at the kit's own leads; mark valid creates as test data."""
        lead_id = case.path_parameters.get("leadId")
        # Edits go to copies: a case's values may be the spec's example, shared with later cases.
        if "leadId" in case.path_parameters and case.method.upper() not in SAFE_METHODS:
            if not isinstance(lead_id, str) or lead_id not in self.kit.ledger.owned:
                case.path_parameters = {**case.path_parameters, "leadId": self.kit.api.create_lead()["id"]}
        elif case.method.upper() == "POST" and isinstance(case.body, dict) and _positive(case):
            body = dict(case.body)
            body.setdefault("source", TEST_SOURCE)
            if isinstance(body.get("metadata", {}), dict):
                body["metadata"] = {RUN_KEY: self.kit.ledger.run_id, **body.get("metadata", {})}
            case.body = body
        case.meta  # noqa: B018 - reading it re-validates the case against the spec after the edits

    def send(self, case: Any) -> None:
        if self._cases is None:
            return self._send_now(case)
        if self.kit.stopper.stopped.is_set():
            raise Interrupted
        self._cases.submit(lambda: self._send_now(case))
        return None

    def _send_now(self, case: Any) -> None:
        self.steer(case)
        response = case.call(**self.kwargs)
        self.validate(case, response)

    def aside(self, check: Callable[[], None]) -> None:
        """Run a check no later request depends on: at once with one worker, else beside the run."""
        if self._aside is None:
            return check()
        self._aside.submit(check)
        return None

    def drain(self, quiet: bool = False) -> None:
        """Wait for every case handed off; raise what they found (unless `quiet`: the check failed already)."""
        errors = [error for handoff in (self._cases, self._aside) if handoff is not None for error in handoff.join()]
        if errors and not quiet:
            raise combined(errors)

    def close(self) -> None:
        for handoff in (self._cases, self._aside):
            if handoff is not None:
                handoff.close()

    def validate(self, case: Any, response: Any, recorder: Any = None) -> None:
        try:
            case.validate_response(
                response, additional_checks=self.checks(), transport_kwargs=self.kwargs, recorder=recorder
            )
        except FailureGroup as group:
            raise _violations(group, response) from None

    def checks(self) -> list[Any]:
        kit = self.kit

        def no_id_reuse(ctx: Any, response: Any, case: Any) -> None:
            """The engine's cross-exchange judgement of a generated response (Schemathesis has no such check)."""
            exchange = Exchange.from_response(response)
            elapsed = response.elapsed  # seconds: a float from Schemathesis, a timedelta from requests
            seconds = elapsed.total_seconds() if hasattr(elapsed, "total_seconds") else float(elapsed)
            # Judged now, perhaps well after it was answered: its true start and end (transport.py),
            # or a list that ran meanwhile would look older than this create and its id "seen before".
            exchange.started = getattr(response.request, "leadkit_sent_at", None)
            exchange.ended = exchange.started + seconds if exchange.started is not None else time.time()
            exchange.started = exchange.started if exchange.started is not None else exchange.ended - seconds
            for breach in kit.client.observed(exchange):
                if breach.rule is NO_ID_REUSE:
                    raise ContractViolation(NO_ID_REUSE, breach.message, exchange)

        def workspace_isolation(ctx: Any, response: Any, case: Any) -> None:
            """Whatever lead the first key just saw, the second key must not find (the engine judges its answer too)."""
            lead_id = _lead_id(response) if 200 <= response.status_code < 300 else None
            if kit.other_api is None or lead_id is None or case.method.upper() == "DELETE":
                return
            other = kit.other_api

            def look() -> None:
                reply = other.get(lead_id)
                if reply.status != 404 or not is_seed_not_found(reply.body, lead_id):
                    raise ContractViolation(
                        NOT_FOUND_OTHER_WORKSPACE, f"the second key read {lead_id}: {reply.status}", reply.exchange
                    )

            self.aside(look)  # nothing later depends on it: off the chain of requests that wait on each other

        return [no_id_reuse, workspace_isolation]

    def state_machine(self, schema: OpenApiSchema, found: list[ContractViolation]) -> type[APIStateMachine]:
        """The spec's links as a state machine whose every step is steered and checked like the rest.

        A step's violations are collected into `found`, not raised: Hypothesis would replay the
        scenario to confirm it, and against a server whose state moved on, the replay diverges.
        """
        fuzzer = self
        base: Any = schema.as_state_machine()

        class LinkedSequences(base):  # type: ignore[misc]
            def before_call(self, case: Any) -> None:
                fuzzer.steer(case)

            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                return dict(fuzzer.kwargs)

            def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
                try:
                    fuzzer.validate(case, response, recorder=getattr(self, "recorder", None))
                except Violations as violations:
                    found.extend(violations.violations)

        return LinkedSequences

    def run_stateful(self, schema: OpenApiSchema) -> None:
        """The scenarios, split over up to `workers` state machines run at once, each with its own seed."""
        total = self.kit.target.max_examples
        # Hypothesis starts each run with its simplest scenarios: a machine needs a few examples to explore.
        shards = max(1, min(self.workers, total // MIN_SCENARIOS_PER_MACHINE))
        by_machine: list[list[ContractViolation]] = [[] for _ in range(shards)]
        runs = [self._stateful_run(schema, by_machine[shard], shard, -(-total // shards)) for shard in range(shards)]
        errors: list[BaseException] = []
        if len(runs) == 1:
            try:
                runs[0]()
            except Exception as exc:  # noqa: BLE001 - joined with what the look-ups aside found
                errors.append(exc)
        else:
            errors = run_at_once(runs, "leadkit-stateful")
        # Machine by machine, not in the order threads happened to report: a seed shows the same evidence each run.
        found = [violation for machine in by_machine for violation in machine]
        aside = self._aside.join() if self._aside is not None else []
        found += [error for error in aside if isinstance(error, ContractViolation)]
        errors += [error for error in aside if not isinstance(error, ContractViolation)]
        if errors:
            raise combined([*errors, *found])
        if found:
            first_per_rule = {violation.rule.id: violation for violation in reversed(found)}
            raise Violations(list(first_per_rule.values()))


    def _stateful_run(self, schema: OpenApiSchema, found: list[ContractViolation], shard: int, examples: int) -> Callable[[], None]:
        machine: Any = self.state_machine(schema, found)
        if self.kit.target.seed is not None:
            machine = hypothesis.seed(self.kit.target.seed + shard)(machine)
        settings = hypothesis.settings(
            max_examples=examples,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            database=None,
            phases=[hypothesis.Phase.generate],  # no shrinking: replaying against live state is not repeatable
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        return lambda: machine.run(settings=settings)


def _positive(case: Any) -> bool:
    meta = case.meta
    return meta is None or meta.generation.mode == GenerationMode.POSITIVE


def _lead_id(response: Any) -> str | None:
    try:
        data = response.json().get("data")
    except (ValueError, AttributeError):
        return None
    lead_id = data.get("id") if isinstance(data, dict) else None
    return lead_id if isinstance(lead_id, str) else None


def _violations(group: FailureGroup, response: Any) -> Violations:
    exchange = Exchange.from_response(response)
    found = []
    for failure in group.exceptions:
        inner = getattr(failure, "exception", None)
        if isinstance(inner, ContractViolation):
            found.append(inner)
            continue
        names = [name for name in type(failure).checks if name in CHECK_RULES]
        broken = CHECK_RULES[names[0]] if names else Rule("schemathesis", failure.title, "openapi.yaml")
        message = f"{failure.title}: {failure.message}" if failure.message.strip() else failure.title
        found.append(ContractViolation(broken, message, exchange))
    return Violations(found)
