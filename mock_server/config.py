"""Settings: these defaults, then `LEADS_*` environment variables, then the caller's mapping.

`create_app` reads them as it builds the mock; changing `app.config` afterwards changes nothing.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, TypeVar

from flask import Flask

T = TypeVar("T")

DEFAULTS: dict[str, Any] = {
    "SPEC_PATH": None,  # None: the openapi.yaml shipped with leadkit
    "FIXTURES": None,  # None: fixtures/default.json
    "SEED": None,  # an integer makes ids and timestamps repeat run to run
    "SEED_EPOCH_MS": 1_735_689_600_000,  # 2025-01-01T00:00:00.000Z, where a seeded clock starts
    "MAX_CONTENT_LENGTH": 1024 * 1024,  # bodies over 1 MiB are refused with 413
    # For frontend developers (issue 4); each is off, or free, unless set.
    "CORS_ORIGINS": None,  # None: any origin; else a list of origins allowed to call from a browser
    "LATENCY_MS": None,  # "250" or "100-400": every API response waits that long
    "FAIL_RATE": 0.0,  # that fraction of API requests answers a documented 429 or 500
    "RATE_LIMIT": None,  # "10/s": a real per-key limit, 429 with Retry-After beyond it
    "STATE_PATH": None,  # an SQLite file that keeps state across restarts; None: memory only
    "GENERATE": 0,  # that many extra realistic leads per workspace (Faker)
    "LOG_REQUESTS": False,  # one line a request on standard output (the CLI turns it on)
    "RECENT_REQUESTS": 200,  # how many requests /__mock/requests remembers
    "BODY_TIMEOUT_S": 10.0,  # a body still incomplete after this long is refused with 400
    "RECORD_PATH": None,  # a HAR file the API's traffic is written to, entry by entry as each exchange ends
    # Sandboxes (sandboxes.py): private worlds chosen per request; in memory only.
    "MAX_SANDBOXES": 1000,  # live at once; one more is refused (507)
    "SANDBOX_TTL": 30,  # minutes idle before a sandbox is dropped; 0: never
}


def configure(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("LEADS")  # LEADS_FIXTURES=path, LEADS_SEED=7, ...
    if overrides:
        app.config.from_mapping(overrides)


class ConfigError(ValueError):
    """A setting (or command-line flag) with a value the mock cannot use."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


def setting(settings: Mapping[str, Any], name: str, parse: Callable[[Any], T]) -> T:
    """The setting `name` through `parse`; a bad value is a ConfigError naming the setting."""
    try:
        return parse(settings[name])
    except ValueError as exc:
        raise ConfigError(name, str(exc)) from None


def origins_setting(value: Any) -> list[str] | None:
    """None (any origin), a list of origins, or one comma-separated string of them."""
    if value is None or value == "*":
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(o, str) for o in items):
        raise ValueError(f"must be a list of origins such as http://localhost:5173, got {value!r}")
    origins = [o.strip().rstrip("/") for o in items if o.strip()]
    for origin in origins:
        if "://" not in origin or origin.count("/") != 2:
            raise ValueError(f"{origin!r} is not an origin: scheme, host and port only, like http://localhost:5173")
    return origins
