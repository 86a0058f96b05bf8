"""Sandboxes: private worlds inside one mock, by name, bounded in count and idle time.

Each sandbox is a whole world (world.py): both fixture workspaces with the seed's keys and lead
ids, its own retired ids, clock, audit log, request log and faults, so nothing one does is seen
in another or in the root. A request reaches one by a `Leadkit-Sandbox` header or a
`/sandboxes/NAME` prefix (door.py); the first use of a name makes it from the start options, and
the admin API (admin.py) makes one with options of its own, lists and drops them.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

from .clock import format_ms
from .errors import ApiError, validation_error
from .state import MockState
from .world import Recipe, Shared, started_world

SANDBOXES = "leadkit.sandboxes"  # in app.extensions: the app's registry, for the admin API
HEADER = "Leadkit-Sandbox"
CREATED_HEADER = "Leadkit-Sandbox-Created"
PREFIX = "/sandboxes/"
ADMIN_PATH = "/__mock/sandboxes"
NAME_RULE = "1 to 64 characters of A-Z a-z 0-9 _ . -"
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
DEFAULT_MAX = 1000
DEFAULT_TTL_MIN = 30.0


def check_name(name: str, where: str) -> str:
    """`name` if it is a sandbox name; else the 400 naming the rule, and where the name came from."""
    if _NAME.fullmatch(name) is None:
        shown = name[:80]
        raise validation_error([{"field": where, "message": f"a sandbox name is {NAME_RULE}; got {shown!r}"}])
    return name


@dataclass(slots=True)
class Sandbox:
    name: str
    world: MockState
    created_ms: int
    last_used: float  # time.time(): idle expiry and the listing's `lastUsed`
    served: int = 0  # requests routed into it


class Sandboxes:
    """Every live sandbox by name, least recently used first; bounded in count, idle ones expire.

    `clock` is injectable so expiry can be tested without waiting.
    """

    def __init__(
        self,
        recipe: Recipe,
        shared: Shared,
        limit: int = DEFAULT_MAX,
        ttl_s: float = DEFAULT_TTL_MIN * 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.recipe = recipe  # the start options, for a sandbox made by its first use
        self.shared = shared
        self.limit = limit
        self.ttl_s = ttl_s  # 0: never expire
        self.clock = clock
        self._live: OrderedDict[str, Sandbox] = OrderedDict()
        self._lock = threading.Lock()
        self._next_sweep = 0.0  # when `use` next looks for expired sandboxes

    def world_of(self, name: str) -> MockState | None:
        """The world of a live sandbox, or None; never makes one (the server asks before the request runs)."""
        found = self._live.get(name)
        return found.world if found is not None else None

    def use(self, name: str) -> tuple[Sandbox, bool]:
        """The sandbox `name` for one request, made from the start options if new; (it, whether it was made).

        A live name was checked when it was made, so only a new one is checked here (ValueError
        via `check_name`'s ApiError); idle ones are looked for at most once a second.
        """
        now = self.clock()
        with self._lock:
            if now >= self._next_sweep:
                self._expire(now)
                self._next_sweep = now + 1
            found = self._live.get(name)
            created = found is None
            if found is None:
                check_name(name, "path")  # the door checked it already; this is the registry's own guard
                self._make_room(name)
                found = self._live[name] = Sandbox(name, self._world(self.recipe, name), int(now * 1000), now)
            else:
                self._live.move_to_end(name)
            found.last_used = now
            found.served += 1
            return found, created

    def put(self, name: str, recipe: Recipe | None) -> tuple[Sandbox, bool]:
        """Make `name` afresh from `recipe` (None: the start options); a reset keeps its issued ids retired."""
        recipe = recipe or self.recipe
        now = self.clock()
        with self._lock:
            self._expire(now)
            old = self._live.get(name)
            if old is None:
                self._make_room(name)
            retired = frozenset() if old is None else old.world.store.issued_ids()
        world = self._world(recipe, name, retired)  # outside the lock: `generate` may take a while
        with self._lock:
            old = self._live.get(name)  # again: another request may have made or dropped it meanwhile
            if old is None:
                self._make_room(name)
            made = Sandbox(name, world, int(now * 1000), now)
            self._live[name] = made
            self._live.move_to_end(name)
            return made, old is None

    def get(self, name: str) -> Sandbox | None:
        with self._lock:
            self._expire(self.clock())
            return self._live.get(name)

    def drop(self, name: str) -> bool:
        with self._lock:
            return self._live.pop(name, None) is not None

    def listing(self) -> list[dict[str, Any]]:
        """Each live sandbox, oldest first: name, leads, requests served, created, last used."""
        with self._lock:
            self._expire(self.clock())
            live = sorted(self._live.values(), key=lambda s: (s.created_ms, s.name))
        return [
            {
                "name": s.name,
                "leads": s.world.store.count(),
                "requests": s.served,
                "created": format_ms(s.created_ms),
                "lastUsed": format_ms(int(s.last_used * 1000)),
            }
            for s in live
        ]

    def _world(self, recipe: Recipe, name: str, retired: frozenset[str] = frozenset()) -> MockState:
        return started_world(recipe, self.shared, label=f"[{name}] ", retired=retired)

    def _expire(self, now: float) -> None:
        """Drop the sandboxes idle longer than the TTL: they sit first, in order of last use."""
        if not self.ttl_s:
            return
        while self._live:
            oldest = next(iter(self._live.values()))
            if now - oldest.last_used <= self.ttl_s:
                return
            del self._live[oldest.name]

    def _make_room(self, name: str) -> None:
        if len(self._live) >= self.limit:
            raise over_limit(self.limit)


def over_limit(limit: int) -> ApiError:
    """One sandbox more than `--max-sandboxes`: 507, saying which limit and how to raise it or make room."""
    message = (
        f"This mock already holds {limit} sandboxes, its limit; raise it with --max-sandboxes "
        "(LEADS_MAX_SANDBOXES), drop some with DELETE /__mock/sandboxes/NAME, or let idle ones expire (--sandbox-ttl)"
    )
    details = {"limit": limit, "flag": "--max-sandboxes", "variable": "LEADS_MAX_SANDBOXES"}
    return ApiError(507, "SANDBOX_LIMIT_REACHED", message, details)
