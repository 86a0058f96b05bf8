"""`leadkit proxy` judging a frontend's traffic: silent on conforming servers, naming each planted bug it can see."""

from __future__ import annotations

import sys
from io import StringIO
from typing import Iterator

import pytest
import requests
from broken_servers import BUGS
from frontend_session import drive
from kit_helpers import HERE, KEY, SECOND_KEY, live_process, served_in_thread
from livemock import free_port
from planting import mock

from contract_tests.proxy.app import VIOLATIONS_HEADER, Proxy
from contract_tests.proxy.serve import InThread

INDEPENDENT_KEYS = ("indie-alpha-7f3c", "indie-beta-19d2")


def judged(target: str, key: str = KEY, second: str = SECOND_KEY) -> dict[str, object]:
    """The frontend session sent through a proxy in front of `target`; what /__proxy/violations says."""
    out = StringIO()
    with InThread(Proxy(target, out=out)) as proxy:
        statuses = drive(proxy.url, key, second)
        report: dict[str, object] = requests.get(f"{proxy.url}/__proxy/violations", timeout=10).json()
    report["printed"] = out.getvalue()
    report["sent"] = len(statuses)
    return report


def rules_of(report: dict[str, object]) -> set[str]:
    return {violation["rule"] for violation in report["violations"]}  # type: ignore[attr-defined, index]


def test_the_clean_mock_shows_no_violation(mock_url: str) -> None:
    report = judged(mock_url)
    assert report["violations"] == [], report["printed"]
    assert report["judged"] == report["sent"]  # every request of the session was judged


def test_the_independent_server_shows_no_violation(tmp_path: pytest.TempPathFactory) -> None:
    port = free_port()
    command = [sys.executable, str(HERE / "independent_server.py"), str(port)]
    with live_process(command, port, tmp_path / "independent.log"):  # type: ignore[operator]
        report = judged(f"http://127.0.0.1:{port}", *INDEPENDENT_KEYS)
    assert report["violations"] == [], report["printed"]


SHOWN = {
    "keeps-deleted": "not-found-after-delete",  # the deleted lead read back with 200
    "reuses-ids": "no-id-reuse",  # the create after a delete returns the deleted id
    "counts-deleted": "pagination-arithmetic",  # total counts a lead the page no longer holds
    "replaces-metadata": "update-merge-patch",
    "null-keeps-phone-and-source": "update-null-clears",
    "keeps-updated-at": "update-timestamps",
    "created-at-moves-on-update": "update-timestamps",
    "refused-update-partly-applied": "refused-update-changes-nothing",
    "ignores-status-filter": "filter-status",
    "source-prefix-match": "filter-source",
    "oldest-first": "list-order",
    "total-pages-rounded-down": "pagination-arithmetic",
    "limit-over-100-accepted": "list-query-values",
    "lists-every-workspace": "other-workspace-unlisted",
    "reads-across-workspaces": "other-workspace-not-found",
    "deletes-across-workspaces": "other-workspace-not-found",
    "malformed-id-is-400": "not-found-malformed-id",
    "wrong-delete-message": "delete-envelope",
    "success-as-string": "create-envelope",
    "error-without-code": "responses-match-openapi",
    "validation-errors-name-no-field": "validation-error",
    "forbidden-instead-of-401": "unauthorized",
    "no-www-authenticate": "unauthorized",
    "lookup-before-auth": "unauthorized",
    "no-allow-header": "method-not-allowed",
    "no-body-size-limit": "payload-too-large",
    "text-plain-accepted": "unsupported-media-type",
    "charset-parameter-refused": "unsupported-media-type",
    "json-header-without-body-refused": "json-header-without-body",
    "html-unknown-route": "json-content-type",
    "server-error-on-letter-in-phone": "no-server-errors",
    "update-moves-workspace": "read-only-fields-refused",  # the lead sent back with its workspaceId: 200
    "drops-null-metadata-on-create": "create-envelope",  # the created metadata lost its null
    "trims-names-on-update": "update-partial",  # the PUT's spaced name answered trimmed
    "status-in-any-case": "list-query-values",  # status=NEW answered 200
    "page-past-64-bits-is-500": "no-server-errors",
    "case-insensitive-ids": "ids-exact",  # the id in upper case answered with the lead
    "caches-reads": "not-found-after-delete",  # the lead read before its delete served after it
}
# What one frontend's traffic cannot show, however it is judged: a search that finds too little
# (another client may have renamed the lead) and a refused `bearer` (the key may have been revoked).
NOT_SHOWN = {"case-sensitive-search", "lowercase-bearer-refused"}
# Bugs the session's traffic never reaches: it sends nothing at once, no astral or combining text,
# no dotted or `$` metadata keys, no plus-address and no metacharacter in a search; and a refusal of
# valid input (a digits-only phone rule) is not judged from traffic, where a 400 may be any client's mistake.
NOT_SHOWN |= {
    "loses-concurrent-updates",
    "same-updated-at-for-simultaneous-puts",
    "simultaneous-deletes-all-200",
    "same-id-for-simultaneous-creates",
    "name-length-in-utf16-units",
    "name-length-in-characters-seen",
    "server-error-on-astral-text",
    "normalises-names",
    "nests-dotted-metadata-keys",
    "drops-dollar-metadata-keys",
    "plus-address-refused",
    "hand-rolled-email-pattern",
    "phone-digits-only",
    "search-as-sql-like",
    "search-as-regex",
}
# Nor does it share an email between leads, put a key in a URL (a report would print it), send a NUL, a blank name or a body over 1 MiB of
# UTF-8 under 1 Mi characters, or search non-ASCII text, one or two characters, or for what only phone, source or metadata hold; and 429s come only at a pace it may not reach.
NOT_SHOWN |= {
    "deletes-by-email",
    "updates-by-email",
    "key-in-query-accepted",
    "server-error-on-nul",
    "blank-name-refused",
    "body-limit-in-characters",
    "search-folds-ascii-only",
    "short-search-ignored",
    "search-reads-every-field",
    "rate-limited-without-retry-after",
}


@pytest.mark.parametrize("bug, rule", sorted(SHOWN.items()))
def test_the_proxy_names_the_planted_bug(bug: str, rule: str) -> None:
    with served_in_thread(BUGS[bug]()) as url:
        report = judged(url)
    assert rule in rules_of(report), report["printed"]
    assert f"VIOLATION {rule}:" in str(report["printed"])


def test_every_planted_bug_is_either_shown_or_said_to_be_invisible() -> None:
    assert set(SHOWN) | NOT_SHOWN == set(BUGS)
    assert not set(SHOWN) & NOT_SHOWN


@pytest.fixture
def reuses_ids() -> Iterator[str]:
    with served_in_thread(BUGS["reuses-ids"]()) as url:
        yield url


def test_an_offending_response_carries_the_rule_ids_and_others_do_not(reuses_ids: str) -> None:
    with InThread(Proxy(reuses_ids, out=StringIO())) as proxy:
        auth = {"Authorization": f"Bearer {KEY}"}
        body = {"name": "Header Test", "email": "header.test@example.com"}
        first = requests.post(f"{proxy.url}/api/v1/leads", json=body, headers=auth, timeout=10)
        assert VIOLATIONS_HEADER not in first.headers
        requests.delete(f"{proxy.url}/api/v1/leads/{first.json()['data']['id']}", headers=auth, timeout=10)
        again = requests.post(f"{proxy.url}/api/v1/leads", json=body, headers=auth, timeout=10)
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert again.headers[VIOLATIONS_HEADER] == "no-id-reuse"


def test_the_clean_mock_in_process_is_forwarded_unchanged() -> None:
    """Bodies, statuses and headers (CORS too) as the server gave them."""
    with served_in_thread(mock()) as url, InThread(Proxy(url, out=StringIO())) as proxy:
        for path, headers in [
            ("/api/v1/leads?limit=3", {"Authorization": f"Bearer {KEY}", "Origin": "http://localhost:5173"}),
            ("/api/v1/leads", {}),
            ("/nowhere", {}),
        ]:
            direct = requests.get(url + path, headers=headers, timeout=10)
            through = requests.get(proxy.url + path, headers=headers, timeout=10)
            assert (through.status_code, through.content) == (direct.status_code, direct.content)
            for name in ("Content-Type", "WWW-Authenticate", "Access-Control-Allow-Origin", "Vary"):
                assert through.headers.get(name) == direct.headers.get(name), name
