"""The admin API under `/__mock/`: reset, export, import, audit log, recent requests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from livemock import LiveMock

from mock_server import create_app
from tests.conftest import AUTH, JANE, JOHN, Api


def test_admin_index_lists_its_routes(admin: FlaskClient) -> None:
    endpoints = admin.get("/__mock/").json["data"]["endpoints"]  # type: ignore[index]
    assert {"POST /__mock/reset", "GET /__mock/state", "PUT /__mock/state", "GET /__mock/audit"} <= set(endpoints)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/__mock", 200),  # the index without its slash too: no redirect to an HTML page
        ("/__mock/audit/", 404),  # otherwise paths match as written
        ("/__mock//audit", 404),
    ],
)
def test_admin_paths_answer_json_and_never_redirect(admin: FlaskClient, path: str, status: int) -> None:
    response = admin.get(path)
    assert (response.status_code, response.mimetype) == (status, "application/json")


def test_admin_routes_are_not_under_the_api(admin: FlaskClient) -> None:
    assert admin.post("/api/v1/__mock/reset").status_code == 404


def test_reset_brings_back_the_fixtures_and_retires_new_ids(admin: FlaskClient, api: Api) -> None:
    created = api.create_lead()
    api.delete(JOHN)
    api.update(JANE, {"status": "lost"})
    response = admin.post("/__mock/reset")
    assert response.json == {"success": True, "data": {"leads": 32}}
    assert api.get(JOHN).status_code == 200
    assert api.get(JANE).json["data"]["status"] == "qualified"  # type: ignore[index]
    assert api.get(created["id"]).status_code == 404
    assert created["id"] in admin.get("/__mock/state").json["retiredIds"]  # type: ignore[index]
    assert admin.get("/__mock/audit").json["data"]["entries"] == []  # type: ignore[index]


def test_export_is_the_whole_state_and_a_valid_fixture_file(admin: FlaskClient, api: Api, tmp_path: Path) -> None:
    created = api.create_lead(name="Exported")
    api.delete(JANE)
    state = admin.get("/__mock/state").json  # type: ignore[index]
    assert [ws["id"] for ws in state["workspaces"]] == ["ws_your_workspace_id", "ws_second_workspace_id"]
    leads = {lead["id"]: lead for ws in state["workspaces"] for lead in ws["leads"]}
    assert len(leads) == 32 and leads[created["id"]]["name"] == "Exported"
    assert JANE in state["retiredIds"] and JANE not in leads
    saved = tmp_path / "state.json"
    saved.write_text(json.dumps(state))
    restarted = Api(create_app({"TESTING": True, "FIXTURES": str(saved)}).test_client())
    assert restarted.get(created["id"]).json["data"]["name"] == "Exported"  # type: ignore[index]


def test_import_replaces_the_leads_and_keeps_retired_ids(admin: FlaskClient, api: Api) -> None:
    state = admin.get("/__mock/state").json  # type: ignore[index]
    state["workspaces"][0]["leads"] = [lead for lead in state["workspaces"][0]["leads"] if lead["id"] == JOHN]
    state["workspaces"][0]["leads"][0]["status"] = "converted"
    state["retiredIds"] = ["lead_00000000000000aa"]
    assert admin.put("/__mock/state", json=state).json == {"success": True, "data": {"leads": 5}}
    assert api.list().json["data"]["pagination"]["total"] == 1  # type: ignore[index]
    assert api.get(JOHN).json["data"]["status"] == "converted"  # type: ignore[index]
    assert api.get(JANE).status_code == 404
    assert "lead_00000000000000aa" in admin.get("/__mock/state").json["retiredIds"]  # type: ignore[index]


def state_with(change: str) -> Any:
    """A small valid state document, broken in one way."""
    lead = {
        "id": "lead_00000000000000ab",
        "name": "A",
        "email": "a@example.com",
        "phone": None,
        "source": None,
        "status": "new",
        "metadata": {},
        "createdAt": "2024-01-01T00:00:00.000Z",
        "updatedAt": "2024-01-01T00:00:00.000Z",
    }
    ws = {"id": "ws_your_workspace_id", "name": "W", "apiKeys": ["sk-workspace_your_api_key"], "leads": [lead]}
    document: dict[str, Any] = {"workspaces": [ws], "retiredIds": []}
    broken = copy.deepcopy(document)
    if change == "unknown workspace":
        broken["workspaces"][0]["id"] = "ws_nobody"
    elif change == "bad status":
        broken["workspaces"][0]["leads"][0]["status"] = "archived"
    elif change == "same id twice":
        broken["workspaces"][0]["leads"].append(lead)
    elif change == "retired and live":
        broken["retiredIds"] = [lead["id"]]
    elif change == "bad retired id":
        broken["retiredIds"] = ["lead_1"]
    elif change == "impossible date":
        broken["workspaces"][0]["leads"][0]["createdAt"] = "2024-13-01T00:00:00.000Z"
    elif change == "no workspaces":
        broken = {"leads": []}
    return broken


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("unknown workspace", "workspaces"),  # only this mock's workspaces (keys come from --fixtures)
        ("bad status", "workspaces"),  # every lead must be a valid lead
        ("same id twice", "workspaces"),  # ids are unique
        ("retired and live", "retiredIds"),  # an id cannot be both
        ("bad retired id", "retiredIds"),  # retired ids look like lead ids
        ("impossible date", "workspaces"),  # a timestamp that matches the pattern but no calendar
        ("no workspaces", "workspaces"),  # not a state document at all
    ],
)
def test_a_bad_import_is_refused_and_changes_nothing(admin: FlaskClient, change: str, field: str) -> None:
    before = admin.get("/__mock/state").json  # type: ignore[index]
    response = admin.put("/__mock/state", json=state_with(change))
    assert response.status_code == 400
    assert response.json["details"]["errors"][0]["field"] == field  # type: ignore[index]
    after = admin.get("/__mock/state").json  # type: ignore[index]
    assert {**after, "exportedAt": None} == {**before, "exportedAt": None}


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),  # malformed JSON
        (b"", "application/json", 400),  # empty
        (b"{}", "text/plain", 415),  # not JSON by its type
    ],
)
def test_an_unreadable_import_is_refused(admin: FlaskClient, body: bytes, content_type: str, status: int) -> None:
    response = admin.put("/__mock/state", data=body, content_type=content_type)
    assert response.status_code == status
    assert response.json["success"] is False  # type: ignore[index]


def test_the_audit_log_records_every_delete_attempt(admin: FlaskClient, api: Api) -> None:
    api.delete(JOHN)
    api.delete(JOHN)
    entries = admin.get("/__mock/audit").json["data"]["entries"]  # type: ignore[index]
    assert [(e["leadId"], e["status"], e["outcome"]) for e in entries] == [(JOHN, 200, "deleted"), (JOHN, 404, "refused")]


def test_recent_requests_show_method_path_status_and_time(admin: FlaskClient, api: Api) -> None:
    api.get(JOHN)
    api.list(status="new")
    admin.get("/__mock/audit")  # the admin API's own calls are left out
    recent = admin.get("/__mock/requests").json["data"]["requests"]  # type: ignore[index]
    assert [(r["method"], r["path"], r["query"], r["status"]) for r in recent] == [
        ("GET", f"/api/v1/leads/{JOHN}", "", 200),
        ("GET", "/api/v1/leads", "status=new", 200),
    ]
    assert all(r["ms"] >= 0 and r["time"].endswith("Z") for r in recent)
    assert len(admin.get("/__mock/requests?limit=1").json["data"]["requests"]) == 1  # type: ignore[index]
    admin.delete("/__mock/requests")
    assert admin.get("/__mock/requests").json["data"]["requests"] == []  # type: ignore[index]


def test_recent_requests_limit_must_be_a_number(admin: FlaskClient) -> None:
    assert admin.get("/__mock/requests?limit=many").status_code == 400


def test_recent_requests_keep_only_the_newest(admin: FlaskClient) -> None:
    app = create_app({"TESTING": True, "RECENT_REQUESTS": 3})
    client = app.test_client()
    for n in range(5):
        client.get(f"/api/v1/leads?page={n + 1}", headers=AUTH)
    recent = FlaskClient(app).get("/__mock/requests").json["data"]["requests"]  # type: ignore[index]
    assert [r["query"] for r in recent] == ["page=3", "page=4", "page=5"]


def test_an_import_may_be_larger_than_an_api_body(admin: FlaskClient, api: Api) -> None:
    document = state_with("nothing")
    document["workspaces"][0]["leads"][0]["metadata"] = {"notes": "x" * (3 * 1024 * 1024)}
    assert admin.put("/__mock/state", json=document).status_code == 200
    assert len(api.get("lead_00000000000000ab").json["data"]["metadata"]["notes"]) == 3 * 1024 * 1024  # type: ignore[index]



def test_a_large_export_imports_back_into_a_live_mock() -> None:
    # Through the real server, whose body reader must allow an import more than an API body.
    with LiveMock("--generate", "3000") as live:
        exported = requests.get(f"{live.base_url}/__mock/state", timeout=30)
        assert len(exported.content) > 1024 * 1024
        answer = requests.put(f"{live.base_url}/__mock/state", data=exported.content, headers={"Content-Type": "application/json"}, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["leads"] == sum(len(ws["leads"]) for ws in exported.json()["workspaces"])
