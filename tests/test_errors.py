"""The contract's error table, its auth rules and its order of checks."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AUTH, JOHN, Api

LEADS = "/api/v1/leads"
ONE = f"/api/v1/leads/{JOHN}"
BIG = 1024 * 1024 + 1


def error_of(response: Any) -> tuple[int, str]:
    body = response.json
    assert body is not None, response.data
    assert body["success"] is False and isinstance(body["details"], dict) and body["error"]
    assert response.mimetype == "application/json"
    return response.status_code, body["code"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "expected"),
    [
        ("GET", "/api/v1/nothing", {}, (404, "NOT_FOUND")),  # unknown route under the API
        ("GET", "/nowhere", {}, (404, "NOT_FOUND")),  # unknown route anywhere (`/` is the mock's index)
        ("GET", "/api/v1/leads/", {}, (404, "LEAD_NOT_FOUND")),  # an empty id, as the spec's template reads it
        ("GET", f"{ONE}/notes", {}, (404, "NOT_FOUND")),
        ("GET", "/api/v1//leads", {}, (404, "NOT_FOUND")),  # paths match as written: no 308 to a merged path
        ("PATCH", f"/api/v1/leads//{JOHN}", {}, (404, "NOT_FOUND")),
        ("GET", f"{ONE}/", {}, (404, "NOT_FOUND")),  # no redirect to the path without the slash either
        ("PATCH", ONE, {}, (405, "METHOD_NOT_ALLOWED")),  # known route, wrong method
        ("POST", ONE, {}, (405, "METHOD_NOT_ALLOWED")),
        ("DELETE", LEADS, {}, (405, "METHOD_NOT_ALLOWED")),
        ("OPTIONS", LEADS, {}, (405, "METHOD_NOT_ALLOWED")),
        ("GET", LEADS, {"headers": {}}, (401, "UNAUTHORIZED")),  # no key
        ("POST", LEADS, {"data": b"x" * BIG, "content_type": "application/json"}, (413, "PAYLOAD_TOO_LARGE")),
        ("PUT", ONE, {"data": b"x" * BIG, "content_type": "application/json"}, (413, "PAYLOAD_TOO_LARGE")),
        ("POST", LEADS, {"data": "name=A", "content_type": "application/x-www-form-urlencoded"}, (415, "UNSUPPORTED_MEDIA_TYPE")),
        ("POST", LEADS, {"data": "{}", "content_type": "text/plain"}, (415, "UNSUPPORTED_MEDIA_TYPE")),
        ("POST", LEADS, {"data": "{}"}, (415, "UNSUPPORTED_MEDIA_TYPE")),  # no Content-Type at all
        ("PUT", ONE, {"data": "{}", "content_type": "application/xml"}, (415, "UNSUPPORTED_MEDIA_TYPE")),
        ("POST", LEADS, {"data": "{", "content_type": "application/json"}, (400, "VALIDATION_ERROR")),  # malformed
        ("POST", LEADS, {"data": "", "content_type": "application/json"}, (400, "VALIDATION_ERROR")),  # empty
        ("GET", "/api/v1/leads/lead_ffffffffffffffff", {}, (404, "LEAD_NOT_FOUND")),
    ],
)
def test_error_table(client: FlaskClient, method: str, path: str, kwargs: dict[str, Any], expected: tuple[int, str]) -> None:
    kwargs.setdefault("headers", AUTH)
    assert error_of(client.open(path, method=method, **kwargs)) == expected


def test_head_is_answered_as_get_without_a_body(app: Flask) -> None:
    plain = FlaskClient(app, app.response_class)  # HEAD is HTTP's, not openapi.yaml's: not validated against it
    got = plain.get(ONE, headers=AUTH)
    head = plain.head(ONE, headers=AUTH)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == got.headers["Content-Length"] == str(len(got.data))


def test_405_names_the_allowed_methods(client: FlaskClient) -> None:
    response = client.patch(ONE, headers=AUTH)
    assert response.headers["Allow"] == "DELETE, GET, PUT"
    assert response.json["details"]["allowed"] == ["DELETE", "GET", "PUT"]  # type: ignore[index]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",  # parameters are fine
        "Application/JSON",  # media types are case-insensitive
        "application/merge-patch+json",  # any application/*+json
    ],
)
def test_json_media_types_are_accepted(client: FlaskClient, content_type: str) -> None:
    body = json.dumps({"name": "A", "email": "a@example.com"})
    assert client.post(LEADS, data=body, content_type=content_type, headers=AUTH).status_code == 201


@pytest.mark.parametrize(
    "header",
    [
        None,  # missing
        "sk-workspace_your_api_key",  # no scheme
        "Basic c2std29ya3NwYWNlOng=",  # another scheme
        "Token sk-workspace_your_api_key",
        "Bearer",  # no key
        "Bearer ",
        "Bearer sk-workspace_unknown",  # unknown key
        "Bearer sk-workspace_your_api_key_",  # near miss
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", LEADS), ("POST", LEADS), ("GET", ONE), ("PUT", ONE), ("DELETE", ONE), ("GET", "/api/v1/leads/lead_ffffffffffffffff")],
)
def test_bad_credentials_are_401_before_any_lookup(client: FlaskClient, header: str | None, method: str, path: str) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = client.open(path, method=method, json={"name": 5}, headers=headers)
    assert error_of(response) == (401, "UNAUTHORIZED")
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert client.get(ONE, headers=AUTH).status_code == 200  # nothing changed


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_bearer_scheme_is_case_insensitive(client: FlaskClient, scheme: str) -> None:
    assert client.get(ONE, headers={"Authorization": f"{scheme} sk-workspace_your_api_key"}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "expected"),
    [
        ("PATCH", "/api/v1/nope", {"headers": {}}, 404),  # routing before auth
        ("PATCH", ONE, {"headers": {}}, 405),  # method before auth
        ("POST", LEADS, {"headers": {}, "data": b"x" * BIG, "content_type": "text/plain"}, 401),  # auth before size
        ("POST", LEADS, {"data": b"x" * BIG, "content_type": "text/plain"}, 413),  # size before media type
        ("PUT", "/api/v1/leads/lead_ffffffffffffffff", {"data": "{", "content_type": "text/plain"}, 415),  # media before validation
        ("PUT", "/api/v1/leads/lead_ffffffffffffffff", {"data": "{", "content_type": "application/json"}, 400),  # validation before lookup
    ],
)
def test_order_of_checks(client: FlaskClient, method: str, path: str, kwargs: dict[str, Any], expected: int) -> None:
    kwargs.setdefault("headers", AUTH)
    assert client.open(path, method=method, **kwargs).status_code == expected


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_get_and_delete_with_json_content_type_and_empty_body_are_ordinary(client: FlaskClient, method: str) -> None:
    # The seed's own JavaScript sends exactly this.
    headers = {**AUTH, "Content-Type": "application/json"}
    assert client.open(ONE, method=method, headers=headers).status_code == 200


def test_an_unexpected_exception_is_printed_with_its_traceback() -> None:
    # In a process of its own: under pytest, its logging handlers stand in for Flask's.
    script = textwrap.dedent(
        f"""
        from mock_server import create_app
        from mock_server.state import EXTENSION

        def broken(*args, **kwargs):
            raise RuntimeError("planted bug")

        app = create_app()
        app.extensions[EXTENSION].store.get = broken
        response = app.test_client().get("{ONE}", headers={AUTH!r})
        print(response.status_code, response.json["code"])
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["500", "INTERNAL_ERROR"], done.stderr
    assert f"ERROR in errors: Unhandled error on GET {ONE}" in done.stderr  # Flask's log format
    assert "Traceback" in done.stderr and "RuntimeError: planted bug" in done.stderr


def test_unexpected_exception_is_a_logged_500_in_the_envelope(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from mock_server.state import EXTENSION

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("planted bug")

    monkeypatch.setattr(app.extensions[EXTENSION].store, "get", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get(ONE, headers=AUTH)
    assert error_of(response) == (500, "INTERNAL_ERROR")
    assert "planted bug" not in response.get_data(as_text=True)  # no internals leak to the client
    assert any(record.exc_info and "planted bug" in str(record.exc_info[1]) for record in caplog.records)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b'{"name": "A", "email": "a@example.com", "metadata": {"x": NaN}}', "NaN"),  # not JSON
        (b'{"name": "A", "email": "a@example.com", "metadata": {"x": 1e999}}', "too large"),  # not a double
        (b'{"name": "\\ud800", "email": "a@example.com"}', "surrogate"),  # unpaired surrogate
        (b'{"name": "\xff", "email": "a@example.com"}', "UTF-8"),  # invalid UTF-8
        (b'{"name": "A", "email": "a@example.com", "metadata": ' + b'{"a":' * 101 + b"1" + b"}" * 102, "nested"),
        (b'{"name": "A", "email": "a@example.com"} trailing', "Malformed"),
    ],
)
def test_json_that_cannot_round_trip_is_refused(api: Api, payload: bytes, message: str) -> None:
    response = api.client.post(LEADS, data=payload, content_type="application/json", headers=AUTH)
    assert error_of(response) == (400, "VALIDATION_ERROR")
    assert message in response.json["details"]["errors"][0]["message"]  # type: ignore[index]
