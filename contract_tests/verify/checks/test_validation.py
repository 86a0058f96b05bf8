"""Bad input: 400 VALIDATION_ERROR naming the field, and the order in which a server checks a request."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from ...core.expect import is_error, names_field
from ...core.rules import CHECK_ORDER, VALIDATION
from ...live.api import Api
from ..marks import rule, writes

pytestmark = writes


DROP = object()  # a field left out of the body


@rule(VALIDATION)
@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": DROP}, "name"),  # required, missing
        ({"email": DROP}, "email"),  # required, missing
        ({"name": None}, "name"),  # null for a required field
        ({"name": ""}, "name"),  # empty
        ({"name": "x" * 201}, "name"),  # over 200 code points
        ({"name": 42}, "name"),  # not a string
        ({"email": None}, "email"),  # null for a required field
        ({"email": "not-an-email"}, "email"),  # plainly invalid
        ({"email": "two@@example.com"}, "email"),  # plainly invalid
        ({"phone": 5551234567}, "phone"),  # a number, not a string
        ({"source": ["web"]}, "source"),  # a list, not a string
        ({"status": "archived"}, "status"),  # outside the enum
        ({"status": "QUALIFIED"}, "status"),  # the enum is exact: another case is another word
        ({"status": None}, "status"),  # null status
        ({"metadata": "vip"}, "metadata"),  # not an object
        ({"metadata": None}, "metadata"),  # null metadata
        ({"bogus": 1}, "bogus"),  # an unknown field
        ({"id": "lead_1234567890abcdef"}, "id"),  # a field the server sets
        ({"createdAt": "2024-01-15T10:30:00.000Z"}, "createdAt"),  # a field the server sets
        ({"workspaceId": "ws_other"}, "workspaceId"),  # a field the server sets
    ],
)
def test_invalid_create_is_400_naming_the_field(api: Api, change: dict[str, Any], field: str) -> None:
    body = {name: value for name, value in api.fields(**change).items() if value is not DROP}
    reply = api.send("POST", json=body)
    assert reply.status == 400
    assert is_error(reply.body, "VALIDATION_ERROR"), reply.body
    assert names_field(reply.error_fields, field), reply.error_fields


@rule(VALIDATION)
@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "Leadkit Test", "email": ',  # cut short
        b"[]",  # JSON, but not an object
        b"null",  # JSON null
        b'{"name": "Leadkit Test", "email": "a@example.com", "metadata": {"n": NaN}}',  # NaN is not JSON
        b"\xff\xfe{}",  # not UTF-8
        b"",  # no body at all
    ],
)
def test_malformed_body_is_400(api: Api, raw: bytes) -> None:
    reply = api.send("POST", data=raw, headers={"Content-Type": "application/json"})
    assert reply.status == 400
    assert is_error(reply.body, "VALIDATION_ERROR"), reply.body


def _no_key_bad_body(api: Api) -> Any:
    return api.client.send("POST", "/api/v1/leads", key=None, json={})


def _bad_media_bad_body(api: Api) -> Any:
    return api.send("POST", data=b"not json", headers={"Content-Type": "text/plain"})


def _too_big_bad_media(api: Api) -> Any:
    return api.send("POST", data=b"x" * (1024 * 1024 + 1), headers={"Content-Type": "text/plain"})


def _bad_body_missing_lead(api: Api) -> Any:
    return api.update(api.absent_id(), {"status": "archived"})


def _unknown_route_no_key(api: Api) -> Any:
    return api.client.send("GET", "/api/v1/leadz", key=None)


def _wrong_method_no_key(api: Api) -> Any:
    return api.client.send("PATCH", "/api/v1/leads/" + api.absent_id(), key=None, json={"status": "lost"})


@rule(CHECK_ORDER)
@pytest.mark.parametrize(
    "request_, status",
    [
        pytest.param(_unknown_route_no_key, 404, id="routing-before-auth"),
        pytest.param(_wrong_method_no_key, 405, id="method-before-auth"),
        pytest.param(_no_key_bad_body, 401, id="auth-before-validation"),
        pytest.param(_too_big_bad_media, 413, id="size-before-media-type"),
        pytest.param(_bad_media_bad_body, 415, id="media-type-before-validation"),
        pytest.param(_bad_body_missing_lead, 400, id="validation-before-lookup"),
    ],
)
def test_checks_run_in_the_contract_order(api: Api, request_: Callable[[Api], Any], status: int) -> None:
    assert request_(api).status == status
