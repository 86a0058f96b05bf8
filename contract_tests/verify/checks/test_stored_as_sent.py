"""Stored as sent: spaces, control characters, NUL, a blank name, and nulls in a created metadata, by create and by update.

Generated requests send such values only now and then; these checks send them every run. Only
a PUT's merge patch gives a metadata `null` its removing meaning: a create keeps it.
"""

from __future__ import annotations

from typing import Any

import pytest

from ...core.rules import STORED_AS_SENT
from ...live.api import Api
from ...live.guard import RUN_KEY
from ..marks import rule, writes

pytestmark = writes

CONTROLS = "\x01\x07\x08\t\x0b\x0c\x1b\x1f\x7f"  # C0 controls, TAB, ESC and DEL: JSON escapes them all
NUL = "\x00"


@rule(STORED_AS_SENT)
@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param({"gone": None}, id="top-level-null"),
        pytest.param({"nested": {"gone": None, "kept": 1}, "deep": {"er": {"gone": None}}, "list": [None]}, id="nested-nulls"),
    ],
)
def test_nulls_in_a_created_metadata_are_kept(api: Api, metadata: dict[str, Any]) -> None:
    with api.subject():
        reply = api.create(metadata=metadata)
    assert reply.status == 201, f"create with metadata {metadata} answered {reply.status}: {reply.body}"
    expected = {RUN_KEY: api.ledger.run_id, **metadata}
    assert reply.data["metadata"] == expected, f"create answered metadata {reply.data['metadata']}, sent {expected}"
    stored = api.get(reply.data["id"]).data["metadata"]
    assert stored == expected, f"metadata stored as {stored}, sent {expected}"


# Text a server may trim, collapse, strip or choke on; each beside the token, so the lead stays findable.
TEXTS = {
    "spaces": "  Leadkit  Test   {word} ",  # leading, doubled and trailing spaces
    "controls": "Leadkit Test {word} " + CONTROLS,
    "nul": "Leadkit Test {word} a" + NUL + "b",
}


@rule(STORED_AS_SENT)
@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_text_is_stored_as_sent_by_create_and_update(api: Api, kind: str) -> None:
    """The same text in name, phone and source at once: each field is compared on its own."""
    word = api.token()
    text = TEXTS[kind].format(word=word)
    sent = {"name": text, "phone": text, "source": text}
    with api.subject():
        created = api.create(**sent)
    assert created.status == 201, f"create with {kind} text {text!r} answered {created.status}: {created.body}"
    for stored in (created.data, api.get(created.data["id"]).data):
        wrong = {field: stored[field] for field in sent if stored[field] != text}
        assert not wrong, f"create stored {wrong}, sent {text!r}"
    lead = api.create_lead()
    with api.subject():
        updated = api.update(lead["id"], sent)
    assert updated.status == 200, f"update with {kind} text {text!r} answered {updated.status}: {updated.body}"
    for stored in (updated.data, api.get(lead["id"]).data):
        wrong = {field: stored[field] for field in sent if stored[field] != text}
        assert not wrong, f"update stored {wrong}, sent {text!r}"


@rule(STORED_AS_SENT)
@pytest.mark.parametrize("name", [pytest.param("   ", id="spaces-only"), pytest.param(" \t ", id="with-a-tab")])
def test_a_blank_name_is_a_name(api: Api, name: str) -> None:
    """1 to 200 code points, stored as sent: a name of spaces is a name, neither empty nor missing."""
    with api.subject():
        reply = api.create(name=name)
    assert reply.status == 201, f"create with name={name!r} answered {reply.status}: {reply.body}"
    assert reply.data["name"] == name and api.get(reply.data["id"]).data["name"] == name
    lead = api.create_lead()
    with api.subject():
        updated = api.update(lead["id"], {"name": name})
    assert updated.status == 200, f"update with name={name!r} answered {updated.status}: {updated.body}"
    assert api.get(lead["id"]).data["name"] == name
