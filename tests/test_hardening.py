"""Issue 9: defects found by differential testing and by a new user's first hour, in process.

Each test here failed on the mock before its fix. The ones that need a real server (raw
HTTP framing, the command line) are in test_hostile.py and test_first_minutes.py.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from mock_server import create_app
from mock_server.clock import format_ms
from mock_server.fixtures import FixtureError
from mock_server.generate import generate_leads
from mock_server.persistence import StateError
from mock_server.state import EXTENSION
from tests.conftest import AUTH, JANE, JOHN, Api

DISPLAY_NAME_FORMS = ["Bob <a@b.com>", "@ <a@b.com>", "<> <a@b.com>", "a <b> <c@d.com>", "<a@b.com>"]


# 1. Input the mock accepts or answers wrongly


@pytest.mark.parametrize("email", DISPLAY_NAME_FORMS)
def test_an_email_with_a_display_name_is_refused_on_create_and_update(api: Api, email: str) -> None:
    created = api.create(email=email)
    assert created.status_code == 400
    assert [e["field"] for e in created.json["details"]["errors"]] == ["email"]  # type: ignore[index]
    updated = api.update(JOHN, {"email": email})
    assert updated.status_code == 400
    assert api.get(JOHN).json["data"]["email"] == "john.doe@example.com"  # type: ignore[index]


@pytest.mark.parametrize("email", ["a@b.com", "a+tag@b.co", '"a b"@example.com', "a@[127.0.0.1]", "o'neil@example.org"])
def test_plain_addr_specs_are_still_accepted(api: Api, email: str) -> None:
    assert api.create(email=email).status_code == 201


def _fixture_file(tmp_path: Path, **lead_fields: Any) -> Path:
    lead = {
        "id": "lead_00000000000000aa", "name": "A", "email": "a@example.com", "phone": None, "source": None,
        "status": "new", "metadata": {}, "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": "2024-01-15T10:30:00.000Z",
        **lead_fields,
    }  # fmt: skip
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps({"workspaces": [{"id": "ws_a", "apiKeys": ["k"], "leads": [lead]}]}))
    return path


@pytest.mark.parametrize("email", ["not-an-email", "Bob <a@b.com>"])
def test_a_fixture_file_uses_the_apis_email_rule(tmp_path: Path, email: str) -> None:
    with pytest.raises(FixtureError, match=r"leads\[0\].*email"):
        create_app({"FIXTURES": str(_fixture_file(tmp_path, email=email))})


def test_a_state_import_uses_the_apis_email_rule(admin: FlaskClient) -> None:
    exported = admin.get("/__mock/state").json
    exported["workspaces"][0]["leads"][0]["email"] = "Bob <a@b.com>"  # type: ignore[index]
    refused = admin.put("/__mock/state", json=exported)
    assert refused.status_code == 400
    assert "email" in json.dumps(refused.json)


def test_search_never_matches_across_the_name_email_join(api: Api) -> None:
    api.create_lead(name="Zed Quux", email="abc@example.com")
    assert api.list(search="\x00").json["data"]["pagination"]["total"] == 0  # type: ignore[index]
    assert api.list(search="quux\x00abc").json["data"]["pagination"]["total"] == 0  # type: ignore[index]
    assert api.list(search="quuxabc").json["data"]["pagination"]["total"] == 0  # type: ignore[index]
    assert api.list(search="zed quux").json["data"]["pagination"]["total"] == 1  # type: ignore[index]
    assert api.list(search="abc@example").json["data"]["pagination"]["total"] == 1  # type: ignore[index]


def test_an_oversized_chunked_body_with_a_non_json_type_is_a_413(client: FlaskClient) -> None:
    body = b"x" * (1024 * 1024 + 10)
    framed = {"Transfer-Encoding": "chunked", "Content-Type": "text/plain", **AUTH}
    # As a server hands a chunked body over: whole, its end marked (rsgi.py does the same).
    response = client.post("/api/v1/leads", data=body, headers=framed, environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413


@pytest.mark.parametrize("content_type", ["application/foo/bar+json", "text/plain, application/json", "application/json, text/plain", "/json", "application/"])
def test_an_invalid_or_doubled_media_type_is_a_415(client: FlaskClient, content_type: str) -> None:
    response = client.post("/api/v1/leads", data=b'{"name": "A", "email": "a@b.co"}', headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == 415


@pytest.mark.parametrize("method", ["delete", "get", "Put", "head"])
def test_a_lower_case_method_is_a_405_with_allow(admin: FlaskClient, method: str) -> None:
    response = admin.open(f"/api/v1/leads/{JANE}", method=method, headers=AUTH)
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE, GET, PUT"
    assert admin.get(f"/api/v1/leads/{JANE}", headers=AUTH).status_code == 200  # nothing was deleted


def test_a_404_reports_the_path_as_received(admin: FlaskClient) -> None:
    # The test client would read `//api` as a host; the path is set as a server sets it.
    response = admin.get("/", headers=AUTH, environ_overrides={"PATH_INFO": "//api/v1/leads"})
    assert response.status_code == 404
    assert response.json["details"]["path"] == "//api/v1/leads"  # type: ignore[index]


# 2. Data the mock loses or corrupts


def test_deleted_at_is_never_earlier_than_the_last_update(api: Api, admin: FlaskClient) -> None:
    lead = api.create_lead()
    last = lead
    for n in range(200):  # each PUT moves updatedAt 1 ms on, faster than the clock runs
        last = api.update(lead["id"], {"name": f"n{n}"}).json["data"]  # type: ignore[index]
    deleted = api.delete(lead["id"]).json["data"]  # type: ignore[index]
    assert deleted["deletedAt"] >= last["updatedAt"]
    [entry] = [e for e in admin.get("/__mock/audit").json["data"]["entries"] if e["leadId"] == lead["id"]]  # type: ignore[index]
    assert entry["time"] >= last["updatedAt"]


def test_deleted_at_is_never_earlier_than_a_fixture_leads_future_updated_at(tmp_path: Path) -> None:
    path = _fixture_file(tmp_path, updatedAt="2999-01-01T00:00:00.000Z")
    client = create_app({"FIXTURES": str(path)}).test_client()
    deleted = client.delete("/api/v1/leads/lead_00000000000000aa", headers={"Authorization": "Bearer k"}).json
    assert deleted["data"]["deletedAt"] >= "2999-01-01T00:00:00.000Z"  # type: ignore[index]


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"n": value}
    return value


def test_an_export_of_anything_the_api_accepted_imports_back_byte_for_byte(api: Api, admin: FlaskClient) -> None:
    deepest = None
    for depth in range(90, 101):
        if api.create(metadata=_nested(depth)).status_code == 201:
            deepest = depth
    assert deepest is not None and deepest >= 97  # the API takes a body nested up to 100 levels
    exported = admin.get("/__mock/state")
    imported = admin.put("/__mock/state", data=exported.data, content_type="application/json")
    assert imported.status_code == 200, imported.json
    again = admin.get("/__mock/state").json
    first = exported.json
    del first["exportedAt"], again["exportedAt"]  # type: ignore[index, union-attr]
    assert json.dumps(again) == json.dumps(first)


def _damaged_state(tmp_path: Path, sql: str, *params: Any) -> Path:
    path = tmp_path / "damaged.sqlite3"
    app = create_app({"STATE_PATH": str(path)})
    app.test_client().delete(f"/api/v1/leads/{JANE}", headers=AUTH)  # one audit row
    app.extensions[EXTENSION].journal.release()
    with sqlite3.connect(path) as conn:
        conn.execute(sql, params)
    conn.close()
    return path


def _body_with(**changes: Any) -> str:
    body: dict[str, Any] = {
        "id": JOHN, "name": "John Doe", "email": "john.doe@example.com", "phone": None, "source": None, "status": "new",
        "metadata": {}, "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": "2024-01-15T10:30:00.000Z",
        "workspaceId": "ws_your_workspace_id",
    }  # fmt: skip
    body.update(changes)
    return json.dumps(body)


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        pytest.param("UPDATE leads SET body = ? WHERE id = ?", (_body_with(createdAt=5), JOHN), id="createdAt-5"),
        pytest.param("UPDATE leads SET body = ? WHERE id = ?", ("[1, 2]", JOHN), id="body-a-list"),
        pytest.param("UPDATE leads SET body = ? WHERE id = ?", (_body_with(status="bogus"), JOHN), id="status-bogus"),
        pytest.param("UPDATE leads SET body = ? WHERE id = ?", (_body_with(name=None), JOHN), id="name-null"),
        pytest.param("UPDATE leads SET body = ? WHERE id = ?", (_body_with(metadata=[1, 2]), JOHN), id="metadata-a-list"),
        pytest.param("UPDATE leads SET body = ? WHERE id = ?", (_body_with(email="Bob <a@b.com>"), JOHN), id="email-display-name"),
        pytest.param("UPDATE leads SET body = ? WHERE id = ?", (_body_with(id="lead_ffffffffffffffff"), JOHN), id="id-not-its-row"),
        pytest.param("UPDATE audit SET entry = ?", ('{"time": 5, "workspaceId": "ws_x", "leadId": "x", "status": 200, "outcome": "deleted"}',), id="audit-time-5"),
        pytest.param("UPDATE audit SET entry = ?", ("[]",), id="audit-a-list"),
    ],
)
def test_a_damaged_state_file_is_refused_naming_the_file_and_the_row(tmp_path: Path, sql: str, params: tuple[Any, ...]) -> None:
    path = _damaged_state(tmp_path, sql, *params)
    with pytest.raises(StateError) as refused:
        create_app({"STATE_PATH": str(path)})
    message = str(refused.value)
    assert str(path) in message and "\n" not in message
    assert re.search(r"(leads row|audit row)", message), message


def test_an_empty_state_file_is_an_error_not_a_new_state(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.write_bytes(b"")
    with pytest.raises(StateError, match="empty"):
        create_app({"STATE_PATH": str(path)})
    assert path.read_bytes() == b""  # left as found


# 4. Forced responses, faults, generated data, the index


def test_a_forced_get_carries_the_paths_lead_id(client: FlaskClient) -> None:
    ok = client.get(f"/api/v1/leads/{JANE}?__code=200").json
    assert ok["data"]["id"] == JANE  # type: ignore[index]
    missing = client.get("/api/v1/leads/lead_00000000000000ff", headers={"Prefer": "code=404"}).json
    assert missing["details"]["leadId"] == "lead_00000000000000ff"  # type: ignore[index]


def test_a_forced_201_carries_a_fresh_id_never_issued_again_and_what_was_sent(client: FlaskClient, api: Api) -> None:
    sent = {"name": "Forced Fran", "email": "fran@example.com", "status": "qualified"}
    forced = client.post("/api/v1/leads?__code=201", json=sent).json["data"]  # type: ignore[index]
    assert forced["id"] != JOHN and re.fullmatch(r"lead_[0-9a-f]{16}", forced["id"])
    assert (forced["name"], forced["email"], forced["status"]) == ("Forced Fran", "fran@example.com", "qualified")
    assert api.get(forced["id"]).status_code == 404  # nothing was stored
    assert forced["id"] in client.application.extensions[EXTENSION].store.retired_ids()
    again = client.post("/api/v1/leads?__code=201", json=sent).json["data"]  # type: ignore[index]
    assert again["id"] != forced["id"]


def test_a_forced_update_shows_the_fields_sent(client: FlaskClient) -> None:
    forced = client.put(f"/api/v1/leads/{JANE}?__code=200", json={"status": "lost"}).json["data"]  # type: ignore[index]
    assert (forced["id"], forced["status"]) == (JANE, "lost")


def test_a_forced_400_on_the_list_answers_a_list_example(client: FlaskClient) -> None:
    errors = client.get("/api/v1/leads?__code=400").json["details"]["errors"]  # type: ignore[index]
    assert [e["field"] for e in errors] == ["limit"]


def test_injected_faults_are_marked_in_the_request_log(capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app({"FAIL_RATE": 1, "LOG_REQUESTS": True})
    client = app.test_client()
    client.get("/api/v1/leads", headers=AUTH)
    [entry] = client.get("/__mock/requests").json["data"]["requests"]  # type: ignore[index]
    assert entry["injected"] is True
    assert re.search(r"^GET /api/v1/leads (429|500) .*injected", capsys.readouterr().out, re.MULTILINE)
    plain = create_app({}).test_client()
    plain.get("/api/v1/leads", headers=AUTH)
    assert plain.get("/__mock/requests").json["data"]["requests"][0]["injected"] is False  # type: ignore[index]


def test_generated_emails_use_rfc_2606_reserved_domains() -> None:
    generated = generate_leads(["ws_a"], 300, before_ms=1_735_689_600_000, seed=1, taken_ids=set())
    domains = {lead["email"].rsplit("@", 1)[1] for lead in generated["ws_a"]}
    assert domains and all(re.search(r"(^|\.)example\.(com|org|net)$", d) for d in domains), sorted(domains)[:10]


def test_the_root_is_a_small_json_index(admin: FlaskClient) -> None:
    response = admin.get("/")
    assert (response.status_code, response.mimetype) == (200, "application/json")
    links = response.json["data"]  # type: ignore[index]
    assert links["api"].endswith("/api/v1") and links["docs"].endswith("/docs")
    assert links["spec"].endswith("/openapi.yaml") and links["admin"].endswith("/__mock/")
    assert admin.get(links["docs"].removeprefix("http://localhost")).status_code == 200


def test_a_burst_of_updates_never_leaves_deleted_at_behind_updated_at() -> None:
    from mock_server.audit import AuditLog
    from mock_server.clock import Clock
    from mock_server.store import LeadStore

    clock = Clock()
    store, audit = LeadStore(clock), AuditLog(clock)
    lead = store.create("ws_a", {"name": "A", "email": "a@example.com"})
    for n in range(3000):  # far faster than one a millisecond: updatedAt runs ahead of the clock
        lead = store.update("ws_a", lead.id, {"name": f"n{n}"})
    deleted_ms = store.delete("ws_a", lead.id)
    audit.record("ws_a", lead.id, 200)
    assert deleted_ms >= lead.updated_ms
    assert audit.entries()[0]["time"] >= format_ms(lead.updated_ms)


def test_the_command_refuses_a_damaged_state_file_in_one_line_and_serves_nothing(tmp_path: Path) -> None:
    import inprocess  # in this process, leadkit mock cannot serve: serve() raises

    path = _damaged_state(tmp_path, "UPDATE leads SET body = ? WHERE id = ?", _body_with(createdAt=5), JOHN)
    done = inprocess.leadkit("mock", "--state", str(path), "--port", "0")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"{path}: leads row {JOHN}: createdAt" in done.stderr
