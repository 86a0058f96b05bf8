"""The list: what it shows after a delete, its paging arithmetic, its order, its filters and its query values.

Each check counts and pages only leads it made, found by a search word (or a source) of their
own, so other writers in the workspace, the kit's own checks running beside it included, cannot
change its numbers. Where a check reads the whole list, it judges one response on its own.
"""

from __future__ import annotations

from typing import Any

import pytest

from ...core.expect import is_error, names_field
from ...core.rules import FILTER_SEARCH, FILTER_SOURCE, FILTER_STATUS, LIST_AFTER_DELETE, LIST_ORDER, LIST_QUERY, PAGINATION
from ...live.api import Api
from ...live.kit import Kit
from ..marks import rule, writes


def ids(reply: Any) -> list[str]:
    return [lead["id"] for lead in reply.data["leads"]]


def newest_first(leads: list[dict[str, Any]]) -> list[str]:
    """The contract's order: newest createdAt first, ties broken by id descending."""
    return [lead["id"] for lead in sorted(leads, key=lambda lead: (lead["createdAt"], lead["id"]), reverse=True)]


@rule(LIST_AFTER_DELETE)
@writes
def test_deleted_lead_leaves_the_list_and_the_totals(api: Api) -> None:
    source = f"leadkit-test-{api.token()}"  # a source no other lead has
    word, leads = api.create_group({"source": source}, {"source": source}, {"source": source})
    assert api.list(source=source).data["pagination"]["total"] == 3
    assert api.delete(leads[1]["id"]).status == 200
    after = api.list(search=word, limit=100)
    assert leads[1]["id"] not in ids(after)
    assert after.data["pagination"]["total"] == 2
    # Through another filter too: a server may count each filter its own way.
    assert api.list(source=source).data["pagination"]["total"] == 2


@pytest.fixture(scope="module")
def five(kit: Kit) -> str:
    """The search word of five leads made for the paging checks."""
    if kit.target.read_only:
        pytest.skip("--read-only: creates, updates or deletes leads")
    word, _ = kit.api.create_group(*[{}] * 5)
    return word


@rule(PAGINATION)
@writes
@pytest.mark.parametrize(
    "limit, page, count, total_pages, has_next, has_prev",
    [
        (2, 1, 2, 3, True, False),  # first page
        (2, 2, 2, 3, True, True),  # a middle page
        (2, 3, 1, 3, False, True),  # the last page, partly filled
        (2, 4, 0, 3, False, True),  # past the end: 200 and no leads
        (5, 1, 5, 1, False, False),  # exactly one full page
        (10, 1, 5, 1, False, False),  # one page with room to spare
        (1, 5, 1, 5, False, True),  # one lead a page, the last one
    ],
)
def test_pagination_arithmetic(
    api: Api, five: str, limit: int, page: int, count: int, total_pages: int, has_next: bool, has_prev: bool
) -> None:
    reply = api.list(search=five, limit=limit, page=page)
    assert reply.status == 200
    assert len(reply.data["leads"]) == count
    pagination = reply.data["pagination"]
    assert (pagination["page"], pagination["limit"], pagination["total"]) == (page, limit, 5)
    assert (pagination["totalPages"], pagination["hasNext"], pagination["hasPrev"]) == (total_pages, has_next, has_prev)


@rule(PAGINATION)
@pytest.mark.parametrize("page", [str(2**63), str(10**19)], ids=["2-to-the-63", "10-to-the-19"])
def test_a_page_far_past_the_end_is_200_and_empty(api: Api, page: str) -> None:
    """Past a 64-bit offset too: a page is a whole number from 1, with no upper bound in the contract."""
    with api.subject():
        reply = api.list(page=page, limit=100)
    assert reply.status == 200, f"page={page} answered {reply.status}: {reply.body}"
    assert reply.data["leads"] == [], f"page={page} listed {len(reply.data['leads'])} leads"
    assert reply.data["pagination"]["hasNext"] is False and reply.data["pagination"]["hasPrev"] is True


@rule(PAGINATION)
def test_no_match_has_zero_pages(api: Api) -> None:
    reply = api.list(search=api.token())
    assert reply.data["leads"] == []
    assert {name: reply.data["pagination"][name] for name in ("total", "totalPages", "hasNext", "hasPrev")} == {
        "total": 0,
        "totalPages": 0,
        "hasNext": False,
        "hasPrev": False,
    }


@rule(LIST_ORDER)
@writes
def test_pages_are_newest_first_without_overlap_or_gap(api: Api) -> None:
    word, made = api.create_group(*[{}] * 7)  # made within milliseconds: ties are likely
    whole = api.list(search=word, limit=100)
    assert ids(whole) == newest_first(whole.data["leads"])
    assert sorted(ids(whole)) == sorted(lead["id"] for lead in made)
    walked = [lead_id for page in (1, 2, 3) for lead_id in ids(api.list(search=word, limit=3, page=page))]
    assert walked == ids(whole)


@rule(LIST_ORDER)
@pytest.mark.parametrize("query", [{"limit": 100}, {"limit": 100, "source": "leadkit-test"}])
def test_the_whole_list_is_newest_first(api: Api, query: dict[str, Any]) -> None:
    """One response at a time: other writers may add leads between two pages, never within one."""
    reply = api.list(**query)
    assert ids(reply) == newest_first(reply.data["leads"])


@rule(FILTER_STATUS)
@writes
@pytest.mark.parametrize(
    "status, expected",
    [
        ("contacted", [1, 3]),  # two of four match
        ("lost", [2]),  # one matches
        ("converted", []),  # none matches
        ("", [0, 1, 2, 3]),  # an empty filter is no filter
    ],
)
def test_status_filter(api: Api, status: str, expected: list[int]) -> None:
    word, made = api.create_group({"status": "new"}, {"status": "contacted"}, {"status": "lost"}, {"status": "contacted"})
    reply = api.list(search=word, status=status)
    assert sorted(ids(reply)) == sorted(made[i]["id"] for i in expected)
    assert reply.data["pagination"]["total"] == len(expected)


@rule(FILTER_SOURCE)
@writes
@pytest.mark.parametrize(
    "source, expected",
    [
        ("leadkit-test-b", [1]),  # exact match
        ("leadkit-test", [0]),  # not a prefix match: leadkit-test-b stays out
        ("LEADKIT-TEST-B", []),  # exact means case too
        ("", [0, 1, 2]),  # an empty filter is no filter
    ],
)
def test_source_filter(api: Api, source: str, expected: list[int]) -> None:
    word, made = api.create_group({"source": "leadkit-test"}, {"source": "leadkit-test-b"}, {"source": None})
    reply = api.list(search=word, source=source)
    assert sorted(ids(reply)) == sorted(made[i]["id"] for i in expected)


@rule(FILTER_SEARCH)
@writes
@pytest.mark.parametrize(
    "needle, expected",
    [
        ("{word}", [0, 1]),  # in both names
        ("{WORD}", [0, 1]),  # case does not matter
        ("{word} 1", [1]),  # a substring of one name
        ("{word}.0@", [0]),  # a substring of one email only
        ("{word}-absent", []),  # nothing has it
    ],
)
def test_search_filter(api: Api, needle: str, expected: list[int]) -> None:
    word, made = api.create_group({}, {})
    reply = api.list(search=needle.format(word=word, WORD=word.upper()))
    assert sorted(ids(reply)) == sorted(made[i]["id"] for i in expected)


@rule(LIST_QUERY)
@pytest.mark.parametrize(
    "query, field",
    [
        ({"page": "abc"}, "page"),  # not a number
        ({"page": "0"}, "page"),  # pages start at 1
        ({"page": "-1"}, "page"),  # negative
        ({"page": "1.5"}, "page"),  # not whole
        ({"limit": "0"}, "limit"),  # below 1
        ({"limit": "101"}, "limit"),  # above 100
        ({"limit": "abc"}, "limit"),  # not a number
        ({"limit": "2.0"}, "limit"),  # digits only
        ({"status": "archived"}, "status"),  # not in the enum
        ({"status": "NEW"}, "status"),  # the enum is exact: another case is another word
        ({"status": "Follow_Up"}, "status"),  # mixed case too
    ],
)
def test_bad_query_values_are_400_naming_the_parameter(api: Api, query: dict[str, str], field: str) -> None:
    reply = api.list(**query)
    assert reply.status == 400
    assert is_error(reply.body, "VALIDATION_ERROR"), reply.body
    assert names_field(reply.error_fields, field), reply.error_fields


@rule(LIST_QUERY)
@pytest.mark.parametrize(
    "query, limit",
    [
        ({}, 10),  # the default limit
        ({"limit": "1"}, 1),  # the smallest
        ({"limit": "100"}, 100),  # the largest
        ({"limit": "7", "sort": "name", "x": "1"}, 7),  # unknown parameters are ignored
    ],
)
def test_good_query_values_are_accepted(api: Api, query: dict[str, str], limit: int) -> None:
    reply = api.list(**query)
    assert reply.status == 200
    assert reply.data["pagination"]["limit"] == limit
    assert len(reply.data["leads"]) <= limit
