"""phone and source are any string: letters, punctuation and Unicode accepted and kept as sent.

Generated requests only sometimes send such values; this check sends them every run.
"""

from __future__ import annotations

from typing import Any

import pytest

from ...core.rules import FREE_TEXT_ACCEPTED
from ...live.api import Api
from ..marks import rule, writes

pytestmark = writes


@rule(FREE_TEXT_ACCEPTED)
@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"phone": "+1 (555) CALL-NOW"}, id="letters-in-phone"),
        pytest.param({"phone": "555-0100 ext. 12, ask for Zo\u00eb"}, id="phone-with-words"),
        pytest.param({"source": "Trade show \U0001f3aa Berlin"}, id="emoji-in-source"),
        pytest.param({"source": "partner/referral #42 & co."}, id="punctuation-in-source"),
    ],
)
def test_phone_and_source_take_any_text(api: Api, fields: dict[str, Any]) -> None:
    with api.subject():
        reply = api.create(**fields)
    assert reply.status == 201, f"create with {fields} answered {reply.status}: {reply.body}"
    assert {name: reply.data[name] for name in fields} == fields
    lead = api.get(reply.data["id"]).data
    assert {name: lead[name] for name in fields} == fields
    changed = {name: value + " (2)" for name, value in fields.items()}
    with api.subject():
        update = api.update(reply.data["id"], changed)
    assert update.status == 200, f"update with {changed} answered {update.status}: {update.body}"
    assert {name: update.data[name] for name in changed} == changed
