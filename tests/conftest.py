"""Fixtures for the mock's own tests: a fresh app per test, every response held to openapi.yaml."""

from __future__ import annotations

import re
import threading
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from contract_tests.core.exchange import Exchange
from contract_tests.engine import SpecChecker
from mock_server import create_app
from mock_server.spec import load_spec

KEY = "sk-workspace_your_api_key"
SECOND_KEY = "sk-workspace_second_api_key"
AUTH = {"Authorization": f"Bearer {KEY}"}
SECOND_AUTH = {"Authorization": f"Bearer {SECOND_KEY}"}
JOHN = "lead_1234567890abcdef"
JANE = "lead_0987654321fedcba"
TEST_HOST = "http://localhost"
SANDBOX_PREFIX = re.compile(r"/sandboxes/[A-Za-z0-9_.-]{1,64}(?=/)")

pytest_plugins = ["markers"]  # the tiers: `live`, `kit` and `slow`, marked by what each test uses


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="module")
def report_browser() -> Iterator[Any]:
    """Headless Chromium (Debian's, installed with apt when missing) for opening HTML reports."""
    from livemock import ensure_command
    from playwright.sync_api import sync_playwright

    chromium = ensure_command("chromium", "chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def checker(spec: dict[str, Any]) -> SpecChecker:
    return SpecChecker(TEST_HOST, spec)


class ValidatingClient(FlaskClient):
    """A test client that fails the test on any response that breaks openapi.yaml."""

    checker: SpecChecker

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        request = response.request
        if not request.path.startswith("/api/") and response.status_code < 400:
            return response  # the mock's own pages (admin, docs) are not part of the contract
        exchange = Exchange(
            method=request.method,
            url=request.url,
            status=response.status_code,
            response_headers=dict(response.headers),
            response_body=response.get_data(),
            request_headers=dict(request.headers),
        )
        problems = self.checker.problems(exchange)
        assert not problems, f"{request.method} {request.url} -> {response.status_code}: {problems}"
        return response


@pytest.fixture(autouse=True)
def validate_live_responses(spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold every response that `requests` receives in a test (seed code included) to the spec."""
    checkers: dict[str, SpecChecker] = {}
    send = requests.Session.send
    lock = threading.Lock()

    def checked_send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = send(session, request, **kwargs)
        parts = urlsplit(response.url)
        path, base = parts.path, f"{parts.scheme}://{parts.netloc}"
        sandboxed = SANDBOX_PREFIX.match(path)
        if sandboxed is not None:  # a sandbox's base URL is the mock's plus `/sandboxes/NAME`
            base, path = base + sandboxed.group(0), path[sandboxed.end() :]
        if path.startswith("/api/") or response.status_code >= 400:
            exchange = Exchange(
                method=request.method or "GET",
                url=response.url,
                status=response.status_code,
                response_headers=dict(response.headers),
                response_body=response.content,
                request_headers=dict(request.headers),
            )
            with lock:
                if base not in checkers:
                    checkers[base] = SpecChecker(base, spec)
                problems = checkers[base].problems(exchange)
            assert not problems, f"{request.method} {response.url} -> {response.status_code}: {problems}"
        return response

    monkeypatch.setattr(requests.Session, "send", checked_send)


@pytest.fixture
def app(checker: SpecChecker) -> Flask:
    app = create_app({"TESTING": True})
    app.test_client_class = ValidatingClient
    ValidatingClient.checker = checker
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Api:
    """The Leads API spoken in its own terms, for tests that read as behaviour."""

    def __init__(self, client: FlaskClient, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers if headers is not None else AUTH

    def as_key(self, key: str) -> Api:
        return Api(self.client, {"Authorization": f"Bearer {key}"})

    def create(self, **fields: Any) -> TestResponse:
        body = {"name": "Test Lead", "email": "test.lead@example.com", **fields}
        return self.client.post("/api/v1/leads", json=body, headers=self.headers)

    def create_lead(self, **fields: Any) -> dict[str, Any]:
        response = self.create(**fields)
        assert response.status_code == 201, response.json
        lead: dict[str, Any] = response.json["data"]  # type: ignore[index]
        return lead

    def get(self, lead_id: str) -> TestResponse:
        return self.client.get(f"/api/v1/leads/{lead_id}", headers=self.headers)

    def list(self, **query: Any) -> TestResponse:
        return self.client.get("/api/v1/leads", query_string=query, headers=self.headers)

    def update(self, lead_id: str, body: Any) -> TestResponse:
        return self.client.put(f"/api/v1/leads/{lead_id}", json=body, headers=self.headers)

    def delete(self, lead_id: str) -> TestResponse:
        return self.client.delete(f"/api/v1/leads/{lead_id}", headers=self.headers)


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


@pytest.fixture
def second_api(client: FlaskClient) -> Api:
    return Api(client, SECOND_AUTH)


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    """A client for the mock's own routes (`/__mock/`, docs): outside the API, so not held to its spec."""
    return FlaskClient(app)
