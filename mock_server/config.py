"""Settings: these defaults, then `LEADS_*` environment variables, then the caller's mapping."""

from __future__ import annotations

from typing import Any, Mapping

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "SPEC_PATH": None,  # None: the openapi.yaml shipped with leadkit
    "FIXTURES": None,  # None: fixtures/default.json
    "SEED": None,  # an integer makes ids and timestamps repeat run to run
    "SEED_EPOCH_MS": 1_735_689_600_000,  # 2025-01-01T00:00:00.000Z, where a seeded clock starts
    "MAX_CONTENT_LENGTH": 1024 * 1024,  # bodies over 1 MiB are refused with 413
    "BODY_TIMEOUT_S": 10.0,  # a body still incomplete after this long is refused with 400
}


def configure(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("LEADS")  # LEADS_FIXTURES=path, LEADS_SEED=7, ...
    if overrides:
        app.config.from_mapping(overrides)
