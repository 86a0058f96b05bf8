"""A leadkit HTML report as a reviewer opens it: in headless Chromium, offline, every request it makes noted."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator


@contextmanager
def opened_offline(browser: Any, path: Path) -> Iterator[tuple[Any, list[str]]]:
    """The page, and the URLs it requested (a self-contained file requests only itself)."""
    context = browser.new_context(offline=True)  # one self-contained file: nothing to fetch
    try:
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(path.as_uri())
        yield page, requested
    finally:
        context.close()


def visible_rules(page: Any) -> list[str]:
    """The rule ids of the rules table's rows the filters leave shown."""
    return [row.get_attribute("data-rule") for row in page.query_selector_all("#rules tbody tr") if row.is_visible()]
