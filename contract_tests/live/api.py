"""The Leads API in its own terms, as one workspace's key sees it, for checks that read as behaviour."""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from typing import Any, Iterator
from urllib.parse import quote

from ..core.rules import CREATE_ENVELOPE, NOT_FOUND_MALFORMED, NOT_FOUND_NEVER_EXISTED, ContractViolation
from .client import SUBJECT, Client, Reply
from .guard import RUN_KEY, TEST_SOURCE, Ledger

LEADS = "/api/v1/leads"


class NotApplicable(Exception):
    """The deployment gives a check nothing to work on (an empty workspace under --read-only): a skip, not a failure."""

# Made-up ids for the 404 checks, each random so it cannot name anyone's lead.
ID_SHAPES = {
    "well-formed": lambda: "lead_" + secrets.token_hex(8),
    "too-short": lambda: "lead_" + secrets.token_hex(5),
    "upper-case": lambda: "lead_" + secrets.token_hex(8).upper(),
    "no-prefix": lambda: secrets.token_hex(8),
    "seed-style": lambda: "lead_nonexistent" + str(secrets.randbelow(10**6)),
}


class Api:
    """Requests as one API key; every lead it creates is marked as the kit's test data."""

    def __init__(self, client: Client, ledger: Ledger, key: str, read_only: bool = False) -> None:
        self.client = client
        self.ledger = ledger
        self.key = key
        self.read_only = read_only

    def send(self, method: str, path: str = "", **kwargs: Any) -> Reply:
        return self.client.send(method, LEADS + path, key=self.key, **kwargs)

    def token(self) -> str:
        return self.ledger.token()

    @contextmanager
    def subject(self) -> Iterator[None]:
        """Requests sent inside are the ones the check's rule is about: a 5xx to one breaks that rule
        as well as no-server-errors. A 5xx to any other request (a lead made to work on, a clean-up)
        leaves the check unable to judge its rule, and says so."""
        token = SUBJECT.set(True)
        try:
            yield
        finally:
            SUBJECT.reset(token)

    def fields(self, **fields: Any) -> dict[str, Any]:
        """A valid create body marked as test data: source, and the run id in metadata."""
        token = self.token()
        body: dict[str, Any] = {"name": f"Leadkit Test {token}", "email": f"{token}@example.com", "source": TEST_SOURCE}
        body.update(fields)
        if isinstance(body.get("metadata", {}), dict):
            body["metadata"] = {RUN_KEY: self.ledger.run_id, **body.get("metadata", {})}
        return body

    def create(self, **fields: Any) -> Reply:
        return self.send("POST", json=self.fields(**fields))

    def create_lead(self, **fields: Any) -> dict[str, Any]:
        reply = self.create(**fields)
        if reply.status != 201 or not isinstance(reply.data, dict):
            raise ContractViolation(CREATE_ENVELOPE, f"a valid create answered {reply.status}, not 201", reply.exchange)
        lead: dict[str, Any] = reply.data  # an id seen before is the engine's finding (no-id-reuse), on every create
        return lead

    def create_group(self, *variants: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """Leads sharing one search word, one per variant of fields, created in this order."""
        word = self.token()
        leads = [
            self.create_lead(name=f"Leadkit Test {word} {i}", email=f"{word}.{i}@example.com", **fields)
            for i, fields in enumerate(variants)
        ]
        return word, leads

    def some_lead(self) -> dict[str, Any]:
        """A lead to work on: one the kit makes, or with --read-only the newest one already there."""
        if not self.read_only:
            return self.create_lead()
        leads = self.list(limit=1).data["leads"]
        if not leads:
            raise NotApplicable("--read-only and the workspace has no lead to look at")
        lead: dict[str, Any] = leads[0]
        return lead

    def get(self, lead_id: str, **kwargs: Any) -> Reply:
        return self.send("GET", "/" + quote(lead_id, safe=""), **kwargs)

    def list(self, **query: Any) -> Reply:
        return self.send("GET", params=query)

    def update(self, lead_id: str, body: Any, **kwargs: Any) -> Reply:
        return self.send("PUT", "/" + quote(lead_id, safe=""), json=body, **kwargs)

    def delete(self, lead_id: str, **kwargs: Any) -> Reply:
        return self.send("DELETE", "/" + quote(lead_id, safe=""), **kwargs)

    def absent_id(self, shape: str = "well-formed") -> str:
        """A made-up id, confirmed absent with a GET, that the guard then lets the checks write to."""
        lead_id = ID_SHAPES[shape]()
        reply = self.get(lead_id)
        if reply.status != 404:
            broken = NOT_FOUND_NEVER_EXISTED if shape == "well-formed" else NOT_FOUND_MALFORMED
            raise ContractViolation(broken, f"GET of the made-up id {lead_id} answered {reply.status}", reply.exchange)
        self.ledger.probes.add(lead_id)
        return lead_id
