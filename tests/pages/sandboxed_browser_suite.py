"""A browser suite that tests/test_sandboxes_browser.py runs with `pytest -n 2`: each xdist worker is one user of the page, in a sandbox of its own.

The page (tests/pages/leads.html, on another origin) has one fixed API base URL: the mock's
root. Each worker's browser context sends `Leadkit-Sandbox: browser-<worker>` on every request
(Playwright's `extra_http_headers`, what Playwright Test's `extraHTTPHeaders` does), so its
deletes land in its own sandbox. The two tests delete different numbers of leads, wait for each
other (a meeting in a shared folder: both must be running at once), then list again: each sees
its own deletes only.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.sync_api import sync_playwright

PAGE_URL = os.environ["LEADKIT_PAGE_URL"]
CHROMIUM = os.environ["LEADKIT_CHROMIUM"]
MEETING = Path(os.environ["LEADKIT_MEETING"])
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sandbox() -> str:
    """One sandbox per worker: its name, picked from the worker's."""
    return f"browser-{WORKER}"


@pytest.fixture(scope="session")
def page(sandbox: str) -> Iterator[Any]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(extra_http_headers={"Leadkit-Sandbox": sandbox})
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # the vendor's deleteLead asks confirm()
        yield page
        browser.close()


def meet(arrived: str, timeout_s: float = 120) -> None:
    """Say this worker has done its deletes, then wait until the other has too."""
    (MEETING / arrived).write_text(WORKER)
    deadline = time.monotonic() + timeout_s
    while len(list(MEETING.iterdir())) < 2:
        if time.monotonic() > deadline:
            raise AssertionError("the other worker never came: the two tests did not run at once")
        time.sleep(0.1)


def delete_and_list(page: Any, deletes: int) -> None:
    page.goto(PAGE_URL)
    page.wait_for_selector("#leads li >> nth=4")
    assert page.text_content("#total") == "28 leads"  # a fresh sandbox: the fixtures, whatever the other did
    deleted = []
    for n in range(deletes):
        first = page.get_attribute("#leads li >> nth=0", "data-id")
        page.click("#delete-first")
        page.wait_for_function(f"document.getElementById('total').textContent === '{27 - n} leads'")
        assert page.text_content("#status").startswith(f"deleted {first} at ")
        deleted.append(first)
    meet(f"deleted-{deletes}")
    page.reload()
    page.wait_for_selector("#leads li >> nth=4")
    assert page.text_content("#total") == f"{28 - deletes} leads"  # its own deletes, and none of the other's
    assert not set(deleted) & {item.get_attribute("data-id") for item in page.query_selector_all("#leads li")}


def test_a_user_who_deletes_one_lead(page: Any) -> None:
    delete_and_list(page, 1)


def test_a_user_who_deletes_two_leads(page: Any) -> None:
    delete_and_list(page, 2)
