"""The mock's app factory: `create_app(config)` builds a Flask app with its own store, from openapi.yaml and the fixtures."""

from __future__ import annotations

import secrets

import time
from typing import Any, Callable, Mapping

from flask import Flask

from . import admin, docs
from .api import Api
from .audit import AuditLog
from .clock import Clock
from .config import ConfigError, configure, origins_setting, setting
from .cors import Cors
from .errors import register_error_handlers
from .faults import FailRate, Latency, RateLimiter, parse_fail_rate, parse_latency, parse_rate_limit
from .fixtures import lead_check, load_fixtures
from .harfile import HarRecorder
from .ids import IdSource
from .middleware import FrontDoor
from .persistence import SqliteJournal, StateError
from .requestlog import RequestLog
from .routes import Routes
from .rsgi import MAY_BLOCK, ON_STOP
from .spec import load_spec
from .state import MockState, init_app
from .store import Lead, LeadStore
from .validation import compile_checks

__all__ = ["create_app", "ConfigError"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a mock with its own store, loaded from the fixtures (or its state file)."""
    app = Flask("mock_server", static_folder=None)
    configure(app, config)
    settings = app.config
    spec = load_spec(settings["SPEC_PATH"])
    fixtures = load_fixtures(settings["FIXTURES"], spec)
    seed = setting(settings, "SEED", _seed)
    clock = Clock(start_ms=settings["SEED_EPOCH_MS"]) if seed is not None else Clock()
    mock = MockState(
        spec,
        compile_checks(spec),
        fixtures,
        fixtures.keys(),
        LeadStore(clock, IdSource(seed)),
        AuditLog(clock),
        max_body=settings["MAX_CONTENT_LENGTH"],
    )
    mock.requests = RequestLog(settings["RECENT_REQUESTS"], echo=settings["LOG_REQUESTS"])
    cors = Cors(setting(settings, "CORS_ORIGINS", origins_setting))
    _add_faults(mock, settings, seed)
    _generate(mock, settings, seed)
    _load_state(mock, settings["STATE_PATH"])  # last: it claims the state file
    init_app(app, mock)
    register_error_handlers(app)
    # The API's paths are answered by Api before Flask routes anything; Flask serves the
    # admin API, the docs and the 404 for unknown paths. No redirects (a 308 with an HTML
    # page): `//` is matched as written, and `/__mock` is the admin index as `/__mock/` is.
    api = Api(mock, Routes(spec), fallback=app.wsgi_app, logger=app.logger)
    recorder = HarRecorder(settings["RECORD_PATH"], "leadkit mock") if settings["RECORD_PATH"] else None
    app.wsgi_app = _Instance(FrontDoor(api, cors, mock.requests, recorder))  # type: ignore[method-assign]
    if recorder is not None:
        app.extensions[ON_STOP] = [recorder.save]
    app.url_map.merge_slashes = False
    admin.init_app(app)
    docs.init_app(app, spec)
    app.extensions[MAY_BLOCK] = _blocking_requests(mock)
    return app


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


def _blocking_requests(mock: MockState) -> Callable[[dict[str, Any]], bool]:
    """Which requests may wait (a delay, a disk write): the server runs those off its event loop."""
    writes = frozenset({"POST", "PUT", "DELETE"})

    def may_block(environ: dict[str, Any]) -> bool:
        if mock.latency is not None or "delay" in environ.get("HTTP_PREFER", ""):
            return True
        return mock.journal is not None and environ["REQUEST_METHOD"] in writes

    return may_block


def _add_faults(mock: MockState, settings: Mapping[str, Any], seed: int | None) -> None:
    """Latency, fail rate and rate limit: built only when set, so a plain mock pays nothing."""
    latency = setting(settings, "LATENCY_MS", parse_latency)
    if latency is not None:
        mock.latency = Latency(*latency, seed=seed)
    fail_rate = setting(settings, "FAIL_RATE", parse_fail_rate)
    if fail_rate:
        mock.fail_rate = FailRate(fail_rate, mock.forced, seed=seed)
    per_second = setting(settings, "RATE_LIMIT", parse_rate_limit)
    if per_second is not None:
        mock.limiter = RateLimiter(per_second)


def _generate(mock: MockState, settings: Mapping[str, Any], seed: int | None) -> None:
    count = setting(settings, "GENERATE", _count)
    if count:
        from .generate import generate_leads

        before_ms = settings["SEED_EPOCH_MS"] if seed is not None else time.time_ns() // 1_000_000
        workspace_ids = [ws.id for ws in mock.fixtures.workspaces]
        taken = {lead.id for lead in mock.fixtures.leads()}
        generated = generate_leads(workspace_ids, count, before_ms=before_ms, seed=seed, taken_ids=taken)
        mock.generated = [Lead.from_dict(data, ws) for ws, leads in generated.items() for data in leads]


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
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise ValueError(f"must be a whole number of leads, got {value!r}")
    return int(value)
