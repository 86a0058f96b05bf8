"""A real browser's traffic judged: the test page through `leadkit proxy`, and HARs Chromium records with Playwright.

(The independent server answers no CORS, so a page on another origin cannot call it; its
traffic is judged from Python instead, in test_proxy_traffic.py.)
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import inprocess
from broken_servers import BUGS
from kit_helpers import HERE, served_in_thread
from livemock import LiveMock, ensure_command

from contract_tests.proxy.app import Proxy
from contract_tests.proxy.serve import InThread


PAGE = (HERE.parent / "pages" / "leads.html").read_text()
MOCK_KEY = "sk-workspace_your_api_key"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class PageServer:
    """tests/pages/leads.html on its own origin, aimed at `?api=` and using `?key=` in place of the mock's key."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                from urllib.parse import parse_qs, urlsplit

                query = parse_qs(urlsplit(self.path).query)
                if "api" not in query:  # the browser's own favicon request
                    self.send_error(404)
                    return
                body = PAGE.replace("https://your-domain.com", query["api"][0]).replace(MOCK_KEY, query.get("key", [MOCK_KEY])[0])
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, api: str, key: str = MOCK_KEY) -> str:
        return f"{self.origin}/leads.html?api={api}&key={key}"


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = ensure_command("chromium", "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def use_the_page(browser: Any, url: str, **context_options: Any) -> str:
    """List, delete the first lead (the vendor's way), delete it again, force a 429; the status line."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        page.goto(url)
        page.wait_for_selector("#leads li")
        page.click("#delete-first")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('deleted')", timeout=10_000)
        page.click("#delete-again")
        page.wait_for_function("document.getElementById('status').textContent !== '' && !document.getElementById('status').textContent.startsWith('deleted')", timeout=10_000)
        status: str = page.text_content("#status") or ""
        page.click("#force-429")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('429')", timeout=10_000)
        return status
    finally:
        context.close()  # writes record_har_path, when asked


def violations(proxy: InThread) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = requests.get(f"{proxy.url}/__proxy/violations", timeout=10).json()["violations"]
    return found


def test_the_page_through_the_proxy_in_front_of_the_mock_shows_no_violation(browser: Any, pages: PageServer) -> None:
    with LiveMock("--quiet") as mock, InThread(Proxy(mock.base_url, out=StringIO())) as proxy:
        status = use_the_page(browser, pages.url(proxy.url))
        assert status.startswith("404 LEAD_NOT_FOUND"), status
        assert violations(proxy) == []
        assert proxy.proxy.tally.judged >= 6 and proxy.proxy.tally.skipped["CORS preflights"] >= 1


def test_the_page_through_the_proxy_in_front_of_a_planted_bug_names_it(browser: Any, pages: PageServer) -> None:
    with served_in_thread(BUGS["wrong-delete-message"]()) as url, InThread(Proxy(url, out=StringIO())) as proxy:
        use_the_page(browser, pages.url(proxy.url))
        # The seed's message is also a const of openapi.yaml's DeleteEnvelope: both rules name it.
        assert {violation["rule"] for violation in violations(proxy)} == {"delete-envelope", "responses-match-openapi"}


@pytest.mark.parametrize("name, content", [("session.har", "embed"), ("session.zip", "attach")])
def test_a_har_chromium_records_of_the_page_is_checked(browser: Any, pages: PageServer, tmp_path: Path, name: str, content: str) -> None:
    har = tmp_path / name
    with LiveMock("--quiet") as mock:
        use_the_page(browser, pages.url(mock.base_url), record_har_path=str(har), record_har_content=content)
    checked = inprocess.leadkit("check", str(har))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "API exchanges judged" in checked.stdout and "outside the API" in checked.stdout, checked.stdout
    assert "verdict: no violation in the traffic" in checked.stdout


def test_a_har_chromium_records_against_a_planted_bug_shows_it(browser: Any, pages: PageServer, tmp_path: Path) -> None:
    har = tmp_path / "broken.har"
    with served_in_thread(BUGS["wrong-delete-message"]()) as url:
        use_the_page(browser, pages.url(url), record_har_path=str(har))
    checked = inprocess.leadkit("check", str(har))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "BROKEN delete-envelope" in checked.stdout
