"""Page numbers of any size the spec allows (found by leadkit verify's positive_data_acceptance)."""

from __future__ import annotations

import pytest

from tests.conftest import Api


@pytest.mark.parametrize(
    "page, status",
    [
        pytest.param(str(10**18), 200, id="19-digits"),  # past the end, so no leads
        pytest.param("9" * 4000, 200, id="4000-digits"),  # absurd, but the spec gives page no maximum
        pytest.param("9" * 5000, 400, id="5000-digits"),  # more digits than Python converts: refused, never a 500
    ],
)
def test_huge_page_numbers(api: Api, page: str, status: int) -> None:
    response = api.list(page=page)
    assert response.status_code == status, response.json
    if status == 200:
        assert response.json["data"]["leads"] == []
