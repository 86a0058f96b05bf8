"""A recorded session sent again to a target: keys and ids mapped, stand-ins made, every answer judged.

Every request leaves through the kit's guarded session (`Kit`), as `leadkit verify`'s do: the
replay writes only to leads it created (the session's own creates and the stand-ins it makes
for leads the session found already there), and removes them all at the end, after a failure
or Ctrl-C too.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field, replace
from typing import Callable
from urllib.parse import quote, urlencode

from ..core.exchange import Exchange
from ..core.expect import LEAD_ID
from ..engine import Breach, Judge
from ..live.client import TIMEOUT_S
from ..live.guard import GuardRefused
from ..live.kit import Kit
from .compare import Difference, LeadHistory, answer_differs, list_rule, listed_ids
from .plan import Plan, Step, bearer, stand_in_body

_DROPPED = {"host", "content-length", "connection", "transfer-encoding", "keep-alive", "te", "upgrade", "accept-encoding", "cookie", "proxy-authorization"}
LIST_PAGES = 20  # a lead missing from a list page is looked for in at most this many pages of 100


class Unmapped(Exception):
    """A recorded lead id that cannot be given a target id; the step is skipped for the reason said."""


@dataclass
class StepOutcome:
    """What one step came to."""

    step: Step
    word: str  # "ok", "DIFF" or "skipped"
    reason: str = ""  # why skipped
    differences: list[Difference] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)  # the engine's, on the target's answer
    target: Exchange | None = None
    recorded_wrong: list[str] = field(default_factory=list)  # rules the recorded answer itself broke


class Replayer:
    def __init__(self, plan: Plan, kit: Kit, recorded_wrong: dict[int, list[str]], on_step: Callable[[StepOutcome], None]) -> None:
        self.plan = plan
        self.kit = kit
        self.keys = [kit.target.api_key] + ([kit.target.second_api_key] if kit.target.second_api_key else [])
        self.recorded_wrong = recorded_wrong
        self.on_step = on_step
        self.judge = Judge()
        self.ids: dict[str, str] = {}  # recorded lead id -> the target's
        self.absent: set[str] = set()  # recorded ids mapped to made-up ids the target does not have
        self.deleted: set[str] = set()  # recorded ids the recording deleted
        self.owner: dict[str, int | None] = {}  # recorded id -> the workspace slot that made or first showed it
        self.outcomes: list[StepOutcome] = []
        self.found: list[Breach] = []  # what the engine found in the target's answers during the current step
        self.invalid_key = "sk-workspace_leadkit_replay_refused_" + secrets.token_hex(6)

    def run(self) -> list[StepOutcome]:
        for step in self.plan.steps:
            outcome = self._step(step) if not step.skip else StepOutcome(step, "skipped", step.skip)
            self.outcomes.append(outcome)
            self.on_step(outcome)
        return self.outcomes

    def _step(self, step: Step) -> StepOutcome:
        view = step.view
        assert view is not None
        self.found = []
        headers = self._headers(step)
        if isinstance(headers, str):
            return StepOutcome(step, "skipped", headers)
        path = view.path
        if view.lead_id is not None and view.template is not None:
            try:
                mapped = self._lead(step, headers)
            except Unmapped as exc:
                return StepOutcome(step, "skipped", str(exc))
            path = view.template.replace("{leadId}", quote(mapped, safe=""))
        url = self.kit.target.base_url + path + (f"?{view.raw_query}" if view.raw_query else "")
        try:
            body = _padded(step.padding) if step.padding else step.recorded.request_body
            sent = self._send(view.method, url, headers, body, step.number)
        except GuardRefused as exc:
            return StepOutcome(step, "skipped", f"the kit's guard refused it: {exc}")
        target = self.judge.view(sent)
        outcome = StepOutcome(step, "ok", target=sent, breaches=self.found)
        outcome.recorded_wrong = self.recorded_wrong.get(step.number, [])
        self._learn(step, target.data if target.ok else None)
        if not outcome.recorded_wrong:
            history = LeadHistory(view.lead_id in self.deleted, self._elsewhere(step)) if view.lead_id else None
            difference = answer_differs(view, target, history)
            outcome.differences += [difference] if difference else []
            if view.operation == "listLeads" and view.ok and target.ok:
                outcome.differences += self._missing(step, listed_ids(view), listed_ids(target), headers)
        if outcome.differences or outcome.breaches:
            outcome.word = "DIFF"
        elif outcome.recorded_wrong:
            outcome.word, outcome.reason = "skipped", "the recorded answer itself broke the contract (" + ", ".join(outcome.recorded_wrong) + ")"
        return outcome

    def _headers(self, step: Step) -> dict[str, str] | str:
        """The recorded request's headers for the target, its key mapped; a reason when it cannot be sent."""
        assert step.view is not None
        headers = {name: value for name, value in step.recorded.request_headers.items() if name.lower() not in _DROPPED}
        found = bearer(step.view.request_headers)
        if self.plan.keys_stripped and step.recorded.status != 401:
            headers["Authorization"] = f"Bearer {self.keys[0]}"
        elif found is not None:
            slot = self.plan.slot(found[1])
            if found[1] in self.plan.refused:
                key = self.invalid_key
            elif slot is None or slot >= len(self.keys):
                return f"workspace {(slot or 0) + 1} of the recording has no key here: pass --second-api-key"
            else:
                key = self.keys[slot]
            for name in list(headers):
                if name.lower() == "authorization":
                    headers[name] = f"{found[0]} {key}"
        return headers

    def _lead(self, step: Step, headers: dict[str, str]) -> str:
        """The target's id for the step's recorded lead id; a stand-in or an absent id made when needed."""
        assert step.view is not None and step.view.lead_id is not None
        recorded = step.view.lead_id
        if recorded in self.ids:
            return self.ids[recorded]
        lead, key = self.plan.first_seen.get(recorded, (None, step.key))
        if lead is not None or step.view.ok:
            slot = self.plan.slot(key) if key is not None else 0
            if slot is None or slot >= len(self.keys):
                raise Unmapped("the lead's workspace has no key here: pass --second-api-key")
            body = json.dumps(stand_in_body(lead, self.kit.ledger.token())).encode()
            made = self._send("POST", self.kit.target.leads_url, _json_headers(self.keys[slot]), body, None)
            data = self.judge.view(made).data
            if made.status != 201 or not isinstance(data, dict) or not isinstance(data.get("id"), str):
                raise Unmapped(f"could not make a stand-in for {recorded}: the create answered {made.status}")
            self.ids[recorded], self.owner[recorded] = data["id"], slot
            return self.ids[recorded]
        made_up = "lead_" + secrets.token_hex(8) if LEAD_ID.fullmatch(recorded) else recorded
        if step.view.method not in ("GET", "HEAD"):
            probe = self._send("GET", f"{self.kit.target.leads_url}/{quote(made_up, safe='')}", headers, None, None)
            if probe.status != 404:
                raise Unmapped(f"GET of a made-up id answered {probe.status}; no write is sent to it")
            self.kit.ledger.probes.add(made_up)
        self.ids[recorded] = made_up
        self.absent.add(recorded)
        return made_up

    def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None, number: int | None) -> Exchange:
        started = time.time()
        response = self.kit.session.request(method, url, headers=headers, data=body, timeout=TIMEOUT_S, allow_redirects=False)
        exchange = replace(Exchange.from_response(response, started, time.time()), number=number)
        self.found += self.judge.judge(exchange)  # stand-ins and look-ups are the target's traffic too
        return exchange

    def _learn(self, step: Step, data: object) -> None:
        """Map a recorded create's id to the target's; note what the recording deleted."""
        view, recorded = step.view, step.recorded
        assert view is not None
        recorded_data = view.data
        if view.operation == "createLead" and recorded.status == 201 and isinstance(recorded_data, dict):
            if isinstance(data, dict) and isinstance(data.get("id"), str) and isinstance(recorded_data.get("id"), str):
                self.ids[recorded_data["id"]] = data["id"]
                self.owner[recorded_data["id"]] = self.plan.slot(step.key)
        if view.operation == "deleteLead" and recorded.status == 200 and view.lead_id:
            self.deleted.add(view.lead_id)

    def _elsewhere(self, step: Step) -> bool:
        assert step.view is not None and step.view.lead_id is not None
        owner = self.owner.get(step.view.lead_id)
        return owner is not None and owner != self.plan.slot(step.key)

    def _missing(self, step: Step, recorded: list[str], shown: list[str], headers: dict[str, str]) -> list[Difference]:
        """Leads the recorded list held that the target's does not, even searched for through every page."""
        expected = [lead for lead in recorded if lead in self.ids and lead not in self.absent and lead not in self.deleted]
        missing = [lead for lead in expected if self.ids[lead] not in shown]
        if not missing:
            return []
        assert step.view is not None
        query = {name: value for name, value in step.view.query.items() if name not in ("page", "limit")}
        found: set[str] = set()
        for page in range(1, LIST_PAGES + 1):
            url = f"{self.kit.target.leads_url}?{urlencode({**query, 'page': page, 'limit': 100})}"
            listed = self.judge.view(self._send("GET", url, headers, None, None))
            found.update(listed_ids(listed))
            pagination = listed.data.get("pagination") if isinstance(listed.data, dict) else None
            if not listed.ok or not isinstance(pagination, dict) or not pagination.get("hasNext"):
                break
        else:
            return []  # too many leads to be sure: silent
        gone = [lead for lead in missing if self.ids[lead] not in found]
        if not gone:
            return []
        named = ", ".join(f"{lead} (here {self.ids[lead]})" for lead in gone)
        return [Difference(list_rule(step.view.query), f"the recorded list held {named}; the target's list with the same filters does not")]


def _padded(size: int) -> bytes:
    """A JSON object of exactly `size` bytes (at least 16)."""
    return b'{"padding": "' + b"x" * max(0, size - 15) + b'"}'


def _json_headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
