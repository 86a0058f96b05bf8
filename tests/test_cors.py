"""CORS: any origin by default, preflights answered, `--cors-origin` narrows it."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from mock_server import ConfigError, create_app
from tests.conftest import AUTH, JOHN

APP_ORIGIN = "http://localhost:5173"


def preflight(client: FlaskClient, path: str, origin: str = APP_ORIGIN, **extra: str) -> Any:
    """What a browser sends before a DELETE with a key; a plain client, as 204 is no API answer."""
    headers = {"Origin": origin, "Access-Control-Request-Method": "DELETE", **extra}
    return client.options(path, headers=headers)


def test_preflight_is_answered_for_any_origin(admin: FlaskClient) -> None:
    response = preflight(admin, f"/api/v1/leads/{JOHN}", **{"Access-Control-Request-Headers": "authorization,content-type"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "DELETE" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "Origin" in response.headers["Vary"]


def test_preflight_without_requested_headers_still_allows_the_key_and_json(admin: FlaskClient) -> None:
    allowed = preflight(admin, "/api/v1/leads").headers["Access-Control-Allow-Headers"]
    assert {"Authorization", "Content-Type", "Prefer"} <= {h.strip() for h in allowed.split(",")}


def test_preflight_to_an_unknown_route_succeeds_so_the_browser_sees_the_real_404(admin: FlaskClient) -> None:
    assert preflight(admin, "/api/v1/nothing-here").status_code == 204
    response = admin.get("/api/v1/nothing-here", headers={"Origin": APP_ORIGIN})
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN


def test_options_that_is_no_preflight_stays_the_contracts_405(client: FlaskClient) -> None:
    response = client.options(f"/api/v1/leads/{JOHN}", headers={"Origin": APP_ORIGIN})
    assert response.status_code == 405
    assert response.json["code"] == "METHOD_NOT_ALLOWED"  # type: ignore[index]


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", f"/api/v1/leads/{JOHN}", AUTH, 200),  # success
        ("DELETE", f"/api/v1/leads/{JOHN}", {}, 401),  # errors too, or JS cannot read them
        ("GET", "/api/v1/leads/lead_0000000000000000", AUTH, 404),  # the documented 404
        ("GET", "/api/v1/leads", {**AUTH, "Prefer": "code=429"}, 429),  # Retry-After must be readable
    ],
)
def test_every_answer_names_the_origin_and_exposes_retry_after(
    client: FlaskClient, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    response = client.open(path, method=method, headers={**headers, "Origin": APP_ORIGIN})
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert response.headers["Vary"] == "Origin"
    exposed = [h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")]
    assert "Retry-After" in exposed


def test_a_request_without_origin_gets_no_cors_grant_but_varies_on_origin(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/leads/{JOHN}", headers=AUTH)
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"  # a cache must not serve this to a page


@pytest.fixture
def narrow() -> FlaskClient:
    return FlaskClient(create_app({"TESTING": True, "CORS_ORIGINS": [APP_ORIGIN]}))


def test_cors_origin_allows_the_listed_origin(narrow: FlaskClient) -> None:
    assert preflight(narrow, "/api/v1/leads").headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    response = narrow.get("/api/v1/leads", headers={**AUTH, "Origin": APP_ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN


def test_cors_origin_refuses_other_origins(narrow: FlaskClient) -> None:
    refused = preflight(narrow, "/api/v1/leads", origin="http://evil.example")
    assert refused.status_code == 403  # no grant: the browser blocks the request
    assert "Access-Control-Allow-Origin" not in refused.headers
    response = narrow.get("/api/v1/leads", headers={**AUTH, "Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    "origins",
    [
        "localhost:5173",  # no scheme
        "http://localhost:5173/app",  # a path is not part of an origin
        42,  # not text
    ],
)
def test_a_bad_cors_origin_setting_is_refused_at_start(origins: Any) -> None:
    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        create_app({"CORS_ORIGINS": origins})


def test_cors_origins_from_the_environment_may_be_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADS_CORS_ORIGINS", "http://a.test:1, http://b.test:2")
    client = FlaskClient(create_app({"TESTING": True}))
    assert preflight(client, "/api/v1/leads", origin="http://b.test:2").status_code == 204
    assert preflight(client, "/api/v1/leads", origin="http://c.test:3").status_code == 403


def test_a_preflight_from_a_disallowed_origin_is_a_403_saying_how_to_allow_it(narrow: FlaskClient) -> None:
    refused = preflight(narrow, f"/api/v1/leads/{JOHN}", origin="http://evil.example")
    assert (refused.status_code, refused.mimetype) == (403, "application/json")
    body = refused.json
    assert (body["success"], body["code"]) == (False, "ORIGIN_NOT_ALLOWED")
    assert body["details"]["origin"] == "http://evil.example"
    assert body["details"]["allowedOrigins"] == [APP_ORIGIN]
    assert "--cors-origin" in body["error"] and "LEADS_CORS_ORIGINS" in body["error"]


def test_the_refused_preflight_is_the_response_openapi_yaml_documents(narrow: FlaskClient, spec: dict[str, Any]) -> None:
    import jsonschema_rs

    from mock_server.spec import json_schema

    documented = spec["components"]["responses"]["OriginNotAllowed"]["content"]["application/json"]
    validator = jsonschema_rs.validator_for(json_schema(spec, documented["schema"]))
    refused = preflight(narrow, "/api/v1/leads", origin="http://evil.example").json
    assert validator.is_valid(refused)
    assert refused == documented["examples"]["otherOrigin"]["value"] | {"details": refused["details"]}
    assert validator.is_valid(documented["examples"]["otherOrigin"]["value"])
