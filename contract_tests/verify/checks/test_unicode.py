"""Unicode: the name limit counted in code points with astral characters on both sides of it, and text kept as sent.

Servers count UTF-16 units (JavaScript's `.length`), bytes or characters as seen instead of
code points, normalise combining marks, choke on astral characters, or read a metadata key
with a dot or a `$` as a path or an operator.
"""

from __future__ import annotations

from typing import Any

import pytest

from ...core.expect import contract_view, is_error, names_field
from ...core.rules import NAME_LENGTH_CODE_POINTS, UNICODE_ROUND_TRIP
from ...live.api import Api
from ...live.guard import RUN_KEY
from ..marks import rule, writes

pytestmark = writes

ASTRAL = "\U0001f600"  # 😀: one code point, two UTF-16 units, four UTF-8 bytes
CJK = "\u65e5"  # 日: one code point, three UTF-8 bytes
DECOMPOSED = "e\u0301"  # e and a combining acute: two code points, one character as seen
FLAG = "\U0001f1eb\U0001f1f7"  # 🇫🇷: two astral code points, one character as seen


@rule(NAME_LENGTH_CODE_POINTS)
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(ASTRAL * 200, id="200-astral"),  # 400 UTF-16 units, 800 bytes
        pytest.param("x" * 199 + ASTRAL, id="199-ascii-and-1-astral"),  # 201 UTF-16 units
        pytest.param(CJK * 200, id="200-cjk"),  # 600 bytes
        pytest.param(DECOMPOSED * 100, id="100-decomposed-letters"),  # 200 code points, 100 characters as seen
    ],
)
def test_name_of_200_code_points_is_accepted(api: Api, name: str) -> None:
    assert len(name) == 200
    with api.subject():
        reply = api.create(name=name)
    assert reply.status == 201, f"a name of 200 code points answered {reply.status}: {reply.body}"
    assert reply.data["name"] == name
    assert api.get(reply.data["id"]).data["name"] == name
    again = api.update(reply.data["id"], {"name": name[::-1]})
    assert again.status == 200, f"an update to a name of 200 code points answered {again.status}"


@rule(NAME_LENGTH_CODE_POINTS)
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(ASTRAL * 201, id="201-astral"),
        pytest.param("x" * 200 + ASTRAL, id="200-ascii-and-1-astral"),
        pytest.param(DECOMPOSED * 100 + "e", id="201-code-points-in-101-characters"),
        pytest.param(FLAG * 100 + ASTRAL, id="201-code-points-in-101-flags"),
    ],
)
def test_name_of_201_code_points_is_refused(api: Api, name: str) -> None:
    assert len(name) == 201
    reply = api.create(name=name)
    assert reply.status == 400, f"a name of 201 code points answered {reply.status}, not 400"
    assert is_error(reply.body, "VALIDATION_ERROR") and names_field(reply.error_fields, "name"), reply.body
    lead = api.create_lead()
    assert api.update(lead["id"], {"name": name}).status == 400
    assert contract_view(api.get(lead["id"]).data) == contract_view(lead)


NAMES = {
    "emoji": "\U0001f680 \U0001f469\u200d\U0001f469\u200d\U0001f467 " + FLAG,  # astral, a ZWJ sequence, a flag
    "combining-marks": "Zoe\u0308 Ame\u0301lie",  # decomposed: NFC would change it
    "astral-cjk": "\U0002000b\U00020b9f \u6771\u4eac",  # CJK extension B beside plain CJK
}
KEYS = {
    "dotted.key": 1,
    "$set": {"$inc": 2},
    "\u043a\u043b\u044e\u0447": "\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435",  # ключ: значение
    "\u65e5\u672c\u8a9e": ASTRAL,
    "Zoe\u0308": "a decomposed key",
    "a.b.c": {"d.e": True},
}


@rule(UNICODE_ROUND_TRIP)
@pytest.mark.parametrize("kind", sorted(NAMES))
def test_unicode_name_comes_back_as_sent(api: Api, kind: str) -> None:
    word = api.token()
    name = f"Leadkit Test {word} {NAMES[kind]}"
    with api.subject():
        reply = api.create(name=name)
    assert reply.status == 201, f"a {kind} name answered {reply.status}: {reply.body}"
    assert reply.data["name"] == name, ascii(reply.data["name"])
    assert api.get(reply.data["id"]).data["name"] == name
    listed = api.list(search=word).data["leads"]
    assert [lead["name"] for lead in listed] == [name], ascii(listed)
    renamed = f"{name} {NAMES[kind]}"
    assert api.update(reply.data["id"], {"name": renamed}).data["name"] == renamed


@rule(UNICODE_ROUND_TRIP)
def test_unusual_metadata_keys_come_back_as_sent(api: Api) -> None:
    with api.subject():
        reply = api.create(metadata=KEYS)
    assert reply.status == 201, f"metadata keys with '.', '$' and non-ASCII letters answered {reply.status}: {reply.body}"
    expected: dict[str, Any] = {RUN_KEY: api.ledger.run_id, **KEYS}
    assert reply.data["metadata"] == expected, ascii(reply.data["metadata"])
    assert api.get(reply.data["id"]).data["metadata"] == expected


@rule(UNICODE_ROUND_TRIP)
def test_unusual_metadata_keys_merge_as_keys(api: Api) -> None:
    lead = api.create_lead(metadata={"a.b": 1, "$x": {"y.z": 1}})
    patch = {"a.b": None, "$x": {"y.z": 2, "$w": ASTRAL}, "\u00fcber.\u00e9t\u00e9": DECOMPOSED}
    reply = api.update(lead["id"], {"metadata": patch})
    assert reply.status == 200, f"a merge patch of unusual keys answered {reply.status}: {reply.body}"
    merged = {RUN_KEY: api.ledger.run_id, "$x": {"y.z": 2, "$w": ASTRAL}, "\u00fcber.\u00e9t\u00e9": DECOMPOSED}
    stored = api.get(lead["id"]).data["metadata"]
    assert stored == merged, ascii(stored)
