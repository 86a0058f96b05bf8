"""The mock's app factory: `create_app(config)` builds a Flask app with its own store (and its sandboxes), from openapi.yaml and the fixtures."""

from __future__ import annotations

import secrets
import sys
from typing import Any, Callable, Mapping

from flask import Flask

from . import admin, docs
from .api import Api
from .config import ConfigError, configure, origins_setting, setting
from .cors import Cors
from .errors import register_error_handlers
from .faults import parse_fail_rate, parse_latency, parse_rate_limit
from .fixtures import lead_check, load_fixtures
from .forced import ForcedResponses
from .harfile import HarRecorder
from .middleware import FrontDoor
from .persistence import SqliteJournal, StateError
from .routes import Routes
from .rsgi import MAY_BLOCK, ON_STOP
from .door import ENVIRON_HEADER, SandboxDoor
from .sandboxes import PREFIX, SANDBOXES, Sandboxes
from .spec import load_spec
from .state import MockState, init_app
from .validation import compile_checks
from .world import Recipe, Shared, build_world

__all__ = ["create_app", "ConfigError"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a mock with its own store, loaded from the fixtures (or its state file), and room for sandboxes."""
    app = Flask("mock_server", static_folder=None)
    configure(app, config)
    settings = app.config
    spec = load_spec(settings["SPEC_PATH"])
    shared = Shared(
        spec,
        compile_checks(spec),
        ForcedResponses(spec),
        max_body=settings["MAX_CONTENT_LENGTH"],
        epoch_ms=settings["SEED_EPOCH_MS"],
        recent_requests=settings["RECENT_REQUESTS"],
        echo=settings["LOG_REQUESTS"],
    )
    recipe = _start_recipe(settings, spec).with_generated(shared.epoch_ms)
    mock = build_world(recipe, shared)
    cors = Cors(setting(settings, "CORS_ORIGINS", origins_setting))
    sandboxes = Sandboxes(
        recipe,
        shared,
        limit=setting(settings, "MAX_SANDBOXES", _count),
        ttl_s=setting(settings, "SANDBOX_TTL", _minutes) * 60,
    )
    _load_state(mock, settings["STATE_PATH"])  # last: it claims the state file
    init_app(app, mock)
    app.extensions[SANDBOXES] = sandboxes
    register_error_handlers(app)
    # The API's paths are answered by Api before Flask routes anything; Flask serves the
    # admin API, the docs and the 404 for unknown paths. No redirects (a 308 with an HTML
    # page): `//` is matched as written, and `/__mock` is the admin index as `/__mock/` is.
    # In front of both, the sandbox door picks the world each request is in.
    api = Api(mock, Routes(spec), fallback=app.wsgi_app, logger=app.logger)
    recorder = HarRecorder(settings["RECORD_PATH"], "leadkit mock") if settings["RECORD_PATH"] else None
    app.wsgi_app = _Instance(FrontDoor(SandboxDoor(api, sandboxes), cors, mock.requests, recorder))  # type: ignore[method-assign]
    if recorder is not None:
        app.extensions[ON_STOP] = [lambda: _save_recording(recorder)]
    app.url_map.merge_slashes = False
    admin.init_app(app)
    docs.init_app(app, spec)
    app.extensions[MAY_BLOCK] = _blocking_requests(mock, sandboxes)
    return app


def _start_recipe(settings: Mapping[str, Any], spec: dict[str, Any]) -> Recipe:
    """The start options (fixtures, --generate, --seed and the faults) that the root and each new sandbox start from."""
    fixtures = load_fixtures(settings["FIXTURES"], spec)  # first: a bad file is named before any bad setting
    seed = setting(settings, "SEED", _seed)
    return Recipe(
        fixtures,
        seed=seed,
        latency=setting(settings, "LATENCY_MS", parse_latency),
        fail_rate=setting(settings, "FAIL_RATE", parse_fail_rate),
        rate_limit=setting(settings, "RATE_LIMIT", parse_rate_limit),
        generate=setting(settings, "GENERATE", _count),
    )


class _Instance:
    """Every answer says which start of the mock gave it (`Leadkit-Mock-Instance`): with memory state a restart
    brings the fixture leads back, and a proxy or `check` watching the traffic tells that from a server that forgot."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.header = ("Leadkit-Mock-Instance", secrets.token_hex(8))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, self.header], exc_info)

        return self.app(environ, start)


def _blocking_requests(mock: MockState, sandboxes: Sandboxes) -> Callable[[dict[str, Any]], bool]:
    """Which requests may wait (a delay, a disk write): the server runs those off its event loop."""
    writes = frozenset({"POST", "PUT", "DELETE"})

    def may_block(environ: dict[str, Any]) -> bool:
        if mock.latency is not None or "delay" in environ.get("HTTP_PREFER", ""):
            return True
        path: str = environ.get("PATH_INFO", "")
        named = environ.get(ENVIRON_HEADER) or (path[len(PREFIX) :].partition("/")[0] if path.startswith(PREFIX) else None)
        if named is not None:  # a sandbox's own latency (a new one starts as the root: covered above)
            world = sandboxes.world_of(named)
            return world is not None and world.latency is not None
        return mock.journal is not None and environ["REQUEST_METHOD"] in writes

    return may_block


def _load_state(mock: MockState, state_path: str | None) -> None:
    """Fill the store from the state file when there is one, else from the starting leads."""
    if not state_path:
        mock.store.load(mock.starting_leads())
        return
    journal = SqliteJournal(state_path)
    journal.claim()
    try:
        saved = journal.load(lead_check(mock.spec))
        if saved is None:
            journal.initialize(mock.starting_leads())
            mock.store.load(mock.starting_leads())
        else:
            mock.store.load(saved.leads, saved.retired_ids)
            mock.audit.load(saved.audit)
    except ValueError as exc:  # a lead id both live and retired, or twice
        journal.release()
        raise StateError(f"{state_path}: inconsistent state: {exc}") from None
    except BaseException:
        journal.release()
        raise
    journal.close()  # the server forks its worker next; each process opens its own connection
    mock.store.journal = mock.audit.journal = mock.journal = journal


def _seed(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, got {value!r}")
    return value


def _count(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise ValueError(f"must be a whole number, got {value!r}")
    return int(value)


def _save_recording(recorder: HarRecorder) -> None:
    """Close `--record`'s file as the mock stops (each exchange was written as it ended), and say what it holds."""
    count = recorder.close()
    missed = f" ({recorder.unrecorded} could not be written)" if recorder.unrecorded else ""
    print(f"leadkit mock: wrote {count} exchange{'' if count == 1 else 's'} to {recorder.path}{missed}", flush=True)


def _minutes(value: Any) -> float:
    """Minutes as a number (`30`, `0.5`); 0: never."""
    try:
        minutes = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number of minutes (0: never), got {value!r}") from None
    if isinstance(value, bool) or not minutes >= 0 or minutes == float("inf"):
        raise ValueError(f"must be a number of minutes from 0 (0: never), got {value!r}")
    return minutes
