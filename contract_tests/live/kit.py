"""One run of the kit against one target: its session, ledger and clients, and the cleanup at the end."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from mock_server.spec import load_spec

from ..engine.coverage import Seen
from ..evidence.text import body_excerpt, count
from .api import Api
from .client import TIMEOUT_S, Client
from .guard import Guard, Ledger
from .interrupt import Stopper
from .session import KitSession, make_session
from .target import Target, TargetError


@dataclass
class Kit:
    target: Target
    spec: dict[str, Any]
    ledger: Ledger
    session: KitSession
    client: Client
    api: Api
    other_api: Api | None
    stopper: Stopper = field(default_factory=Stopper)
    seen: Seen | None = None  # every (operation, status) the run saw: its coverage
    leftovers: dict[str, str] = field(default_factory=dict)  # lead id -> why cleanup could not remove it
    removed: int = 0  # leads cleanup removed (the rest of what was made, the run deleted itself)

    @classmethod
    def open(cls, target: Target, stopper: Stopper | None = None) -> Kit:
        spec = load_spec()
        ledger = Ledger()
        stopper = stopper or Stopper()
        seen = Seen(spec, urlsplit(target.base_url).path)
        session = make_session(target, Guard(target.leads_url, ledger, target.read_only), ledger, stopper, seen)
        client = Client(target, session, spec)
        api = Api(client, ledger, target.api_key, target.read_only)
        other = Api(client, ledger, target.second_api_key, target.read_only) if target.second_api_key else None
        return cls(target, spec, ledger, session, client, api, other, stopper, seen)

    def preflight(self) -> None:
        """Raise TargetError unless the list answers each key with the documented envelope: it is the Leads API."""
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
            if not _is_list_envelope(response):
                kind = response.headers.get("Content-Type", "no Content-Type").split(";")[0]
                shown = body_excerpt(response.content, kind, 80) or "an empty body"
                raise TargetError(
                    f"not the Leads API: GET {url}?limit=1 with {option} answered {response.status_code} {kind}: {shown}, "
                    "not the documented {success, data: {leads, pagination}}"
                )

    def cleanup(self) -> None:
        """Delete every lead the kit made and still has, several at once; note the ones it could not remove.

        A Ctrl-C now is noted and cleanup goes on; a second one leaves what is left, listed.
        """
        self.stopper.cleaning = True
        alive = self.ledger.alive()
        if len(alive) > 20:
            self.stopper.announce(f"{self.stopper.tool}: removing the {count(len(alive), 'test lead')} of {self.stopper.owner}'s still there")
        pool = ThreadPoolExecutor(max(1, self.target.workers), thread_name_prefix="leadkit-cleanup")
        futures = {pool.submit(self._remove_one, lead_id, key): lead_id for lead_id, key in alive.items()}
        try:
            wait(futures)
        except KeyboardInterrupt:
            for future, lead_id in futures.items():
                if not future.done() or future.cancelled():
                    self.leftovers[lead_id] = "left behind: cleanup abandoned by a second Ctrl-C"
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            self.stopper.uninstall()
        pool.shutdown()
        for future, lead_id in futures.items():
            why = future.result()
            if why:
                self.leftovers[lead_id] = why
            else:
                self.ledger.deleted.add(lead_id)
                self.removed += 1

    def cleanup_note(self, maker: str = "the kit") -> str:
        """What cleanup did, in a line (or a list of what it could not remove); `maker` names who made the leads."""
        made = len(self.ledger.owned)
        if not made:
            return f"Cleanup: nothing to remove, {maker} created no lead."
        if self.leftovers:
            lines = [f"Cleanup: could NOT remove {len(self.leftovers):,} of the {count(made, 'test lead')} {maker} created:"]
            lines += [f"  {lead_id}: {why}" for lead_id, why in sorted(self.leftovers.items())]
            return "\n".join(lines)
        # One number for what was made: the run deleted some itself, cleanup removed the rest (the number it announced).
        gone = "is gone" if made == 1 else "are all gone"
        return f"Cleanup: the {count(made, 'test lead')} {maker} created {gone} ({self.removed:,} removed at the end; run id {self.ledger.run_id})."

    def _remove_one(self, lead_id: str, key: str) -> str | None:
        try:
            return self._remove(f"{self.target.leads_url}/{quote(lead_id, safe='')}", key)
        except requests.RequestException as exc:
            return _reason(exc)

    def _remove(self, url: str, key: str) -> str | None:
        """None once the lead is gone, else why it is not."""
        status = self.session.delete(url, headers=_auth(key), timeout=TIMEOUT_S).status_code
        if status == 200:
            return None
        if status == 404 and self.session.get(url, headers=_auth(key), timeout=TIMEOUT_S).status_code == 404:
            return None  # already gone: a check deleted it some way the ledger did not see
        return f"DELETE answered {status}"


def _is_list_envelope(response: requests.Response) -> bool:
    """The list's documented envelope, recognisably: `data.leads` a list, `data.pagination` an object."""
    try:
        body = response.json()
    except ValueError:
        return False
    data = body.get("data") if isinstance(body, dict) else None
    return response.status_code == 200 and isinstance(data, dict) and isinstance(data.get("leads"), list) and isinstance(data.get("pagination"), dict)


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _reason(exc: BaseException) -> str:
    """The operating system's words if there are any ("[Errno 111] Connection refused"), else the first line."""
    os_error = re.search(r"\[Errno -?\d+\] [^'\")]+", str(exc))
    return f"{type(exc).__name__}: " + (os_error.group(0) if os_error else (str(exc).splitlines() or [""])[0][:200])
