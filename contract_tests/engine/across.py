"""The rules only several exchanges show: what one lead's states say about each other, and about keys.

Observed traffic is partial, so two exchanges are compared only when one ended before the
other began, and a rule with nothing to compare stays silent. Exchanges are fed in the order
they ended. What is kept is a few observations per lead id (times, timestamps, the fields a PUT
is compared with, and a `Seen` of the exchange that showed each, never the exchange itself) and
the workspaces per key; a deleted lead is forgotten but for its retired id, a tuple of three
numbers. Memory grows with the live leads and the ids retired, never with the exchanges.
"""

from __future__ import annotations

import math
from typing import Any, Callable
from urllib.parse import quote

from mock_server.merge_patch import merge_patch

from ..core.exchange import Exchange
from ..core.expect import TIMESTAMP
from ..core.rules import (
    DELETED_AT_AFTER_UPDATES,
    ISOLATION_LIST,
    LIST_AFTER_DELETE,
    NO_ID_REUSE,
    NOT_FOUND_AFTER_DELETE,
    NOT_FOUND_OTHER_WORKSPACE,
    UPDATE_MERGE_PATCH,
    UPDATE_NULL_CLEARS,
    UPDATE_PARTIAL,
    UPDATE_REFUSED_UNCHANGED,
    UPDATE_TIMESTAMPS,
    Rule,
)
from .breach import Breach, Seen
from .view import View, url_parts

MARKS = 4  # updatedAt observations kept per lead; older ones fold into one floor
STATES = 6  # differing states kept per lead, for the PUTs that follow
FIELDS = ("name", "email", "phone", "source", "status")
KEPT = (*FIELDS, "metadata", "updatedAt")  # what a later PUT's answer is compared with
Retired = tuple[float, float, "int | None"]  # a deleted lead: its DELETE's end, when it was first seen, the DELETE's entry number
WritesPending = Callable[[str], bool]  # lead id -> a write to it is still in flight


class _Lead:
    """What the traffic showed of one lead id."""

    __slots__ = ("first_end", "created", "workspace", "deleted", "marks", "floor", "top", "states", "last_write_end", "refused")

    def __init__(self) -> None:
        self.first_end = math.inf  # when an exchange showing it first ended
        self.created: tuple[str, Seen] | None = None  # its createdAt, and who showed it
        self.workspace: str | None = None
        self.deleted: tuple[float, Seen] | None = None  # a 200 DELETE's end (moved to Across.retired once judged)
        self.marks: list[tuple[float, str, Seen]] = []  # (ended, updatedAt, who showed it)
        self.floor: tuple[float, str, Seen] | None = None  # the latest end and greatest updatedAt folded
        self.top: str | None = None  # the greatest updatedAt ever marked: no mark or floor is later
        # The last few states that differed, in the order they ended: (ended, KEPT fields, who showed it). A PUT is
        # compared with the newest that ended before it began: a list polled meanwhile never stands in for it.
        self.states: list[tuple[float, dict[str, Any], Seen]] = []
        self.last_write_end = -math.inf
        self.refused: tuple[float, str, Seen] | None = None  # a refused PUT's end, the updatedAt it left

    def updated_before(self, start: float) -> tuple[str, Seen] | None:
        """The greatest updatedAt shown by exchanges that ended before `start` (the first shown, on a tie)."""
        best: tuple[float, str, Seen] | None = None
        for mark in self.marks:
            if mark[0] < start and (best is None or mark[1] > best[1]):
                best = mark
        floor = self.floor
        if floor is not None and floor[0] < start and (best is None or floor[1] > best[1]):
            best = floor
        return None if best is None else (best[1], best[2])

    def state_before(self, start: float) -> tuple[float, dict[str, Any], Seen] | None:
        """The newest state (by updatedAt, then by end) shown by exchanges that ended before `start`."""
        best: tuple[float, dict[str, Any], Seen] | None = None
        for state in self.states:
            if state[0] < start and (best is None or (state[1]["updatedAt"], state[0]) > (best[1]["updatedAt"], best[0])):
                best = state
        return best

    def remember(self, ended: float, fields: dict[str, Any], seen: Seen) -> None:
        """A state shown: kept unless the last kept is the same (it was known from its earlier end)."""
        states = self.states
        for state in states:
            if state[1] == fields and state[0] <= ended:
                return
        states.append((ended, fields, seen))
        if len(states) > STATES:
            states.remove(min(states, key=lambda state: state[0]))

    def mark(self, ended: float, stamp: str, exchange: Seen) -> None:
        if self.top is None or stamp > self.top:
            self.top = stamp
        marks = self.marks
        marks.append((ended, stamp, exchange))
        if len(marks) > MARKS:
            old = marks.pop(0)
            floor = self.floor
            if floor is None:
                self.floor = old
            else:  # conservative: the floor counts as ended when its latest member did
                self.floor = (
                    old[0] if old[0] > floor[0] else floor[0],
                    old[1] if old[1] > floor[1] else floor[1],
                    old[2] if old[1] >= floor[1] else floor[2],
                )



class Across:
    """Cross-exchange judgement, fed one exchange at a time in the order they ended."""

    def __init__(self) -> None:
        self.leads: dict[str, _Lead] = {}  # live leads (not deleted with a 200)
        self.retired: dict[str, Retired] = {}  # deleted leads: all that is kept of them
        self.key_workspaces: dict[str, _KeyHome] = {}  # key -> the workspace the evidence says is its own
        self._seen: tuple[Exchange | None, Seen | None] = (None, None)

    def seen(self, exchange: Exchange) -> Seen:
        """The `Seen` of the exchange being observed, made once however many leads keep it."""
        if self._seen[0] is not exchange:
            self._seen = (exchange, Seen.of(exchange))
        seen = self._seen[1]
        assert seen is not None
        return seen

    def observe(self, view: View, pending: WritesPending | None = None) -> list[Breach]:
        if view.forced or view.operation is None or view.method == "HEAD":
            return []
        try:
            return self._observe(view, pending)
        finally:
            self._seen = (None, None)  # the exchange is not kept past its judging, not even here

    def _observe(self, view: View, pending: WritesPending | None) -> list[Breach]:
        exchange = view.exchange
        start = exchange.started if exchange.started is not None else -math.inf
        end = exchange.ended if exchange.ended is not None else math.inf
        if not view.ok:
            if view.operation == "updateLead" and view.status in (400, 413, 415) and view.lead_id is not None:
                self._refused(view.lead_id, start, end, exchange, pending)
            return []
        found: list[Breach] = []
        operation = view.operation
        data = view.data
        if operation == "deleteLead" and view.lead_id is not None:
            self._deleted(view, data, start, end, found)
            return found
        if operation == "listLeads":
            leads = data.get("leads") if isinstance(data, dict) else None
            listed = [lead for lead in leads or () if isinstance(lead, dict) and isinstance(lead.get("id"), str)]
            self._workspaces(view, [lead.get("workspaceId") for lead in listed], ISOLATION_LIST, None, found)  # the list as one piece of evidence
            for lead in listed:
                self._shown(view, lead, True, start, end, found, pending)
        elif isinstance(data, dict) and isinstance(data.get("id"), str):
            self._shown(view, data, False, start, end, found, pending)
        return found

    def _shown(
        self, view: View, lead: dict[str, Any], listed: bool, start: float, end: float, found: list[Breach], pending: WritesPending | None
    ) -> None:
        exchange = view.exchange
        lead_id: str = lead["id"]
        known = self.leads.get(lead_id)
        retired = self.retired.get(lead_id) if known is None else None
        if retired is not None:
            deleted_end, first_end, number = retired
            if view.operation == "createLead" and first_end < start:
                found.append(Breach(NO_ID_REUSE, f"create returned {lead_id}, an id seen before", exchange, _deleted_seen(view, lead_id, number)))
                del self.retired[lead_id]  # a new lead under an old id: compare it with itself from now on
            else:
                if deleted_end < start:
                    rule = LIST_AFTER_DELETE if listed else NOT_FOUND_AFTER_DELETE
                    verb = "listed" if listed else f"answered {view.status} to {view.method}"
                    found.append(Breach(rule, f"{lead_id} was deleted (200) and then {verb}", exchange, _deleted_seen(view, lead_id, number)))
                # else it began before the delete ended: it tells nothing more of a lead that is gone
                if not listed:
                    self._isolation(view, lead_id, lead.get("workspaceId"), None, NOT_FOUND_OTHER_WORKSPACE, found)
                return
        if known is None:
            known = self.leads[lead_id] = _Lead()
        elif view.operation == "createLead" and known.first_end < start:
            found.append(Breach(NO_ID_REUSE, f"create returned {lead_id}, an id seen before", exchange, _first(known)))
            known = self.leads[lead_id] = _Lead()  # a new lead under an old id: compare it with itself from now on
        if listed:  # the list's workspaces were weighed as one
            if isinstance(lead.get("workspaceId"), str) and not known.workspace:
                known.workspace = lead["workspaceId"]
        else:
            self._isolation(view, lead_id, lead.get("workspaceId"), known, NOT_FOUND_OTHER_WORKSPACE, found)
        created, updated = lead.get("createdAt"), lead.get("updatedAt")
        if isinstance(created, str):
            if known.created is None:
                known.created = (created, self.seen(exchange))
            elif known.created[0] != created:
                found.append(Breach(UPDATE_TIMESTAMPS, f"{lead_id}'s createdAt moved from {known.created[0]} to {created}", exchange, known.created[1]))
        # `top` was matched when it was marked; most leads are shown again with it.
        if isinstance(updated, str) and (updated == known.top or TIMESTAMP.fullmatch(updated)):
            refused = known.refused
            if refused is not None and refused[0] < start:
                known.refused = None
                quiet = known.last_write_end < refused[0] and not (pending is not None and pending(lead_id))
                if quiet and view.operation != "updateLead" and updated != refused[1]:
                    message = f"a PUT refused with {refused[2].status} moved {lead_id}'s updatedAt from {refused[1]} to {updated}"
                    found.append(Breach(UPDATE_REFUSED_UNCHANGED, message, exchange, refused[2]))
            # What ended before `start` shows at most `top`: below it, or a PUT's equal to it, is worth the look.
            updating = view.operation == "updateLead"
            top = known.top
            before = known.updated_before(start) if top is not None and (updated < top or (updating and updated == top)) else None
            if updating:
                if before is not None and not updated > before[0]:
                    found.append(Breach(UPDATE_TIMESTAMPS, f"PUT left {lead_id}'s updatedAt at {updated}, not later than {before[0]} seen before", exchange, before[1]))
                self._put(view, lead, start, known, found, pending)
                if end > known.last_write_end:
                    known.last_write_end = end
            elif before is not None and updated < before[0]:
                found.append(Breach(UPDATE_TIMESTAMPS, f"{lead_id}'s updatedAt went back from {before[0]} to {updated}", exchange, before[1]))
            known.mark(end, updated, self.seen(exchange))
            # A state is kept only with a Timestamp for its updatedAt (this branch), so it is a str.
            known.remember(end, {name: lead[name] for name in KEPT if name in lead}, self.seen(exchange))
        if end < known.first_end:
            known.first_end = end

    def _put(self, view: View, lead: dict[str, Any], start: float, known: _Lead, found: list[Breach], pending: WritesPending | None) -> None:
        """A PUT's answer shows what it set; what it did not send is as the last state seen left it."""
        sent = view.sent
        if not isinstance(sent, dict):
            return
        exchange = view.exchange
        for name in FIELDS:
            if name in sent and lead.get(name) != sent[name]:
                rule = UPDATE_NULL_CLEARS if sent[name] is None else UPDATE_PARTIAL
                found.append(Breach(rule, f"PUT sent {name}={sent[name]!r}, the answer shows {lead.get(name)!r}", exchange))
        if "metadata" in sent and sent["metadata"] is None and lead.get("metadata") != {}:
            found.append(Breach(UPDATE_NULL_CLEARS, f"PUT sent metadata=null, the answer shows {lead.get('metadata')!r}", exchange))
        state = known.state_before(start)
        settled = (
            state is not None
            and known.last_write_end < start  # no write of ours to it overlaps this one
            and not (pending is not None and view.lead_id is not None and pending(view.lead_id))
        )
        if not settled or state is None:
            return
        before = state[1]
        for name in FIELDS:
            if name not in sent and name in before and lead.get(name) != before[name]:
                found.append(Breach(UPDATE_PARTIAL, f"PUT did not send {name}, yet it went from {before[name]!r} to {lead.get(name)!r}", exchange, state[2]))
        patch = sent.get("metadata")
        if isinstance(patch, dict) and isinstance(before.get("metadata"), dict):
            expected = merge_patch(before["metadata"], patch)
            if lead.get("metadata") != expected:
                message = f"metadata {before['metadata']!r} patched with {patch!r} is {expected!r}, the answer shows {lead.get('metadata')!r}"
                found.append(Breach(UPDATE_MERGE_PATCH, _cut(message), exchange, state[2]))
        elif "metadata" not in sent and "metadata" in before and lead.get("metadata") != before["metadata"]:
            found.append(Breach(UPDATE_MERGE_PATCH, "PUT did not send metadata, yet it changed", exchange, state[2]))

    def _refused(self, lead_id: str, start: float, end: float, exchange: Exchange, pending: WritesPending | None) -> None:
        """Remember the state a refused PUT must have left, when no other write of ours can blur it."""
        known = self.leads.get(lead_id)
        state = known.state_before(start) if known is not None else None
        if known is None or state is None or known.last_write_end >= start:
            return
        if pending is not None and pending(lead_id):
            return
        known.refused = (end, str(state[1].get("updatedAt")), self.seen(exchange))

    def _deleted(self, view: View, data: Any, start: float, end: float, found: list[Breach]) -> None:
        """A 200 DELETE: checked against what was seen of the lead, which is then forgotten but for its retired id."""
        exchange = view.exchange
        lead_id = view.lead_id
        assert lead_id is not None
        retired = self.retired.get(lead_id)
        if retired is not None and retired[0] < start:
            found.append(Breach(NOT_FOUND_AFTER_DELETE, f"{lead_id} was deleted (200) and then deleted again with 200", exchange, _deleted_seen(view, lead_id, retired[2])))
        known = self.leads.pop(lead_id, None)
        self._isolation(view, lead_id, None, known, NOT_FOUND_OTHER_WORKSPACE, found)
        deleted_at = data.get("deletedAt") if isinstance(data, dict) else None
        latest = known.updated_before(math.inf) if known is not None else None
        if isinstance(deleted_at, str) and TIMESTAMP.fullmatch(deleted_at) and latest is not None and deleted_at < latest[0]:
            found.append(Breach(DELETED_AT_AFTER_UPDATES, f"{lead_id} deleted at {deleted_at}, before its updatedAt {latest[0]}", exchange, latest[1]))
        if retired is None:
            first_end = min(known.first_end, end) if known is not None else end
            self.retired[lead_id] = (end, first_end, exchange.number)

    def _isolation(self, view: View, lead_id: str, shown: Any, known: _Lead | None, rule: Rule, found: list[Breach]) -> None:
        """A key sees one workspace's leads: a second workspace answered 2xx to it is another's lead."""
        if isinstance(shown, str):
            if known is not None and not known.workspace:
                known.workspace = shown
            workspace: str | None = shown
        else:
            workspace = known.workspace if known is not None else None
        if workspace is not None:
            self._workspaces(view, [workspace], rule, lead_id, found)

    def _workspaces(self, view: View, shown: list[Any], rule: Rule, lead_id: str | None, found: list[Breach]) -> None:
        """One answer to a key showing leads of `shown` workspaces: weighed as evidence of the key's own, and each
        answer that contradicts it marked. A create decides (it made a lead of the key's own workspace); else the
        workspace most answers showed. When the evidence turns, the first answer of the workspace it turned from
        is the foreign one, and is marked then: never the conforming answer that turned it."""
        key = view.key
        counts: dict[str, int] = {}
        for workspace in shown:
            if isinstance(workspace, str):
                counts[workspace] = counts.get(workspace, 0) + 1
        if key is None or not counts:
            return
        home = self.key_workspaces.get(key)
        if home is None:
            home = self.key_workspaces[key] = _KeyHome()
        if len(counts) == 1 and next(iter(counts)) == home.home and (home.decided or view.operation != "createLead"):
            home.counts[home.home] += 1  # the usual case: an answer of the key's own workspace
            return
        exchange = view.exchange
        for workspace, n in counts.items():
            home.counts[workspace] = home.counts.get(workspace, 0) + n
            if not home.decided and workspace not in home.first:
                home.first[workspace] = (exchange, rule, lead_id)
        before = home.home
        if home.decided:
            pass
        elif view.operation == "createLead":
            home.home, home.decided = next(iter(counts)), True
        else:
            home.home = max(home.counts, key=lambda workspace: (home.counts[workspace], workspace == before))
        why = "a create of its own showed it" if home.decided else "most of its answers showed it"
        assert home.home is not None
        if home.home != before and before is not None and before in home.first:
            first, first_rule, first_lead = home.first[before]
            more = home.counts[before] - 1
            what = first_lead or "leads"
            message = f"one key was answered {what} of {before}, yet its own workspace is {home.home} ({why})" + (f"; {more} more of {before} before" if more else "")
            found.append(Breach(first_rule, message, first, self.seen(exchange)))
        if home.home in home.first:
            home.own = Seen.of(home.first[home.home][0])
        elif home.own is None or home.home != before:
            home.own = self.seen(exchange)
        for workspace, n in counts.items():
            if workspace != home.home:
                what = lead_id if lead_id is not None else f"{n} lead{'s' if n > 1 else ''}"
                found.append(Breach(rule, f"one key was answered {what} of {workspace}, and its own workspace is {home.home} ({why})", exchange, home.own))
        if home.decided:
            home.first.clear()  # nothing can turn it now: no answer needs keeping for it


class _KeyHome:
    """What the answers to one key showed of its workspace."""

    __slots__ = ("home", "decided", "counts", "first", "own")

    def __init__(self) -> None:
        self.home: str | None = None  # the key's own workspace, as the evidence says
        self.decided = False  # by a create: no later answer turns it
        self.counts: dict[str, int] = {}  # workspace -> answers (list entries) that showed it
        # the first answer showing each workspace, kept whole while the evidence may still turn and make it the foreign one
        self.first: dict[str, tuple[Exchange, Rule, str | None]] = {}
        self.own: Seen | None = None  # an answer showing the key's own workspace, for a finding's "earlier"


def _first(known: _Lead) -> Seen | None:
    if known.created is not None:
        return known.created[1]
    return known.deleted[1] if known.deleted else None


def _deleted_seen(view: View, lead_id: str, number: int | None) -> Seen:
    """The DELETE a retired id was deleted by, as a report shows it: its URL is the lead's, on this deployment."""
    scheme, netloc, path, _ = url_parts(view.exchange.url)
    base = path[: len(path) - len(view.path)] if view.path and path.endswith(view.path) else ""
    return Seen("DELETE", f"{scheme}://{netloc}{base}/api/v1/leads/{quote(lead_id, safe='')}", 200, number)


def _cut(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
