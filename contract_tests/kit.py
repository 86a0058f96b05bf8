"""One run of the kit against one target: its session, ledger and clients, and the cleanup at the end."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from mock_server.spec import load_spec

from .api import Api
from .client import TIMEOUT_S, Client
from .conformance import SpecChecker
from .guard import Guard, Ledger
from .target import Target, TargetError
from .transport import KitSession, make_session


@dataclass
class Kit:
    target: Target
    spec: dict[str, Any]
    ledger: Ledger
    session: KitSession
    client: Client
    api: Api
    other_api: Api | None
    leftovers: dict[str, str] = field(default_factory=dict)  # lead id -> why cleanup could not remove it

    @classmethod
    def open(cls, target: Target) -> Kit:
        spec = load_spec()
        ledger = Ledger()
        session = make_session(target, Guard(target.leads_url, ledger, target.read_only), ledger)
        client = Client(target, session, SpecChecker(target.base_url, spec))
        api = Api(client, ledger, target.api_key, target.read_only)
        other = Api(client, ledger, target.second_api_key, target.read_only) if target.second_api_key else None
        return cls(target, spec, ledger, session, client, api, other)

    def preflight(self) -> None:
        """Raise TargetError when the checks cannot run: nothing there, or a key refused."""
        keys = [("--api-key", self.target.api_key)]
        if self.target.second_api_key:
            keys.append(("--second-api-key", self.target.second_api_key))
        url = self.target.leads_url
        for option, key in keys:
            try:
                response = self.session.get(url, params={"limit": 1}, headers=_auth(key), timeout=TIMEOUT_S)
            except requests.RequestException as exc:
                raise TargetError(f"cannot reach {url}: {_reason(exc)}") from None
            if response.status_code in (401, 403):
                raise TargetError(f"the key given as {option} was refused: GET {url} answered {response.status_code}")
            if response.status_code == 404:
                raise TargetError(f"no Leads API at {url} (404); --base-url is the part before /api/v1")

    def cleanup(self) -> None:
        """Delete every lead the kit made and still has; note the ones it could not remove."""
        for lead_id, key in self.ledger.alive().items():
            try:
                why = self._remove(f"{self.target.leads_url}/{quote(lead_id, safe='')}", key)
            except requests.RequestException as exc:
                why = _reason(exc)
            if why:
                self.leftovers[lead_id] = why
            else:
                self.ledger.deleted.add(lead_id)

    def _remove(self, url: str, key: str) -> str | None:
        """None once the lead is gone, else why it is not."""
        status = self.session.delete(url, headers=_auth(key), timeout=TIMEOUT_S).status_code
        if status == 200:
            return None
        if status == 404 and self.session.get(url, headers=_auth(key), timeout=TIMEOUT_S).status_code == 404:
            return None  # already gone: a check deleted it some way the ledger did not see
        return f"DELETE answered {status}"


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _reason(exc: BaseException) -> str:
    """The operating system's words if there are any ("[Errno 111] Connection refused"), else the first line."""
    os_error = re.search(r"\[Errno -?\d+\] [^'\")]+", str(exc))
    return f"{type(exc).__name__}: " + (os_error.group(0) if os_error else (str(exc).splitlines() or [""])[0][:200])
