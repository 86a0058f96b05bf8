"""`Prefer: code=/example=` and `__code`/`__example`: any documented response, on demand."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from mock_server.spec import load_spec, operations
from mock_server.spec import resolve
from tests.conftest import AUTH, JANE, JOHN, Api

SPEC = load_spec()
REQUESTS = {  # one request per operation; a forced answer ignores the body
    "createLead": ("POST", "/api/v1/leads"),
    "listLeads": ("GET", "/api/v1/leads"),
    "getLead": ("GET", f"/api/v1/leads/{JOHN}"),
    "updateLead": ("PUT", f"/api/v1/leads/{JOHN}"),
    "deleteLead": ("DELETE", f"/api/v1/leads/{JOHN}"),
}


def documented_examples() -> list[Any]:
    """(operationId, status, example name, example value) for every example in openapi.yaml."""
    found = []
    for _path, _method, operation in operations(SPEC):
        for status, response in operation["responses"].items():
            media = resolve(SPEC, response)["content"]["application/json"]
            for name, example in media["examples"].items():
                value = resolve(SPEC, example)["value"]
                found.append(pytest.param(operation["operationId"], int(status), name, value, id=f"{operation['operationId']}-{status}-{name}"))
    return found


@pytest.mark.parametrize(("operation_id", "status", "name", "value"), documented_examples())
def test_every_documented_example_can_be_forced_and_conforms(
    client: FlaskClient, operation_id: str, status: int, name: str, value: Any
) -> None:
    method, path = REQUESTS[operation_id]
    response = client.open(path, method=method, headers={**AUTH, "Prefer": f"code={status}, example={name}"})
    assert response.status_code == status
    # The example, fitted to the request: the path's lead id where it has one, a
    # fresh id for a 201. The client fixture has also checked it against the spec.
    expected = copy.deepcopy(value)
    got = response.json
    if isinstance(expected.get("data"), dict) and "id" in expected["data"]:
        expected["data"]["id"] = got["data"]["id"] if status == 201 else path.rsplit("/", 1)[1]  # type: ignore[index]
    if "leadId" in expected.get("details", {}):
        expected["details"]["leadId"] = path.rsplit("/", 1)[1]
    assert got == expected
    if status == 201:
        assert got["data"]["id"] != value["data"]["id"]  # type: ignore[index]
    assert response.headers["Preference-Applied"] == f"code={status}, example={name}"


def test_code_alone_answers_the_first_example_of_that_status(client: FlaskClient, spec: dict[str, Any]) -> None:
    response = client.get(f"/api/v1/leads/{JANE}", headers={**AUTH, "Prefer": "code=404"})
    assert response.status_code == 404
    expected = spec["components"]["responses"]["LeadNotFound"]["content"]["application/json"]["examples"]["notFound"]
    assert response.json == {**expected["value"], "details": {**expected["value"]["details"], "leadId": JANE}}


def test_example_alone_finds_its_status(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/leads/{JOHN}", headers={**AUTH, "Prefer": "example=janeSmith"})
    assert response.status_code == 200
    assert response.json["data"]["name"] == "Jane Smith"  # type: ignore[index]


def test_query_parameters_force_from_the_address_bar(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/leads/{JOHN}?__code=200&__example=janeSmith", headers=AUTH)
    assert response.json["data"]["name"] == "Jane Smith"  # type: ignore[index]
    assert response.json["data"]["id"] == JOHN  # type: ignore[index]  # the path's id
    assert client.get("/api/v1/leads?__code=500", headers=AUTH).status_code == 500


def test_query_parameters_win_over_prefer(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/leads/{JOHN}?__code=404", headers={**AUTH, "Prefer": "code=500"})
    assert response.status_code == 404


def test_forced_429_and_401_carry_their_documented_headers(client: FlaskClient) -> None:
    limited = client.get("/api/v1/leads", headers={**AUTH, "Prefer": "code=429"})
    assert limited.status_code == 429 and limited.headers["Retry-After"].isdigit()
    refused = client.get("/api/v1/leads", headers={**AUTH, "Prefer": "code=401"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_a_forced_delete_deletes_nothing_and_the_audit_says_so(client: FlaskClient, admin: FlaskClient, api: Api) -> None:
    response = client.delete(f"/api/v1/leads/{JANE}", headers={**AUTH, "Prefer": "code=200"})
    assert response.status_code == 200
    assert api.get(JANE).status_code == 200
    entry = admin.get("/__mock/audit").json["data"]["entries"][-1]  # type: ignore[index]
    assert (entry["leadId"], entry["outcome"]) == (JANE, "simulated")


def test_a_forced_create_or_update_stores_nothing(client: FlaskClient, api: Api) -> None:
    before = api.list(limit=100).json
    client.post("/api/v1/leads", json={"name": "X", "email": "x@example.com"}, headers={**AUTH, "Prefer": "code=201"})
    client.put(f"/api/v1/leads/{JOHN}", json={"name": "Changed"}, headers={**AUTH, "Prefer": "code=200"})
    assert api.list(limit=100).json == before


def test_a_forced_response_needs_no_key_so_the_address_bar_works(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/leads/{JOHN}?__code=404")
    assert response.status_code == 404
    assert response.json["code"] == "LEAD_NOT_FOUND"  # type: ignore[index]


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer sk-workspace_wrong_key",  # unknown key
        "Basic dXNlcjpwYXNz",  # not Bearer
        "",  # an empty header is a missing key, not no header
    ],
)
def test_a_key_that_is_sent_with_a_forced_request_must_be_valid(client: FlaskClient, authorization: str) -> None:
    response = client.get(f"/api/v1/leads/{JOHN}", headers={"Authorization": authorization, "Prefer": "code=200"})
    assert response.status_code == 401
    assert "Preference-Applied" not in response.headers


def test_unknown_preferences_and_unknown_query_parameters_change_nothing(client: FlaskClient, api: Api) -> None:
    plain = api.list().json
    assert client.get("/api/v1/leads", headers={**AUTH, "Prefer": "return=minimal"}).json == plain
    assert client.get("/api/v1/leads?__other=1&x__code=404&foo=bar", headers=AUTH).json == plain
    assert client.get(f"/api/v1/leads/{JOHN}?__codes=404", headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    ("path", "headers", "field", "named"),
    [
        (f"/api/v1/leads/{JOHN}", {"Prefer": "code=418"}, "Prefer", "200, 401, 404, 429, 500"),  # undocumented status
        (f"/api/v1/leads/{JOHN}", {"Prefer": "code=abc"}, "Prefer", "200, 401, 404"),  # not a status at all
        (f"/api/v1/leads/{JOHN}", {"Prefer": "example=nope"}, "Prefer", "johnDoe, janeSmith, missingKey"),  # no such name
        (f"/api/v1/leads/{JOHN}", {"Prefer": "code=404, example=johnDoe"}, "Prefer", "notFound"),  # name under another status
        (f"/api/v1/leads/{JOHN}?__code=201", {}, "__code", "200, 401"),  # 201 belongs to createLead
        (f"/api/v1/leads/{JOHN}?__example=deleted", {}, "__example", "johnDoe"),  # deleteLead's example
        ("/api/v1/leads", {"Prefer": "delay=soon"}, "Prefer", "0 to 10000"),  # delay not a number
        ("/api/v1/leads", {"Prefer": "delay=60000"}, "Prefer", "0 to 10000"),  # delay over the bound
    ],
)
def test_an_undocumented_choice_is_a_400_naming_the_choices(
    admin: FlaskClient, path: str, headers: dict[str, str], field: str, named: str
) -> None:
    # Not spec-checked: getLead documents no 400; a bad control is the mock's error, not the API's.
    response = admin.get(path, headers={**AUTH, **headers})
    assert response.status_code == 400
    body = response.json
    assert body["code"] == "VALIDATION_ERROR"  # type: ignore[index]
    [error] = body["details"]["errors"]  # type: ignore[index]
    assert error["field"] == field
    assert named in error["message"]


MALFORMED_CONTROLS = [
    (f"/api/v1/leads/{JOHN}", {"Prefer": "delay="}),  # a delay with no value
    ("/api/v1/leads", {"Prefer": "delay=soon"}),  # a delay that is no number
    (f"/api/v1/leads/{JOHN}", {"Prefer": "example=nope"}),  # no such example
    (f"/api/v1/leads/{JOHN}", {"Prefer": "code=418"}),  # an undocumented status
    (f"/api/v1/leads/{JOHN}?__code=201", {}),  # another operation's status, from the address bar
    (f"/api/v1/leads/{JOHN}", {"Prefer": "code=404, delay=soon"}),  # a forced answer asked with a malformed delay
]


@pytest.mark.parametrize("path, headers", MALFORMED_CONTROLS)
@pytest.mark.parametrize("authorization", [None, "Bearer sk-workspace_wrong_key"])  # no key; a wrong one
def test_a_malformed_control_is_validation_so_auth_comes_first(
    admin: FlaskClient, path: str, headers: dict[str, str], authorization: str | None
) -> None:
    """The contract's order: auth (401) before validation (400); a control the mock cannot honour is validation."""
    sent = {**headers, **({"Authorization": authorization} if authorization is not None else {})}
    response = admin.get(path, headers=sent)
    assert (response.status_code, response.json["code"]) == (401, "UNAUTHORIZED")  # type: ignore[index]
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert admin.get(path, headers={**headers, **AUTH}).status_code == 400  # with the key: the 400 naming the choices


def test_a_well_formed_forced_answer_still_needs_no_key(client: FlaskClient) -> None:
    response = client.get("/api/v1/leads", headers={"Prefer": "code=500"})
    assert response.status_code == 500 and response.headers["Preference-Applied"].startswith("code=500, ")


def test_a_well_formed_delay_is_served_beside_a_malformed_code(admin: FlaskClient) -> None:
    started = time.monotonic()
    response = admin.get(f"/api/v1/leads/{JOHN}", headers={"Prefer": "code=418, delay=60"})
    assert response.status_code == 401 and time.monotonic() - started >= 0.06
