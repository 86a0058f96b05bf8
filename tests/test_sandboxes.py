"""Sandboxes in one mock: reached by header or by prefix, each a whole private world, bounded, driven by the admin API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from contract_tests.core.exchange import Exchange
from contract_tests.engine import SpecChecker
from mock_server import create_app, faults
from mock_server.sandboxes import SANDBOXES
from tests.conftest import AUTH, JANE, JOHN, SECOND_AUTH, TEST_HOST

APP_ORIGIN = "http://localhost:5173"


class Sandboxed:
    """The API inside one sandbox, by prefix or by header (or the root), every answer held to openapi.yaml at that base URL."""

    def __init__(self, client: FlaskClient, spec: dict[str, Any], name: str, by: str = "prefix", key: dict[str, str] = AUTH) -> None:
        self.client = client
        self.name = name
        self.prefix = f"/sandboxes/{name}" if by == "prefix" else ""
        self.headers = {**key, **({"Leadkit-Sandbox": name} if by == "header" else {})}
        self.checker = SpecChecker(f"{TEST_HOST}{self.prefix}", spec)

    def open(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = self.client.open(self.prefix + path, method=method, headers=headers, **kwargs)
        if path.startswith("/api/"):
            request = response.request
            exchange = Exchange(
                method=method, url=request.url, status=response.status_code, response_headers=dict(response.headers),
                response_body=response.get_data(), request_headers=dict(request.headers),
            )  # fmt: skip
            problems = self.checker.problems(exchange)
            assert not problems, f"{method} {request.url} -> {response.status_code}: {problems}"
        return response

    def get(self, lead_id: str) -> TestResponse:
        return self.open("GET", f"/api/v1/leads/{lead_id}")

    def delete(self, lead_id: str) -> TestResponse:
        return self.open("DELETE", f"/api/v1/leads/{lead_id}")

    def create(self, **fields: Any) -> dict[str, Any]:
        response = self.open("POST", "/api/v1/leads", json={"name": "Sandboxed", "email": "s@example.com", **fields})
        assert response.status_code == 201, response.json
        lead: dict[str, Any] = response.json["data"]  # type: ignore[index]
        return lead

    def total(self) -> int:
        total: int = self.open("GET", "/api/v1/leads").json["data"]["pagination"]["total"]  # type: ignore[index]
        return total

    def admin(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        return self.open(method, f"/__mock/{path}", **kwargs)


@pytest.fixture
def root(app: Flask, spec: dict[str, Any]) -> Sandboxed:
    """The root as a client sees it: no header, no prefix."""
    return Sandboxed(FlaskClient(app), spec, "", by="root")


def sandbox(app: Flask, spec: dict[str, Any], name: str, by: str = "prefix", key: dict[str, str] = AUTH) -> Sandboxed:
    return Sandboxed(FlaskClient(app), spec, name, by, key)


def names(admin: FlaskClient) -> list[str]:
    return [s["name"] for s in admin.get("/__mock/sandboxes").json["sandboxes"]]  # type: ignore[index]


@pytest.mark.parametrize("by", ["prefix", "header"])
def test_a_delete_in_a_sandbox_is_seen_there_only(app: Flask, spec: dict[str, Any], root: Sandboxed, by: str) -> None:
    alice, bob = sandbox(app, spec, "alice", by), sandbox(app, spec, "bob", by)
    assert alice.get(JOHN).json["data"]["name"] == "John Doe"  # type: ignore[index]  # the seed's ids, unchanged
    assert alice.delete(JOHN).status_code == 200
    assert alice.get(JOHN).status_code == 404
    assert alice.delete(JOHN).json["code"] == "LEAD_NOT_FOUND"  # type: ignore[index]
    assert (alice.total(), bob.total(), root.total()) == (27, 28, 28)
    assert bob.get(JOHN).status_code == 200 and root.get(JOHN).status_code == 200
    second = sandbox(app, spec, "bob", by, SECOND_AUTH)  # both fixture workspaces, each still seeing only its own
    assert second.total() == 4 and second.get(JANE).status_code == 404


def test_header_and_prefix_reach_the_same_sandbox(app: Flask, spec: dict[str, Any]) -> None:
    by_prefix, by_header = sandbox(app, spec, "same", "prefix"), sandbox(app, spec, "same", "header")
    made = by_prefix.create(name="Made by prefix")
    assert by_header.get(made["id"]).json["data"]["name"] == "Made by prefix"  # type: ignore[index]
    assert by_header.delete(JANE).status_code == 200
    assert by_prefix.get(JANE).status_code == 404


def test_the_first_use_makes_the_sandbox_and_says_so(app: Flask, spec: dict[str, Any], admin: FlaskClient) -> None:
    fresh = sandbox(app, spec, "first-use")
    first, second = fresh.get(JOHN), fresh.get(JOHN)
    assert first.headers.get("Leadkit-Sandbox-Created") == "true"
    assert "Leadkit-Sandbox-Created" not in second.headers
    assert names(admin) == ["first-use"]


def test_without_header_or_prefix_the_mock_is_the_root(app: Flask, spec: dict[str, Any], root: Sandboxed, admin: FlaskClient) -> None:
    assert root.delete(JOHN).status_code == 200
    assert "Leadkit-Sandbox-Created" not in root.get(JANE).headers
    assert names(admin) == []
    assert sandbox(app, spec, "untouched").get(JOHN).status_code == 200


@pytest.mark.parametrize(
    "name",
    ["", "x" * 65, "a b", "naïve", "a,b", "a;b", "a:b", "emoji-\u2603"],
    ids=["empty", "65 characters", "space", "non-ASCII", "comma", "semicolon", "colon", "snowman"],
)
def test_a_malformed_name_is_a_400_naming_the_rule_and_makes_nothing(admin: FlaskClient, name: str) -> None:
    by_header = admin.get("/api/v1/leads", headers={**AUTH, "Leadkit-Sandbox": name.encode().decode("latin-1")})
    by_path = admin.get(f"/sandboxes/{name}/api/v1/leads", headers=AUTH)
    for response, field in ((by_header, "Leadkit-Sandbox"), (by_path, "path")):
        assert response.status_code == 400, response.json
        body = response.json
        assert body["success"] is False and body["code"] == "VALIDATION_ERROR"  # type: ignore[index]
        (error,) = body["details"]["errors"]  # type: ignore[index]
        assert error["field"] == field and "1 to 64 characters of A-Z a-z 0-9 _ . -" in error["message"]
    assert names(admin) == []


def test_the_longest_name_and_every_allowed_character_work(app: Flask, spec: dict[str, Any]) -> None:
    for name in ("x" * 64, "Az09_.-", "-", "a.b"):
        assert sandbox(app, spec, name, "prefix").get(JOHN).status_code == 200
        assert sandbox(app, spec, name, "header").get(JOHN).status_code == 200


def test_header_and_prefix_naming_two_sandboxes_is_refused(admin: FlaskClient) -> None:
    response = admin.get("/sandboxes/one/api/v1/leads", headers={**AUTH, "Leadkit-Sandbox": "two"})
    assert response.status_code == 400
    assert "'two'" in response.json["details"]["errors"][0]["message"]  # type: ignore[index]
    assert names(admin) == []


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/__mock/sandboxes", {"Leadkit-Sandbox": "inner"}), ("/sandboxes/inner/__mock/sandboxes/other", {})],
)
def test_the_sandbox_admin_api_is_the_roots_only(admin: FlaskClient, path: str, headers: dict[str, str]) -> None:
    response = admin.put(path, headers=headers)
    assert response.status_code == 400
    assert "/__mock/sandboxes is the root's" in response.json["details"]["errors"][0]["message"]  # type: ignore[index]
    assert names(admin) == []


def test_the_admin_api_inside_a_sandbox_acts_on_that_sandbox(app: Flask, spec: dict[str, Any], root: Sandboxed, admin: FlaskClient) -> None:
    box, other = sandbox(app, spec, "box"), sandbox(app, spec, "other", "header")
    made = box.create(name="Only here")
    box.delete(JOHN)
    other.get(JOHN)
    audit = box.admin("GET", "audit").json["data"]["entries"]  # type: ignore[index]
    assert [(e["leadId"], e["outcome"]) for e in audit] == [(JOHN, "deleted")]
    assert root.admin("GET", "audit").json["data"]["entries"] == []  # type: ignore[index]
    assert other.admin("GET", "audit").json["data"]["entries"] == []  # type: ignore[index]
    paths = [r["path"] for r in box.admin("GET", "requests").json["data"]["requests"]]  # type: ignore[index]
    assert paths == ["/api/v1/leads", f"/api/v1/leads/{JOHN}"]
    assert [r["path"] for r in other.admin("GET", "requests").json["data"]["requests"]] == [f"/api/v1/leads/{JOHN}"]  # type: ignore[index]
    assert admin.get("/__mock/requests").json["data"]["requests"] == []  # type: ignore[index]

    saved = box.admin("GET", "state").json
    leads = {lead["id"] for ws in saved["workspaces"] for lead in ws["leads"]}  # type: ignore[index]
    assert made["id"] in leads and JOHN not in leads and JOHN in saved["retiredIds"]  # type: ignore[index]
    assert other.admin("PUT", "state", json=saved).status_code == 200  # a sandbox's state, imported into another
    assert other.get(made["id"]).status_code == 200 and other.get(JOHN).status_code == 404
    assert box.admin("POST", "reset").json == {"success": True, "data": {"leads": 32}}
    assert box.get(JOHN).status_code == 200 and box.get(made["id"]).status_code == 404
    assert other.get(made["id"]).status_code == 200  # its import stands
    assert root.get(made["id"]).status_code == 404 and root.get(JOHN).status_code == 200


def test_a_sandboxs_spec_and_docs_name_its_base_url(admin: FlaskClient) -> None:
    by_prefix = admin.get("/sandboxes/docs-box/openapi.json").json
    by_header = admin.get("/openapi.json", headers={"Leadkit-Sandbox": "docs-box"}).json
    assert by_prefix["servers"][0]["url"] == by_header["servers"][0]["url"] == f"{TEST_HOST}/sandboxes/docs-box"  # type: ignore[index]
    assert f"url: {TEST_HOST}/sandboxes/docs-box" in admin.get("/sandboxes/docs-box/openapi.yaml").get_data(as_text=True)
    page = admin.get("/sandboxes/docs-box/docs").get_data(as_text=True)
    assert 'url: "/sandboxes/docs-box/openapi.json"' in page
    asset = admin.get("/sandboxes/docs-box/docs/swagger-ui.css")
    asset.close()
    assert asset.status_code == 200
    assert admin.get("/openapi.json").json["servers"][0]["url"] == TEST_HOST  # type: ignore[index]


def test_forced_responses_and_ids_stay_within_a_sandbox(app: Flask, spec: dict[str, Any], root: Sandboxed) -> None:
    box = sandbox(app, spec, "forced")
    forced = box.open("DELETE", f"/api/v1/leads/{JOHN}", headers={"Prefer": "code=404"})
    assert forced.status_code == 404 and box.get(JOHN).status_code == 200  # nothing changed
    assert [e["outcome"] for e in box.admin("GET", "audit").json["data"]["entries"]] == ["simulated"]  # type: ignore[index]
    made = [box.create()["id"] for _ in range(3)]
    for lead_id in made:
        assert box.delete(lead_id).status_code == 200
        assert box.get(lead_id).status_code == 404
    again = [box.create()["id"] for _ in range(3)]
    assert not set(made) & set(again)
    assert set(made) <= set(box.admin("GET", "state").json["retiredIds"])  # type: ignore[index]
    assert root.admin("GET", "state").json["retiredIds"] == []  # type: ignore[index]


def test_a_preflight_naming_the_sandbox_header_is_granted(admin: FlaskClient) -> None:
    ask = {"Origin": APP_ORIGIN, "Access-Control-Request-Method": "DELETE"}
    named = admin.options("/api/v1/leads", headers={**ask, "Access-Control-Request-Headers": "authorization,leadkit-sandbox"})
    assert named.status_code == 204 and "leadkit-sandbox" in named.headers["Access-Control-Allow-Headers"].lower()
    unnamed = admin.options("/api/v1/leads", headers=ask)
    assert "Leadkit-Sandbox" in unnamed.headers["Access-Control-Allow-Headers"]
    made = admin.get("/api/v1/leads", headers={**AUTH, "Origin": APP_ORIGIN, "Leadkit-Sandbox": "browser"})
    assert made.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "Leadkit-Sandbox-Created" in made.headers["Access-Control-Expose-Headers"]
    refused = admin.get("/api/v1/leads", headers={**AUTH, "Origin": APP_ORIGIN, "Leadkit-Sandbox": "no good"})
    assert refused.status_code == 400 and refused.headers["Access-Control-Allow-Origin"] == APP_ORIGIN  # readable by the page


# The admin API: PUT, GET, DELETE /__mock/sandboxes[/NAME]


def test_put_makes_a_sandbox_then_resets_it(app: Flask, spec: dict[str, Any], admin: FlaskClient) -> None:
    made = admin.put("/__mock/sandboxes/ci-job-7")
    assert made.status_code == 201
    assert made.json == {
        "name": "ci-job-7",
        "baseUrl": f"{TEST_HOST}/sandboxes/ci-job-7",
        "header": {"Leadkit-Sandbox": "ci-job-7"},
        "workspaces": [
            {"id": "ws_your_workspace_id", "apiKeys": ["sk-workspace_your_api_key"], "leads": 28},
            {"id": "ws_second_workspace_id", "apiKeys": ["sk-workspace_second_api_key"], "leads": 4},
        ],
    }
    box = sandbox(app, spec, "ci-job-7", "header")
    assert "Leadkit-Sandbox-Created" not in box.get(JOHN).headers  # made by the PUT already
    created = box.create()
    box.delete(JOHN)
    reset = admin.put("/__mock/sandboxes/ci-job-7")
    assert reset.status_code == 200 and reset.json["workspaces"][0]["leads"] == 28  # type: ignore[index]
    assert box.get(JOHN).status_code == 200 and box.get(created["id"]).status_code == 404
    assert created["id"] in box.admin("GET", "state").json["retiredIds"]  # type: ignore[index]  # never issued again
    assert admin.get("/__mock/sandboxes/ci-job-7").json == reset.json


def test_list_and_drop(app: Flask, spec: dict[str, Any], admin: FlaskClient) -> None:
    first = sandbox(app, spec, "first")
    first.delete(JOHN)
    first.get(JANE)
    admin.put("/__mock/sandboxes/second")
    listed = admin.get("/__mock/sandboxes").json["sandboxes"]  # type: ignore[index]
    assert [(s["name"], s["leads"], s["requests"]) for s in listed] == [("first", 31, 2), ("second", 32, 0)]
    assert all(s["created"] <= s["lastUsed"] for s in listed)
    assert admin.delete("/__mock/sandboxes/first").json == {"name": "first", "dropped": True}
    assert names(admin) == ["second"]
    assert admin.delete("/__mock/sandboxes/first").status_code == 404
    assert admin.get("/__mock/sandboxes/first").json["code"] == "NOT_FOUND"  # type: ignore[index]
    again = first.get(JOHN)  # its data is gone: made afresh
    assert again.status_code == 200 and again.headers["Leadkit-Sandbox-Created"] == "true"


def test_put_with_options_of_its_own(app: Flask, spec: dict[str, Any], admin: FlaskClient, root: Sandboxed) -> None:
    fixtures = {"workspaces": [{"id": "ws_tiny", "apiKeys": ["sk-tiny"], "leads": [
        {"id": "lead_00000000000000aa", "name": "Tiny", "email": "tiny@example.com", "phone": None, "source": None,
         "status": "new", "metadata": {}, "createdAt": "2025-01-02T00:00:00.000Z", "updatedAt": "2025-01-02T00:00:00.000Z"}
    ]}]}  # fmt: skip
    made = admin.put("/__mock/sandboxes/tiny", json={"fixtures": fixtures, "generate": 2, "seed": 7})
    assert made.status_code == 201, made.json
    assert made.json["workspaces"] == [{"id": "ws_tiny", "apiKeys": ["sk-tiny"], "leads": 3}]  # type: ignore[index]
    tiny = sandbox(app, spec, "tiny", key={"Authorization": "Bearer sk-tiny"})
    assert tiny.get("lead_00000000000000aa").json["data"]["name"] == "Tiny"  # type: ignore[index]
    assert sandbox(app, spec, "tiny").get(JOHN).status_code == 401  # the start fixtures' key is not one of its keys
    first_ids = [sandbox(app, spec, name).create()["id"] for name in ("s1", "s2") if admin.put(f"/__mock/sandboxes/{name}", json={"seed": 3})]
    assert first_ids[0] == first_ids[1]  # a seed repeats within each sandbox
    assert root.get(JOHN).status_code == 200 and root.total() == 28


def test_a_fail_rate_of_its_own_fails_that_sandbox_only(app: Flask, spec: dict[str, Any], admin: FlaskClient, root: Sandboxed) -> None:
    assert admin.put("/__mock/sandboxes/flaky", json={"failRate": 1}).status_code == 201
    flaky, steady = sandbox(app, spec, "flaky"), sandbox(app, spec, "steady")
    statuses = {flaky.get(JOHN).status_code for _ in range(10)}
    assert statuses <= {429, 500} and statuses
    assert all(r["injected"] for r in flaky.admin("GET", "requests").json["data"]["requests"])  # type: ignore[index]
    assert steady.get(JOHN).status_code == 200 and root.get(JOHN).status_code == 200


def test_a_rate_limit_of_its_own_limits_that_sandbox_only(app: Flask, spec: dict[str, Any], admin: FlaskClient, root: Sandboxed) -> None:
    admin.put("/__mock/sandboxes/limited", json={"rateLimit": "1/min"})
    limited = sandbox(app, spec, "limited")
    assert limited.get(JOHN).status_code == 200
    refused = limited.get(JOHN)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert all(root.get(JOHN).status_code == 200 for _ in range(3))
    assert all(sandbox(app, spec, "unlimited").get(JOHN).status_code == 200 for _ in range(3))


def test_a_latency_of_its_own_slows_that_sandbox_only(app: Flask, spec: dict[str, Any], admin: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(faults.time, "sleep", slept.append)
    admin.put("/__mock/sandboxes/slow", json={"latency": "300"})
    sandbox(app, spec, "slow", "header").get(JOHN)
    sandbox(app, spec, "quick").get(JOHN)
    admin.get("/api/v1/leads", headers=AUTH)
    assert slept == [0.3]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"fixture": {}}, "fixture", "unknown option; the options are fixtures, generate, seed, latency, failRate, rateLimit"),
        ({"latency": "soon"}, "latency", "MS or MIN-MAX"),
        ({"latency": "400-100"}, "latency", "MIN is larger than MAX"),
        ({"failRate": 2}, "failRate", "from 0 to 1"),
        ({"failRate": True}, "failRate", "from 0 to 1"),
        ({"rateLimit": "fast"}, "rateLimit", "N/s or N/min"),
        ({"rateLimit": 10}, "rateLimit", "N/s or N/min"),
        ({"seed": "seven"}, "seed", "whole number"),
        ({"generate": -1}, "generate", "whole number from 0"),
        ({"generate": 10**9}, "generate", "to 10000"),
        ({"fixtures": {"workspaces": []}}, "fixtures", "at least one workspace"),
        ({"fixtures": {"workspaces": [{"id": "nope", "apiKeys": ["k"]}]}}, "fixtures", 'workspaces[0]: needs an "id" starting with "ws_"'),
        ([1, 2], "body", "JSON object of options"),
    ],
)
def test_a_bad_option_is_a_400_naming_it_and_makes_nothing(admin: FlaskClient, body: Any, field: str, words: str) -> None:
    response = admin.put("/__mock/sandboxes/opts", json=body)
    assert response.status_code == 400, response.json
    (error,) = response.json["details"]["errors"]  # type: ignore[index]
    assert error["field"] == field and words in error["message"], error
    assert names(admin) == []


def test_a_bad_option_leaves_an_existing_sandbox_as_it_was(app: Flask, spec: dict[str, Any], admin: FlaskClient) -> None:
    box = sandbox(app, spec, "kept")
    box.delete(JOHN)
    assert admin.put("/__mock/sandboxes/kept", json={"latency": "x"}).status_code == 400
    assert box.get(JOHN).status_code == 404


@pytest.mark.parametrize(
    ("data", "content_type", "status", "words"),
    [
        (b"{not json", "application/json", 400, "Malformed JSON"),
        (b"latency=300", "application/x-www-form-urlencoded", 415, "as JSON"),
    ],
)
def test_a_body_that_is_not_json_is_refused(admin: FlaskClient, data: bytes, content_type: str, status: int, words: str) -> None:
    response = admin.put("/__mock/sandboxes/body", data=data, content_type=content_type)
    assert response.status_code == status
    assert words in json.dumps(response.json)
    assert names(admin) == []


def test_a_malformed_name_in_the_admin_api_is_refused(admin: FlaskClient) -> None:
    for method in ("PUT", "GET", "DELETE"):
        response = admin.open("/__mock/sandboxes/" + "x" * 65, method=method)
        assert response.status_code == 400 and "1 to 64 characters" in response.json["details"]["errors"][0]["message"]  # type: ignore[index]
    assert names(admin) == []


# Bounds: how many at once, and how long an idle one lives.


def test_one_sandbox_over_the_limit_is_refused_naming_the_flag(spec: dict[str, Any]) -> None:
    app = create_app({"TESTING": True, "MAX_SANDBOXES": 2})
    admin = FlaskClient(app)
    sandbox(app, spec, "one").get(JOHN)
    assert admin.put("/__mock/sandboxes/two").status_code == 201
    for refused in (admin.get("/sandboxes/three/api/v1/leads", headers=AUTH), admin.put("/__mock/sandboxes/three")):
        assert refused.status_code == 507
        body = refused.json
        assert body["code"] == "SANDBOX_LIMIT_REACHED" and "--max-sandboxes" in body["error"]  # type: ignore[index]
        assert body["details"] == {"limit": 2, "flag": "--max-sandboxes", "variable": "LEADS_MAX_SANDBOXES"}  # type: ignore[index]
    assert names(admin) == ["one", "two"]
    assert sandbox(app, spec, "one").get(JOHN).status_code == 200  # the live ones still serve
    assert admin.put("/__mock/sandboxes/two").status_code == 200  # and reset
    admin.delete("/__mock/sandboxes/one")
    assert sandbox(app, spec, "three").get(JOHN).status_code == 200


def test_an_idle_sandbox_expires_and_its_next_use_makes_it_afresh(spec: dict[str, Any]) -> None:
    app = create_app({"TESTING": True, "SANDBOX_TTL": 30, "MAX_SANDBOXES": 2})
    registry = app.extensions[SANDBOXES]
    now = [1_000_000.0]
    registry.clock = lambda: now[0]
    idle, busy = sandbox(app, spec, "idle"), sandbox(app, spec, "busy")
    idle.delete(JOHN)
    busy.delete(JOHN)
    now[0] += 20 * 60
    busy.get(JANE)  # used: its idle time starts again
    now[0] += 15 * 60  # idle for 35 minutes, busy for 15
    assert names(FlaskClient(app)) == ["busy"]
    assert sandbox(app, spec, "third").get(JOHN).status_code == 200  # the expired one made room
    assert FlaskClient(app).get(f"/sandboxes/idle/api/v1/leads/{JOHN}", headers=AUTH).status_code == 507  # busy and third are live
    FlaskClient(app).delete("/__mock/sandboxes/third")
    again = idle.get(JOHN)
    assert again.status_code == 200 and again.headers["Leadkit-Sandbox-Created"] == "true"
    assert busy.get(JOHN).status_code == 404  # never expired: its delete stands


def test_a_ttl_of_zero_never_expires(spec: dict[str, Any]) -> None:
    app = create_app({"TESTING": True, "SANDBOX_TTL": 0})
    registry = app.extensions[SANDBOXES]
    now = [0.0]
    registry.clock = lambda: now[0]
    box = sandbox(app, spec, "forever")
    box.delete(JOHN)
    now[0] += 365 * 24 * 3600
    assert box.get(JOHN).status_code == 404


@pytest.mark.parametrize(("setting", "value"), [("MAX_SANDBOXES", "many"), ("SANDBOX_TTL", "-5"), ("SANDBOX_TTL", "soon")])
def test_bad_bounds_are_refused_at_start(setting: str, value: str) -> None:
    from mock_server import ConfigError

    with pytest.raises(ConfigError) as raised:
        create_app({setting: value})
    assert raised.value.name == setting


def test_a_sandbox_shares_the_fixtures_leads_until_it_writes(app: Flask, spec: dict[str, Any]) -> None:
    """No copy of the 32 leads per sandbox: the store holds the fixtures' own (immutable) lead objects."""
    from mock_server.state import EXTENSION

    box = sandbox(app, spec, "shared")
    box.open("PUT", f"/api/v1/leads/{JANE}", json={"status": "lost"})
    registry = app.extensions[SANDBOXES]
    world = registry.world_of("shared")
    root_leads = {lead.id: lead for lead in app.extensions[EXTENSION].store.all_leads()}
    own = {lead.id: lead for lead in world.store.all_leads()}
    assert own[JOHN] is root_leads[JOHN]
    assert own[JANE] is not root_leads[JANE] and own[JANE].status == "lost" and root_leads[JANE].status == "qualified"


# The command line: flags, variables, help, and the log line of a sandbox's request.


@pytest.mark.parametrize(
    ("args", "env", "blamed"),
    [
        (["--max-sandboxes", "lots"], {}, "--max-sandboxes: must be a whole number from 0"),
        (["--sandbox-ttl", "-1"], {}, "--sandbox-ttl: must be a number of minutes from 0"),
        ([], {"LEADS_MAX_SANDBOXES": "-3"}, "LEADS_MAX_SANDBOXES: must be a whole number from 0"),
        ([], {"LEADS_SANDBOX_TTL": "soon"}, "LEADS_SANDBOX_TTL: must be a number of minutes from 0"),
    ],
)
def test_a_bad_bound_is_one_line_naming_the_flag_or_variable(args: list[str], env: dict[str, str], blamed: str) -> None:
    import inprocess

    ran = inprocess.leadkit("mock", *args, env=env)
    assert ran.returncode == 2
    assert ran.stderr.startswith(f"leadkit: error: {blamed}") and ran.stderr.count("\n") == 1


def test_help_names_sandboxes_their_flags_and_variables() -> None:
    import inprocess

    helped = inprocess.leadkit("mock", "--help").stdout
    for words in ("Leadkit-Sandbox: NAME", "/sandboxes/NAME", "in memory only", "--max-sandboxes", "--sandbox-ttl", "LEADS_MAX_SANDBOXES", "LEADS_SANDBOX_TTL"):
        assert words in " ".join(helped.split()), words


def test_the_flags_reach_the_app() -> None:
    import argparse

    from mock_server.command import config_from_args

    args = argparse.Namespace(**{name: None for name in (
        "fixtures", "cors_origin", "latency", "fail_rate", "rate_limit", "state", "record", "seed", "generate", "quiet",
    )}, max_sandboxes="5", sandbox_ttl="0.5")  # fmt: skip
    settings = config_from_args(args)
    assert (settings["MAX_SANDBOXES"], settings["SANDBOX_TTL"]) == (5, 0.5)
    app = create_app({"TESTING": True, **settings})
    assert (app.extensions[SANDBOXES].limit, app.extensions[SANDBOXES].ttl_s) == (5, 30.0)


def test_a_sandboxs_log_lines_name_it(spec: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app({"TESTING": True, "LOG_REQUESTS": True})
    sandbox(app, spec, "logged", "header").get(JOHN)
    FlaskClient(app).get(f"/api/v1/leads/{JOHN}", headers=AUTH)
    lines = capsys.readouterr().out.splitlines()
    assert [line.rsplit(" ", 1)[0] for line in lines] == [f"[logged] GET /api/v1/leads/{JOHN} 200", f"GET /api/v1/leads/{JOHN} 200"]


def test_many_first_uses_at_once_make_one_sandbox(app: Flask) -> None:
    import threading

    barrier = threading.Barrier(8)
    created: list[str | None] = []

    def first_use() -> None:
        client = FlaskClient(app)
        barrier.wait()
        response = client.delete(f"/sandboxes/race/api/v1/leads/{JOHN}", headers=AUTH)
        created.append(response.headers.get("Leadkit-Sandbox-Created"))

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert created.count("true") == 1 and len(created) == 8
    (listed,) = FlaskClient(app).get("/__mock/sandboxes").json["sandboxes"]  # type: ignore[index]
    assert (listed["name"], listed["requests"], listed["leads"]) == ("race", 8, 31)  # one world: one delete won
    outcomes = [e["outcome"] for e in FlaskClient(app).get("/sandboxes/race/__mock/audit").json["data"]["entries"]]  # type: ignore[index]
    assert sorted(outcomes) == ["deleted"] + ["refused"] * 7


def test_a_sandbox_starts_as_the_mock_started_generated_and_seeded_leads_included(spec: dict[str, Any]) -> None:
    app = create_app({"TESTING": True, "GENERATE": 3, "SEED": 5})
    root, box = Sandboxed(FlaskClient(app), spec, "", by="root"), sandbox(app, spec, "seeded")
    assert root.total() == box.total() == 31
    listed = [lead["id"] for lead in box.open("GET", "/api/v1/leads", query_string={"limit": 100}).json["data"]["leads"]]  # type: ignore[index]
    assert listed == [lead["id"] for lead in root.open("GET", "/api/v1/leads", query_string={"limit": 100}).json["data"]["leads"]]  # type: ignore[index]
    made_in_box, made_at_root = box.create(), root.create()
    assert made_in_box["id"] == made_at_root["id"] and made_in_box["createdAt"] == made_at_root["createdAt"]  # each its own seeded ids and clock


def test_with_a_state_file_sandboxes_stay_in_memory(spec: dict[str, Any], tmp_path: Any) -> None:
    from mock_server.state import EXTENSION

    path = tmp_path / "state.sqlite3"
    app = create_app({"TESTING": True, "STATE_PATH": str(path)})
    box = sandbox(app, spec, "memory-only")
    box.delete(JOHN)
    box.create(name="Never saved")
    Sandboxed(FlaskClient(app), spec, "", by="root").delete(JANE)
    app.extensions[EXTENSION].journal.release()
    again = create_app({"TESTING": True, "STATE_PATH": str(path)})
    try:
        root = Sandboxed(FlaskClient(again), spec, "", by="root")
        assert root.get(JOHN).status_code == 200 and root.get(JANE).status_code == 404  # the root's delete kept, not the sandbox's
        assert root.total() == 27
        assert sandbox(again, spec, "memory-only").get(JOHN).status_code == 200  # made afresh after the restart
    finally:
        again.extensions[EXTENSION].journal.release()


def test_the_admin_index_inside_a_sandbox_lists_what_acts_on_it(admin: FlaskClient) -> None:
    inside = set(admin.get("/sandboxes/idx/__mock/").json["data"]["endpoints"])  # type: ignore[index]
    root = set(admin.get("/__mock/").json["data"]["endpoints"])  # type: ignore[index]
    assert {"POST /__mock/reset", "GET /__mock/state", "GET /__mock/audit"} <= inside
    assert root - inside == {route for route in root if "/__mock/sandboxes" in route} and "GET /__mock/sandboxes" in root


def test_record_keeps_the_roots_traffic_only(spec: dict[str, Any], tmp_path: Any) -> None:
    """A header-chosen sandbox shares the root's URLs: its delete beside the root's GET would read as a deleted lead still served."""
    import inprocess
    from mock_server.rsgi import ON_STOP

    har = tmp_path / "root.har"
    app = create_app({"TESTING": True, "RECORD_PATH": str(har)})
    sandbox(app, spec, "unrecorded", "header").delete(JOHN)
    sandbox(app, spec, "unrecorded", "prefix").get(JOHN)
    root = Sandboxed(FlaskClient(app), spec, "", by="root")
    root.get(JOHN)
    root.delete(JANE)
    for stop in app.extensions[ON_STOP]:
        stop()
    entries = json.loads(har.read_text())["log"]["entries"]
    assert [(e["request"]["method"], e["request"]["url"].rsplit("/", 1)[1], e["response"]["status"]) for e in entries] == [
        ("GET", JOHN, 200), ("DELETE", JANE, 200),
    ]  # fmt: skip
    checked = inprocess.leadkit("check", str(har))
    assert checked.returncode == 0, checked.stdout


def test_a_sandboxs_own_latency_runs_its_requests_off_the_event_loop(app: Flask, admin: FlaskClient) -> None:
    """The server asks before a request runs whether it may wait: a slow sandbox's may, the rest need not."""
    from mock_server.rsgi import MAY_BLOCK

    admin.put("/__mock/sandboxes/slow", json={"latency": "200"})
    admin.put("/__mock/sandboxes/quick")
    may_block = app.extensions[MAY_BLOCK]
    get = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/api/v1/leads/{JOHN}"}
    assert may_block({**get, "HTTP_LEADKIT_SANDBOX": "slow"})
    assert may_block({**get, "PATH_INFO": f"/sandboxes/slow/api/v1/leads/{JOHN}"})
    assert not may_block({**get, "HTTP_LEADKIT_SANDBOX": "quick"})
    assert not may_block({**get, "HTTP_LEADKIT_SANDBOX": "not-yet-made"})  # made from the start options: no latency
    assert not may_block(get)
