"""GET /api/v1/leads: paging arithmetic, order, filters and bad query values."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

DEFAULT_TOTAL = 28  # leads of ws_your_workspace_id in fixtures/default.json


def page_of(api: Api, **query: Any) -> dict[str, Any]:
    response = api.list(**query)
    assert response.status_code == 200, response.json
    data: dict[str, Any] = response.json["data"]  # type: ignore[index]
    return data


def test_defaults_are_page_1_limit_10(api: Api) -> None:
    data = page_of(api)
    assert data["pagination"] == {
        "page": 1, "limit": 10, "total": DEFAULT_TOTAL, "totalPages": 3, "hasNext": True, "hasPrev": False,
    }
    assert len(data["leads"]) == 10


@pytest.mark.parametrize(
    ("page", "limit", "count", "total_pages", "has_next", "has_prev"),
    [
        (1, 10, 10, 3, True, False),  # first page
        (3, 10, 8, 3, False, True),  # last, partial page
        (4, 10, 0, 3, False, True),  # past the end: 200, empty
        (1, 100, 28, 1, False, False),  # everything on one page
        (28, 1, 1, 28, False, True),  # one a page, the last
        (2, 14, 14, 2, False, True),  # exact division
    ],
)
def test_pagination_arithmetic(
    api: Api, page: int, limit: int, count: int, total_pages: int, has_next: bool, has_prev: bool
) -> None:
    data = page_of(api, page=page, limit=limit)
    assert len(data["leads"]) == count
    assert data["pagination"] == {
        "page": page, "limit": limit, "total": DEFAULT_TOTAL,
        "totalPages": total_pages, "hasNext": has_next, "hasPrev": has_prev,
    }


def test_empty_result_has_zero_pages(api: Api) -> None:
    data = page_of(api, search="no lead has this text")
    assert data["leads"] == []
    assert data["pagination"] == {"page": 1, "limit": 10, "total": 0, "totalPages": 0, "hasNext": False, "hasPrev": False}


def test_order_is_newest_first_and_pages_neither_overlap_nor_skip(api: Api) -> None:
    everything = page_of(api, limit=100)["leads"]
    keys = [(lead["createdAt"], lead["id"]) for lead in everything]
    assert keys == sorted(keys, reverse=True)
    paged = [lead["id"] for page in range(1, 7) for lead in page_of(api, page=page, limit=5)["leads"]]
    assert paged == [lead["id"] for lead in everything]


def test_ties_in_created_at_are_broken_by_id_descending(app: Any, api: Api) -> None:
    from mock_server.state import EXTENSION
    from mock_server.store import Lead

    same = "2030-01-01T00:00:00.000Z"
    twins = [
        Lead.from_dict({"id": lead_id, "name": "Twin", "email": "t@example.com", "createdAt": same}, "ws_your_workspace_id")
        for lead_id in ("lead_00000000000000aa", "lead_00000000000000ff", "lead_00000000000000bb")
    ]
    app.extensions[EXTENSION].store.load(twins)
    top = [lead["id"] for lead in page_of(api, limit=3)["leads"]]
    assert top == ["lead_00000000000000ff", "lead_00000000000000bb", "lead_00000000000000aa"]


def test_new_leads_come_first(api: Api) -> None:
    lead = api.create_lead()
    assert page_of(api, limit=1)["leads"][0]["id"] == lead["id"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "lost"}, {"Kwame Mensah", "Lucas Martin", "Arjun Singh"}),
        ({"source": "trade_show"}, {"Sofia Rossi", "Yusuf Demir", "Ingrid Larsen"}),
        ({"search": "ZOË"}, {"Zoë Álvarez"}),  # case-insensitive, beyond ASCII
        ({"search": "@fr.example"}, {"Lucas Martin", "Chloé Dubois"}),  # matches the email
        ({"search": "smith"}, {"Jane Smith"}),  # a substring of the name
        ({"status": "qualified", "source": "referral"}, {"Jane Smith", "Ahmed Khan", "Oliver Brown"}),  # AND
        ({"status": "converted", "search": "schmidt"}, {"Mia Schmidt"}),
        ({"source": "Website"}, set()),  # source matches exactly
    ],
)
def test_filters(api: Api, query: dict[str, str], expected: set[str]) -> None:
    data = page_of(api, limit=100, **query)
    assert {lead["name"] for lead in data["leads"]} == expected
    assert data["pagination"]["total"] == len(expected)


@pytest.mark.parametrize(
    "query",
    [
        {"status": ""},  # empty filters mean no filter
        {"source": ""},
        {"search": ""},
        {"unknown": "ignored"},  # unknown parameters are ignored
    ],
)
def test_empty_filters_and_unknown_parameters_change_nothing(api: Api, query: dict[str, str]) -> None:
    assert page_of(api, **query)["pagination"]["total"] == DEFAULT_TOTAL


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": "abc"}, "page"),  # not a number
        ({"page": "-1"}, "page"),  # negative
        ({"page": "1.5"}, "page"),  # not whole
        ({"page": "0"}, "page"),  # below 1
        ({"page": ""}, "page"),  # empty
        ({"page": "9" * 5000}, "page"),  # more digits than a number can hold
        ({"limit": "0"}, "limit"),  # below 1
        ({"limit": "101"}, "limit"),  # above 100
        ({"limit": "ten"}, "limit"),
        ({"limit": " 5"}, "limit"),  # only digits
        ({"status": "won"}, "status"),  # outside the enum
        ({"status": "NEW"}, "status"),  # enum is case-sensitive
    ],
)
def test_bad_query_values_are_400(api: Api, query: dict[str, str], field: str) -> None:
    response = api.list(**query)
    assert response.status_code == 400
    body = response.json
    assert body is not None and body["code"] == "VALIDATION_ERROR"
    assert [error["field"] for error in body["details"]["errors"]] == [field]


def test_leading_zeros_are_still_digits(api: Api) -> None:
    assert page_of(api, page="02", limit="005")["pagination"]["page"] == 2


def test_deleted_lead_leaves_the_list_and_the_total(api: Api) -> None:
    lead = api.create_lead(source="only-this-one")
    assert page_of(api, source="only-this-one")["pagination"]["total"] == 1
    before = page_of(api)["pagination"]["total"]
    assert api.delete(lead["id"]).status_code == 200
    after = page_of(api, limit=100)
    assert after["pagination"]["total"] == before - 1
    assert lead["id"] not in {item["id"] for item in after["leads"]}
    assert page_of(api, source="only-this-one")["pagination"]["total"] == 0
