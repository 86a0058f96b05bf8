"""HTTP around the data: auth (401), wrong methods (405), sizes (413), media types (415), unknown routes."""

from __future__ import annotations

import base64
import json
import secrets

import pytest

from ...core.expect import answer_shape, contract_view, is_error, names_field
from ...core.rules import JSON_HEADER_NO_BODY, METHOD_NOT_ALLOWED, PAYLOAD_TOO_LARGE, UNAUTHORIZED, UNKNOWN_ROUTE, UNSUPPORTED_MEDIA_TYPE
from ...live.api import LEADS, Api
from ..marks import rule, writes

ITEM_METHODS = {"GET", "PUT", "DELETE"}
COLLECTION_METHODS = {"GET", "POST"}


@rule(UNAUTHORIZED)
@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="no-header"),
        pytest.param("", id="empty-header"),
        pytest.param("Basic dXNlcjpwYXNz", id="basic-scheme"),
        pytest.param("Token {key}", id="right-key-wrong-scheme"),
        pytest.param("{key}", id="key-without-scheme"),
        pytest.param("Bearer ", id="bearer-without-key"),
        pytest.param("Bearer sk-workspace_{random}", id="unknown-key"),
        pytest.param("Bearer {key}x", id="key-with-extra-character"),
        pytest.param("Bearer {KEY}", id="key-in-upper-case"),  # the scheme ignores case, the key does not
        pytest.param("Basic {basic}", id="key-under-basic"),  # the real key as `key:`, base64
        pytest.param("Token {key}", id="key-under-token"),
    ],
)
def test_missing_or_wrong_key_is_401_with_www_authenticate(api: Api, authorization: str | None) -> None:
    basic = base64.b64encode(f"{api.key}:".encode()).decode()
    values = {"key": api.key, "KEY": api.key.upper(), "basic": basic, "random": secrets.token_hex(8)}
    headers = {} if authorization is None else {"Authorization": authorization.format(**values)}
    with api.subject():
        reply = api.client.send("GET", LEADS, key=None, headers=headers)
    assert reply.status == 401, f"Authorization: {headers.get('Authorization', '(none)')[:12]}... answered {reply.status}"
    assert reply.data is None, "a refused key was answered leads"
    assert is_error(reply.body, "UNAUTHORIZED"), reply.body
    assert reply.headers.get("WWW-Authenticate", "").lower().startswith("bearer"), dict(reply.headers)


@rule(UNAUTHORIZED)
@pytest.mark.parametrize("parameter", ["api_key", "key", "access_token"])
def test_the_key_in_the_query_is_401(api: Api, parameter: str) -> None:
    """The key goes in the Authorization header only: in the URL it ends up in logs, and opens nothing."""
    with api.subject():
        reply = api.client.send("GET", LEADS, key=None, params={parameter: api.key})
    assert reply.status == 401, f"?{parameter}=<the real key> without Authorization answered {reply.status}"
    assert is_error(reply.body, "UNAUTHORIZED") and reply.data is None, reply.body
    assert reply.headers.get("WWW-Authenticate", "").lower().startswith("bearer"), dict(reply.headers)


@rule(UNAUTHORIZED)
@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer"])
def test_bearer_scheme_name_is_case_insensitive(api: Api, scheme: str) -> None:
    assert api.client.send("GET", LEADS, key=api.key, scheme=scheme).status == 200


@rule(UNAUTHORIZED)
@writes
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_401_comes_before_any_lookup(api: Api, method: str) -> None:
    lead = api.create_lead()
    body = {"status": "lost"} if method == "PUT" else None
    existing = api.client.send(method, f"{LEADS}/{lead['id']}", key=None, json=body)
    missing = api.client.send(method, f"{LEADS}/{api.absent_id()}", key=None, json=body)
    assert (existing.status, missing.status) == (401, 401)
    assert answer_shape(existing.body) == answer_shape(missing.body)  # the same answer: nothing learnt
    assert contract_view(api.get(lead["id"]).data) == contract_view(lead)


@rule(METHOD_NOT_ALLOWED)
@writes
@pytest.mark.parametrize(
    "method, on_item",
    [
        ("PATCH", True),  # the contract has no PATCH
        ("POST", True),  # POST creates on the collection only
        ("TRACE", False),  # the collection takes GET and POST; PUT/DELETE on it are too risky to try
    ],
)
def test_wrong_method_is_405_with_allow(api: Api, method: str, on_item: bool) -> None:
    path = f"{LEADS}/{api.create_lead()['id']}" if on_item else LEADS
    reply = api.client.send(method, path, key=api.key)
    assert reply.status == 405
    assert is_error(reply.body, "METHOD_NOT_ALLOWED"), reply.body
    allowed = {part.strip().upper() for part in reply.headers.get("Allow", "").split(",") if part.strip()}
    expected = ITEM_METHODS if on_item else COLLECTION_METHODS
    assert expected <= allowed and method not in allowed, reply.headers.get("Allow")


@rule(PAYLOAD_TOO_LARGE)
@writes
@pytest.mark.parametrize("on_item", [False, True])
def test_body_over_one_mebibyte_is_413(api: Api, on_item: bool) -> None:
    body = api.fields(metadata={"blob": "x" * (1024 * 1024)})
    if on_item:
        reply = api.update(api.create_lead()["id"], {"metadata": body["metadata"]})
    else:
        reply = api.send("POST", json=body)
    assert reply.status == 413
    assert is_error(reply.body, "PAYLOAD_TOO_LARGE"), reply.body


def _body_of(api: Api, size: int, char: str = "x") -> bytes:
    """A create body of exactly `size` bytes of UTF-8, its metadata padded with `char` (1 or 2 bytes).

    Its email is invalid, so a body past the size check is a 400 and nothing is made: a lead of
    1 MiB would weigh on every list the run reads while it lives.
    """
    body = api.fields(email="not-an-email", metadata={"pad": ""})
    bare = len(json.dumps(body, ensure_ascii=False).encode())
    width = len(char.encode())
    body["metadata"]["pad"] = char * ((size - bare) // width) + "x" * ((size - bare) % width)
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert len(raw) == size
    return raw


@rule(PAYLOAD_TOO_LARGE)
@writes
@pytest.mark.parametrize(
    "size, char, status",
    [
        pytest.param(1024 * 1024, "x", 400, id="exactly-1-MiB-read-and-validated"),
        pytest.param(1024 * 1024 + 1, "x", 413, id="one-byte-over-refused"),
        pytest.param(1024 * 1024 + 2, "\u00e9", 413, id="fewer-characters-than-1-Mi-more-bytes-refused"),
    ],
)
def test_the_limit_is_1_mib_of_bytes(api: Api, size: int, char: str, status: int) -> None:
    """Size comes before validation: a body at the limit reaches validation (400 for its email), one past it is 413."""
    raw = _body_of(api, size, char)
    with api.subject():
        reply = api.send("POST", data=raw, headers={"Content-Type": "application/json"})
    assert reply.status == status, f"a body of {len(raw):,} bytes ({len(raw.decode()):,} characters) answered {reply.status}"
    if status == 413:
        assert is_error(reply.body, "PAYLOAD_TOO_LARGE"), reply.body
    else:
        assert is_error(reply.body, "VALIDATION_ERROR") and names_field(reply.error_fields, "email"), reply.body


@rule(UNSUPPORTED_MEDIA_TYPE)
@writes
@pytest.mark.parametrize(
    "content_type, status",
    [
        ("text/plain", 415),  # not JSON
        ("application/x-www-form-urlencoded", 415),  # a form
        ("application/xml", 415),  # another structured type
        (None, 415),  # no Content-Type at all
        ("application/json; charset=utf-8", 201),  # JSON with a parameter is JSON
        ("application/merge-patch+json", 201),  # any application/*+json is JSON
        ("APPLICATION/JSON", 201),  # media types ignore case
    ],
)
def test_post_needs_a_json_body(api: Api, content_type: str | None, status: int) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    reply = api.send("POST", data=json.dumps(api.fields()).encode(), headers=headers)
    assert reply.status == status
    if status == 415:
        assert is_error(reply.body, "UNSUPPORTED_MEDIA_TYPE"), reply.body


@rule(UNKNOWN_ROUTE)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/leadz",  # a typo of the collection
        "/api/v2/leads",  # another version
        "/api/v1/leads/{id}/notes",  # below a lead
        "/api/v1/unknown",  # nothing like it
    ],
)
def test_unknown_route_is_json_404(api: Api, path: str) -> None:
    reply = api.client.send("GET", path.format(id=api.absent_id()), key=api.key)
    assert reply.status == 404
    assert is_error(reply.body, "NOT_FOUND"), reply.body


@rule(JSON_HEADER_NO_BODY)
@pytest.mark.parametrize(
    "method, target",
    [
        ("GET", "collection"),  # the seed's delete_leads_by_status lists like this
        ("GET", "lead"),  # the seed's backup_lead_data
        pytest.param("DELETE", "lead", marks=writes),  # the seed's deleteLead and delete_lead
    ],
)
def test_json_content_type_without_body_is_ordinary(api: Api, method: str, target: str) -> None:
    path = LEADS if target == "collection" else f"{LEADS}/{api.some_lead()['id']}"
    reply = api.client.send(method, path, key=api.key, headers={"Content-Type": "application/json"})
    assert reply.status == 200, reply.body

