"""Fixtures for the kit's own tests."""

from __future__ import annotations

from typing import Iterator

import pytest
from kit_helpers import live_mock


@pytest.fixture(scope="module")
def mock_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`leadkit mock` serving the default fixtures, for a module's tests."""
    with live_mock(tmp_path_factory.mktemp("mock")) as url:
        yield url


@pytest.fixture(autouse=True)
def validate_live_responses() -> None:
    """Overrides the suite's hook: here servers are broken on purpose, and the kit judges them."""
