"""Sandboxes: private worlds inside one mock, chosen per request by a `Leadkit-Sandbox` header or a `/sandboxes/NAME` prefix.

Each sandbox is a whole world (world.py): both fixture workspaces with the seed's keys and lead
ids, its own retired ids, clock, audit log, request log and faults, so nothing one does is seen
in another or in the root. The first use of a name makes it from the start options; the admin
API (admin.py) makes one with options of its own, lists and drops them.

`SandboxDoor` is a WSGI layer in front of everything the mock serves: it picks the world and
puts it in the environ (`WORLD`) for the API and Flask's views alike, strips a prefix (moving it
to SCRIPT_NAME), and refuses a bad name before anything runs. A request that names no sandbox
passes through after two dictionary reads.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .clock import format_ms
from .errors import ApiError, render, validation_error
from .faults import parse_fail_rate, parse_latency, parse_rate_limit
from .fixtures import FixtureError, Fixtures, parse_workspaces
from .state import SANDBOX_BASE, WORLD, MockState
from .world import Recipe, Shared, started_world

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

SANDBOXES = "leadkit.sandboxes"  # in app.extensions: the app's registry, for the admin API
HEADER = "Leadkit-Sandbox"
CREATED_HEADER = "Leadkit-Sandbox-Created"
PREFIX = "/sandboxes/"
ADMIN_PATH = "/__mock/sandboxes"
NAME_RULE = "1 to 64 characters of A-Z a-z 0-9 _ . -"
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_ENVIRON_HEADER = "HTTP_LEADKIT_SANDBOX"
DEFAULT_MAX = 1000
DEFAULT_TTL_MIN = 30.0
MAX_GENERATE = 10_000  # per workspace, for a sandbox's own `generate`: more would stall the mock as it is made
OPTIONS = ("fixtures", "generate", "seed", "latency", "failRate", "rateLimit")


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


class SandboxDoor:
    """Sends each request into the world it names; a request that names none goes on as it came."""

    def __init__(self, app: WsgiApp, sandboxes: Sandboxes) -> None:
        self.app = app
        self.sandboxes = sandboxes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        header = environ.get(_ENVIRON_HEADER)
        path: str = environ.get("PATH_INFO", "")
        if header is None and not path.startswith(PREFIX):
            return self.app(environ, start_response)
        try:
            name, rest = self._named(header, path)
            if rest == ADMIN_PATH or rest.startswith(ADMIN_PATH + "/"):
                raise validation_error(
                    [{"field": HEADER if header is not None else "path", "message": f"{ADMIN_PATH} is the root's: call it without {HEADER} and without a {PREFIX}NAME prefix"}]
                )
            sandbox, created = self.sandboxes.use(name)
        except ApiError as refused:
            reply = render(refused)
            start_response(f"{refused.status} {refused.code.replace('_', ' ')}", reply.headers)
            return [reply.body]
        environ[WORLD] = sandbox.world
        base = PREFIX + name
        environ[SANDBOX_BASE] = base
        if rest is not path:  # reached by its prefix: the rest is the path, the prefix is where the app is mounted
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + base
            environ["PATH_INFO"] = rest
        if not created:
            return self.app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, (CREATED_HEADER, "true")], exc_info)

        return self.app(environ, start)

    def _named(self, header: str | None, path: str) -> tuple[str, str]:
        """(the sandbox's name, the path within it); the path itself (the same object) when no prefix names it.

        A name already live was checked when it was made: only a new one is checked again.
        """
        if path.startswith(PREFIX):
            segment, slash, rest = path[len(PREFIX) :].partition("/")
            name = segment if self.sandboxes.world_of(segment) is not None else check_name(segment, "path")
            if header is not None and header != name:
                message = f"the header names sandbox {header[:80]!r} but the path names {name!r}; name one, or the same in both"
                raise validation_error([{"field": HEADER, "message": message}])
            return name, slash + rest or "/"
        assert header is not None
        return (header if self.sandboxes.world_of(header) is not None else check_name(header, HEADER)), path


def recipe_from(options: Any, start: Recipe, shared: Shared) -> Recipe:
    """A sandbox's own recipe from a `PUT /__mock/sandboxes/NAME` body: what it leaves out is as the mock started.

    Each option means what its flag means and is checked as the flag is; the first bad one is a
    400 naming it, and nothing is made.
    """
    if not isinstance(options, dict):
        raise validation_error([{"field": "body", "message": f"send a JSON object of options ({', '.join(OPTIONS)}), or no body"}])
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise validation_error([{"field": unknown[0], "message": f"unknown option; the options are {', '.join(OPTIONS)}"}])
    fixtures, generate, seed = start.fixtures, start.generate, start.seed
    latency, fail_rate, rate_limit = start.latency, start.fail_rate, start.rate_limit
    try:
        if "fixtures" in options:
            field = "fixtures"
            fixtures = Fixtures(start.fixtures.path.with_name("<inline>"), tuple(parse_workspaces("fixtures", options["fixtures"], shared.spec)))
        if "generate" in options:
            field = "generate"
            generate = _whole(options["generate"], 0, MAX_GENERATE)
        if "seed" in options:
            field = "seed"
            seed = None if options["seed"] is None else _whole(options["seed"], -(2**63), 2**63 - 1)
        if "latency" in options:
            field = "latency"
            latency = parse_latency(options["latency"])
        if "failRate" in options:
            field = "failRate"
            if isinstance(options["failRate"], bool):
                raise ValueError(f"fail rate must be a number from 0 to 1, got {options['failRate']!r}")
            fail_rate = parse_fail_rate(options["failRate"])
        if "rateLimit" in options:
            field = "rateLimit"
            rate_limit = parse_rate_limit(options["rateLimit"])
    except (ValueError, FixtureError) as exc:
        raise validation_error([{"field": field, "message": str(exc).removeprefix("fixtures: ")}]) from None
    same_leads = fixtures is start.fixtures and generate == start.generate and seed == start.seed
    recipe = Recipe(fixtures, generate, start.generated if same_leads else (), seed, latency, fail_rate, rate_limit)
    return recipe if same_leads else recipe.with_generated(shared.epoch_ms)


def _whole(value: Any, least: int, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise ValueError(f"must be a whole number from {least} to {most}, got {value!r}")
    return value
