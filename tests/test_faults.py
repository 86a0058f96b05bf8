"""Latency, injected faults and a real per-key rate limit."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_server import ConfigError, create_app, faults
from mock_server.faults import parse_latency, parse_rate_limit
from mock_server.state import EXTENSION
from tests.conftest import AUTH, JOHN, SECOND_AUTH, ValidatingClient


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every sleep the mock asks for, in seconds, instead of waiting for it."""
    calls: list[float] = []
    monkeypatch.setattr(faults.time, "sleep", calls.append)
    return calls


def make(checker: Any, **settings: Any) -> FlaskClient:
    """A spec-checked client of an app with these settings."""
    app = create_app({"TESTING": True, **settings})
    app.test_client_class = ValidatingClient
    ValidatingClient.checker = checker
    return app.test_client()


def test_no_latency_by_default(client: FlaskClient, slept: list[float]) -> None:
    client.get("/api/v1/leads", headers=AUTH)
    assert slept == []


def test_fixed_latency_delays_every_api_answer_errors_included(checker: Any, slept: list[float]) -> None:
    client = make(checker, LATENCY_MS="250")
    client.get("/api/v1/leads", headers=AUTH)
    client.get("/api/v1/leads")  # a 401 is slow too
    assert slept == [0.25, 0.25]


def test_latency_range_draws_within_it(checker: Any, slept: list[float]) -> None:
    client = make(checker, LATENCY_MS="100-300", SEED=3)
    for _ in range(20):
        client.get(f"/api/v1/leads/{JOHN}", headers=AUTH)
    assert all(0.1 <= s <= 0.3 for s in slept) and len(set(slept)) > 1


def test_prefer_delay_overrides_the_latency_for_one_request(checker: Any, slept: list[float]) -> None:
    client = make(checker, LATENCY_MS="250")
    client.get("/api/v1/leads", headers={**AUTH, "Prefer": "delay=40"})
    client.get("/api/v1/leads", headers={**AUTH, "Prefer": "delay=0"})
    assert slept == [0.04]


def test_prefer_delay_works_without_latency_and_admin_routes_never_wait(app: Flask, slept: list[float]) -> None:
    client = app.test_client()
    client.get("/api/v1/leads", headers={**AUTH, "Prefer": "delay=1500"})
    FlaskClient(app).post("/__mock/reset", headers={"Prefer": "delay=1500"})
    assert slept == [1.5]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("250", (250, 250)),  # fixed
        ("100-400", (100, 400)),  # a range
        (" 5-5 ", (5, 5)),  # spaces around are fine
        ("0", None),  # zero is off
        (None, None),  # unset
    ],
)
def test_latency_values(text: Any, expected: Any) -> None:
    assert parse_latency(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "fast",  # not a number
        "400-100",  # MIN above MAX
        "-5",  # negative
        "1.5",  # milliseconds are whole
    ],
)
def test_bad_latency_is_refused_at_start(text: str) -> None:
    with pytest.raises(ConfigError, match="LATENCY_MS"):
        create_app({"LATENCY_MS": text})


def test_fail_rate_one_fails_every_request_with_a_documented_error(checker: Any) -> None:
    client = make(checker, FAIL_RATE=1, SEED=1)  # the client checks each answer against the spec
    statuses = {client.get("/api/v1/leads", headers=AUTH).status_code for _ in range(30)}
    assert statuses == {429, 500}


def test_injected_429_says_when_to_retry(checker: Any) -> None:
    client = make(checker, FAIL_RATE=1, SEED=1)
    answers = [client.get("/api/v1/leads", headers=AUTH) for _ in range(10)]
    assert all(a.headers["Retry-After"].isdigit() for a in answers if a.status_code == 429)


def test_fail_rate_is_a_fraction_and_repeats_with_the_seed() -> None:
    def run() -> list[int]:
        client = FlaskClient(create_app({"TESTING": True, "FAIL_RATE": 0.3, "SEED": 11}))  # conformance: above
        return [client.get(f"/api/v1/leads/{JOHN}", headers=AUTH).status_code for _ in range(200)]

    first = run()
    assert first == run()
    failed = sum(status != 200 for status in first)
    assert 30 <= failed <= 90  # 60 expected; a seeded run makes this exact, not flaky


def test_an_injected_fault_changes_nothing(checker: Any) -> None:
    app = create_app({"TESTING": True, "FAIL_RATE": 1})
    client = app.test_client()
    for _ in range(5):
        client.post("/api/v1/leads", json={"name": "X", "email": "x@example.com"}, headers=AUTH)
        client.delete(f"/api/v1/leads/{JOHN}", headers=AUTH)
    assert len(app.extensions[EXTENSION].store.all_leads()) == 32


def test_faults_come_after_auth(checker: Any) -> None:
    client = make(checker, FAIL_RATE=1)
    assert client.get("/api/v1/leads").status_code == 401


@pytest.mark.parametrize(
    "rate",
    [
        "often",  # not a number
        1.5,  # above 1
        -0.1,  # below 0
    ],
)
def test_bad_fail_rate_is_refused_at_start(rate: Any) -> None:
    with pytest.raises(ConfigError, match="FAIL_RATE"):
        create_app({"FAIL_RATE": rate})


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The rate limiter's clock, set by the test."""
    now = [1000.0]
    monkeypatch.setattr(faults.time, "monotonic", lambda: now[0])
    return now


def test_rate_limit_refuses_beyond_n_per_second_per_key(checker: Any, clock: list[float]) -> None:
    client = make(checker, RATE_LIMIT="3/s")
    statuses = [client.get(f"/api/v1/leads/{JOHN}", headers=AUTH).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get(f"/api/v1/leads/{JOHN}", headers=SECOND_AUTH).status_code == 404  # another key's own budget
    clock[0] += 1 / 3
    assert client.get(f"/api/v1/leads/{JOHN}", headers=AUTH).status_code == 200


def test_rate_limited_answer_is_documented_with_retry_after(checker: Any, clock: list[float]) -> None:
    client = make(checker, RATE_LIMIT="1/min")
    client.get("/api/v1/leads", headers=AUTH)
    refused = client.get("/api/v1/leads", headers=AUTH)
    assert refused.status_code == 429
    assert refused.json["code"] == "RATE_LIMITED"  # type: ignore[index]
    assert int(refused.headers["Retry-After"]) == 60


def test_rate_limit_sits_after_auth_and_before_size(checker: Any, clock: list[float]) -> None:
    client = make(checker, RATE_LIMIT="1/s")
    assert client.get("/api/v1/leads").status_code == 401  # auth first; it used no token
    client.get("/api/v1/leads", headers=AUTH)
    huge = {"name": "X", "email": "x@example.com", "metadata": {"blob": "x" * (2 * 1024 * 1024)}}
    assert client.post("/api/v1/leads", json=huge, headers=AUTH).status_code == 429


@pytest.mark.parametrize(
    ("text", "per_second"),
    [
        ("10/s", 10),  # per second
        ("120/min", 2),  # per minute
        (None, None),  # unset
    ],
)
def test_rate_limit_values(text: Any, per_second: Any) -> None:
    assert parse_rate_limit(text) == per_second


@pytest.mark.parametrize(
    "text",
    [
        "10",  # no unit
        "0/s",  # zero would refuse everything
        "ten/s",  # not a number
    ],
)
def test_bad_rate_limit_is_refused_at_start(text: str) -> None:
    with pytest.raises(ConfigError, match="RATE_LIMIT"):
        create_app({"RATE_LIMIT": text})


def test_forced_answers_with_a_key_count_against_its_limit(checker: Any, clock: list[float]) -> None:
    client = make(checker, RATE_LIMIT="1/s")
    assert client.get("/api/v1/leads", headers={**AUTH, "Prefer": "code=200"}).status_code == 200
    assert client.get("/api/v1/leads", headers={**AUTH, "Prefer": "code=200"}).status_code == 429
    assert client.get("/api/v1/leads?__code=200").status_code == 200  # no key, nothing to count by
