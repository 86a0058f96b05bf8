"""search is a literal substring: what SQL LIKE or a regular expression reads as a pattern matches only itself.

The check's leads share a search word, and each needle starts with it, so leads of other
writers in the workspace cannot match.
"""

from __future__ import annotations

import pytest

from ...core.rules import FILTER_SEARCH, SEARCH_LITERAL
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


# After the shared word: names that tell Unicode case folding from ASCII-only lower-casing, and
# from accent-folding. openapi.yaml's decision: full Unicode case folding, so STRASSE finds Straße.
FOLDED = [
    "\u00e9lan",  # 0: élan
    "Stra\u00dfe",  # 1: Straße
    "caf\u00e9",  # 2: café
    "\u9f98",  # 3: 龘, one character no other lead holds
    "\u9f98\u946b qj",  # 4: 龘鑫 and qj, two-character needles
]


@pytest.fixture(scope="module")
def folded(kit: Kit) -> tuple[str, list[str], str]:
    """The shared word, the ids of one lead per FOLDED name, and a token held only in other fields."""
    if kit.target.read_only:
        pytest.skip("--read-only: creates, updates or deletes leads")
    word, hidden = kit.api.token(), kit.api.token()
    leads = [kit.api.create_lead(name=f"Leadkit Test {word} {tail}", email=f"{word}.{i}@example.com") for i, tail in enumerate(FOLDED)]
    # The hidden token only in phone, only in source, only in metadata: search reads name and email.
    for fields in ({"phone": f"+1 555 {hidden}"}, {"source": f"leadkit-test-{hidden}"}, {"metadata": {"note": hidden, hidden: 1}}):
        kit.api.create_lead(name=f"Leadkit Test {word} x", email=f"{word}.x{len(leads)}@example.com", **fields)
    return word, [lead["id"] for lead in leads], hidden


@rule(FILTER_SEARCH)
@pytest.mark.parametrize(
    "tail, expected",
    [
        pytest.param("\u00c9LAN", [0], id="upper-case-accented-letter"),  # ÉLAN finds élan
        pytest.param("STRASSE", [1], id="full-case-folding"),  # the decision: ß folds to ss
        pytest.param("CAF\u00c9", [2], id="upper-case-of-cafe"),
        pytest.param("cafe", [], id="accents-matter"),  # cafe does not find café
        pytest.param("elan", [], id="accents-matter-too"),
    ],
)
def test_search_folds_case_the_unicode_way_and_keeps_accents(api: Api, folded: tuple[str, list[str], str], tail: str, expected: list[int]) -> None:
    word, ids, _ = folded
    needle = f"{word} {tail}"
    with api.subject():
        reply = api.list(search=needle, limit=100)
    assert reply.status == 200, f"search={needle!r} answered {reply.status}: {reply.body}"
    found = {lead["id"] for lead in reply.data["leads"]}
    matched = [FOLDED[i] for i, lead_id in enumerate(ids) if lead_id in found]
    assert matched == [FOLDED[i] for i in expected], f"search={needle!r} matched the names ending {matched}"


@rule(FILTER_SEARCH)
def test_search_reads_only_name_and_email(api: Api, folded: tuple[str, list[str], str]) -> None:
    _, _, hidden = folded
    with api.subject():
        reply = api.list(search=hidden, limit=100)
    assert reply.status == 200, f"search={hidden!r} answered {reply.status}"
    assert reply.data["leads"] == [], "a token held only in phone, source or metadata was found by search"


@rule(FILTER_SEARCH)
@pytest.mark.parametrize("needle, expected", [("\u9f98", [3, 4]), ("\u9f98\u946b", [4]), ("QJ", [4])], ids=["one-character", "two-characters", "two-ascii-letters"])
def test_short_searches_are_substrings_like_any_other(api: Api, folded: tuple[str, list[str], str], needle: str, expected: list[int]) -> None:
    """No length is too short: every listed lead holds the needle, and none of the check's own that holds it is missing."""
    _, ids, _ = folded
    with api.subject():
        reply = api.list(search=needle, limit=100)
    assert reply.status == 200, f"search={needle!r} answered {reply.status}"
    leads = reply.data["leads"]
    lacking = [lead["id"] for lead in leads if not any(needle.casefold() in str(lead.get(f, "")).casefold() for f in ("name", "email"))]
    assert not lacking, f"search={needle!r} listed {len(lacking)} leads whose name and email lack it: {lacking[:3]}"
    found = {lead["id"] for lead in leads}
    missing = [FOLDED[i] for i in expected if ids[i] not in found]
    assert not missing, f"search={needle!r} missed the names ending {missing}"
