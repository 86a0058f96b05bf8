"""Valid but unusual emails: accepted on create and update, and kept exactly as sent.

Hand-rolled address patterns refuse plus-addressing, subdomains, long TLDs or a local part of
digits; the contract's email is JSON Schema's `format: email`, which allows them all.
"""

from __future__ import annotations

import secrets

import pytest

from ...core.rules import EMAIL_UNUSUAL_ACCEPTED
from ...live.api import Api
from ..marks import rule, writes

pytestmark = writes

SHAPES = [
    pytest.param("{word}+newsletter@example.com", id="plus-addressing"),
    pytest.param("{word}@mail.eu.example.com", id="subdomains"),
    pytest.param("{word}@example.photography", id="long-tld"),
    pytest.param("{digits}@{word}.example.com", id="digits-only-local-part"),
    pytest.param("{word}.o'brien_x-y@example.ie", id="apostrophe-underscore-hyphen"),
]


def _email(api: Api, shape: str) -> str:
    return shape.format(word=api.token(), digits=str(10**9 + secrets.randbelow(9 * 10**9)))


@rule(EMAIL_UNUSUAL_ACCEPTED)
@pytest.mark.parametrize("shape", SHAPES)
def test_unusual_valid_email_is_accepted_as_sent(api: Api, shape: str) -> None:
    email = _email(api, shape)
    with api.subject():
        reply = api.create(email=email)
    assert reply.status == 201, f"create with the valid email {email!r} answered {reply.status}: {reply.body}"
    assert reply.data["email"] == email
    assert api.get(reply.data["id"]).data["email"] == email
    other = _email(api, shape)
    update = api.update(reply.data["id"], {"email": other})
    assert update.status == 200, f"update to the valid email {other!r} answered {update.status}: {update.body}"
    assert api.get(reply.data["id"]).data["email"] == other
