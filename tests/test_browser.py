"""In a real browser: a page from another origin uses the mock, and `/docs` works offline.

Headless Chromium (Debian's package, installed here if missing) driven by Playwright,
which is told to use that browser rather than download its own.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from livemock import LiveMock, ensure_command
from readmedoc import aimed_at, blocks


PAGE = (Path(__file__).parent / "pages" / "leads.html").read_text()
CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class PageServer:
    """Serves tests/pages/leads.html on its own port, aimed at the mock named by `?api=`."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api = parse_qs(urlsplit(self.path).query).get("api", [""])[0]
                body = PAGE.replace("https://your-domain.com", api).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, mock: LiveMock) -> str:
        return f"{self.origin}/leads.html?api={mock.base_url}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def pages() -> Iterator[tuple[PageServer, PageServer]]:
    """Two page servers: two origins, neither the mock's."""
    first, second = PageServer(), PageServer()
    yield first, second
    first.close()
    second.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = ensure_command("chromium", "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()  # a fresh profile: no cache, no preflight cache
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the vendor's deleteLead asks confirm()
    yield page
    context.close()


@pytest.fixture(scope="module")
def mock() -> Iterator[LiveMock]:
    with LiveMock("--quiet") as live:
        yield live


def test_a_page_on_another_origin_lists_deletes_and_sees_the_404(
    page: Any, pages: tuple[PageServer, PageServer], mock: LiveMock
) -> None:
    page.goto(pages[0].url(mock))
    page.wait_for_selector("#leads li >> nth=4")
    assert page.text_content("#total") == "28 leads"
    first = page.get_attribute("#leads li >> nth=0", "data-id")

    page.click("#delete-first")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('deleted')")
    assert page.text_content("#status").startswith(f"deleted {first} at ")
    assert page.text_content("#total") == "27 leads"
    assert first not in [item.get_attribute("data-id") for item in page.query_selector_all("#leads li")]

    page.click("#delete-again")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('404')")
    assert page.text_content("#status") == f"404 LEAD_NOT_FOUND {first} | Lead not found or already deleted"


def test_a_page_reads_retry_after_of_a_forced_429(page: Any, pages: tuple[PageServer, PageServer], mock: LiveMock) -> None:
    page.goto(pages[0].url(mock))
    page.wait_for_selector("#leads li")
    page.click("#force-429")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('429')")
    assert page.text_content("#status") == "429 retry after 1"  # exposed to JavaScript by CORS


def test_cors_origin_lets_only_the_named_origin_in(page: Any, pages: tuple[PageServer, PageServer]) -> None:
    allowed, other = pages
    with LiveMock("--quiet", "--cors-origin", allowed.origin) as narrow:
        page.goto(allowed.url(narrow))
        page.wait_for_selector("#leads li")
        page.goto(other.url(narrow))
        page.wait_for_function("document.getElementById('status').textContent !== ''")
        assert page.text_content("#status") == "blocked: TypeError"  # the browser refused the answer
        assert page.query_selector("#leads li") is None


def test_docs_work_offline_and_try_it_out_calls_the_mock(page: Any, mock: LiveMock) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{mock.base_url}/docs")
    page.wait_for_selector(".opblock >> nth=4")
    assert page.locator(".opblock").count() == 5
    page.click("#operations-Leads-listLeads .opblock-summary")
    page.click("#operations-Leads-listLeads button.execute")
    status = page.wait_for_selector("#operations-Leads-listLeads .live-responses-table tbody .response-col_status")
    assert status.text_content().strip() == "200"  # authorized with the first key, sent to this mock
    assert requested and all(url.startswith(mock.base_url) for url in requested), requested


def test_docs_show_the_status_filter_as_one_string_with_its_choices(page: Any, mock: LiveMock) -> None:
    page.goto(f"{mock.base_url}/docs")
    page.click("#operations-Leads-listLeads .opblock-summary")
    row = page.wait_for_selector('#operations-Leads-listLeads tr[data-param-name="status"]')
    assert row.query_selector(".parameter__type").text_content().strip() == "string"  # not "string | (string | string)"
    choices = [option.text_content() for option in row.query_selector_all("select option")]
    assert choices == ["--", "new", "contacted", "qualified", "converted", "lost", "follow_up", ""]

def test_the_readme_fetch_example_runs_in_a_page_on_another_origin(
    page: Any, pages: tuple[PageServer, PageServer]
) -> None:
    [example] = blocks("js")
    logged: list[str] = []
    page.on("console", lambda message: logged.append(message.text))
    with LiveMock("--quiet") as fresh:
        page.goto(pages[1].url(fresh))
        page.wait_for_selector("#leads li")
        page.evaluate(f"async () => {{ {aimed_at(example, fresh.base_url)} }}")
    assert logged[-1] == "404 LEAD_NOT_FOUND"
