"""search is a literal substring: what SQL LIKE or a regular expression reads as a pattern matches only itself.

The check's leads share a search word, and each needle starts with it, so leads of other
writers in the workspace cannot match.
"""

from __future__ import annotations

import pytest

from ...core.rules import SEARCH_LITERAL
from ...live.api import Api
from ...live.kit import Kit
from ..marks import rule, writes

pytestmark = writes

# After the shared word: each literal, then what a pattern reading of it would match as well.
TAILS = [
    "50% off",  # 0
    "50 off",  # 1: LIKE '%50%%' matches it
    "a_b",  # 2
    "axb",  # 3: LIKE 'a_b' matches it
    "x.*y",  # 4
    "xzzy",  # 5: the regex x.*y matches it
    "c\\d",  # 6: a backslash and a d
    "c5",  # 7: the regex c\d matches it
    "cd",  # 8: LIKE with \ as its escape reads c\d as cd
    "[x (y",  # 9: not a valid regex at all
]


@pytest.fixture(scope="module")
def metacharacters(kit: Kit) -> tuple[str, list[str]]:
    """The shared word and the ids of one lead per tail, in the order of TAILS."""
    if kit.target.read_only:
        pytest.skip("--read-only: creates, updates or deletes leads")
    word = kit.api.token()
    leads = [kit.api.create_lead(name=f"Leadkit Test {word} {tail}", email=f"{word}.{i}@example.com") for i, tail in enumerate(TAILS)]
    return word, [lead["id"] for lead in leads]


@rule(SEARCH_LITERAL)
@pytest.mark.parametrize(
    "tail, expected",
    [
        pytest.param("50%", [0], id="percent"),
        pytest.param("%", [], id="percent-alone"),
        pytest.param("a_b", [2], id="underscore"),
        pytest.param("A_B", [2], id="underscore-any-case"),
        pytest.param("_", [], id="underscore-alone"),
        pytest.param("x.*y", [4], id="dot-star"),
        pytest.param("c\\d", [6], id="backslash"),
        pytest.param("[x (y", [9], id="brackets"),
    ],
)
def test_search_metacharacters_match_only_themselves(api: Api, metacharacters: tuple[str, list[str]], tail: str, expected: list[int]) -> None:
    word, ids = metacharacters
    needle = f"{word} {tail}"
    reply = api.list(search=needle, limit=100)
    assert reply.status == 200, f"search={needle!r} answered {reply.status}: {reply.body}"
    found = {lead["id"] for lead in reply.data["leads"]}
    matched = [TAILS[i] for i, lead_id in enumerate(ids) if lead_id in found]
    assert matched == [TAILS[i] for i in expected], f"search={needle!r} matched the names ending {matched}"
    assert reply.data["pagination"]["total"] == len(expected)
