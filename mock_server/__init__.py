"""leadkit's mock of the Leads API: a Flask app built from openapi.yaml."""

from __future__ import annotations

from typing import Any, Mapping

from flask import Flask

from . import admin, pipeline
from .audit import AuditLog
from .clock import Clock
from .config import configure
from .errors import register_error_handlers
from .fixtures import load_fixtures
from .ids import IdSource
from .leads import VIEWS
from .spec import SegmentConverter, flask_rule, load_spec, operations
from .state import MockState, init_app
from .store import LeadStore
from .validation import compile_checks

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a mock with its own store, loaded from the fixtures."""
    app = Flask(__name__, static_folder=None)
    configure(app, config)
    spec = load_spec(app.config["SPEC_PATH"])
    fixtures = load_fixtures(app.config["FIXTURES"], spec)
    seed = app.config["SEED"]
    clock = Clock(start_ms=app.config["SEED_EPOCH_MS"]) if seed is not None else Clock()
    store = LeadStore(clock, IdSource(seed))
    store.load(fixtures.leads())
    init_app(app, MockState(spec, compile_checks(spec), fixtures, fixtures.keys(), store, AuditLog(clock)))
    register_error_handlers(app)
    pipeline.init_app(app)
    app.url_map.converters["segment"] = SegmentConverter
    for path, method, operation in operations(spec):
        view = VIEWS.get(operation["operationId"])
        if view is None:
            raise RuntimeError(f"openapi.yaml has {operation['operationId']}, the mock has no view for it")
        app.add_url_rule(
            flask_rule(path),
            endpoint=operation["operationId"],
            view_func=view,
            methods=[method.upper()],
            provide_automatic_options=False,
        )
    admin.init_app(app)
    return app
