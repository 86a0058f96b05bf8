"""`leadkit verify` as a command: its target, its exit codes, its one-line reasons, its summary."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from typing import Any

import inprocess
import pytest
from planting import mock
from kit_helpers import HAND_WRITTEN, KEY, SECOND_KEY, free_port, in_process, run_verify

from contract_tests.core.exchange import Exchange
from contract_tests.verify.findings import curl
from contract_tests.live.target import Target, TargetError, resolve_target
from leadkit.cli import main

ENV = {"LEADS_BASE_URL": "http://env.example:8000", "LEADS_API_KEY": "env-key", "LEADS_SECOND_API_KEY": "env-key-2"}


@pytest.mark.parametrize(
    "options, environ, expected",
    [
        ({"base_url": "http://a.example", "api_key": "k"}, {}, ("http://a.example", "k", None)),  # options alone
        ({"base_url": None, "api_key": None}, ENV, ("http://env.example:8000", "env-key", "env-key-2")),  # env alone
        ({"base_url": "http://a.example", "api_key": "k", "second_api_key": "k2"}, ENV, ("http://a.example", "k", "k2")),  # options win
        ({"base_url": "http://a.example/api/v1/", "api_key": "k"}, {}, ("http://a.example", "k", None)),  # /api/v1 dropped
        ({"base_url": "https://a.example/prefix/", "api_key": "k"}, {}, ("https://a.example/prefix", "k", None)),  # a path prefix kept
    ],
)
def test_target_comes_from_options_then_environment(options: dict[str, str | None], environ: dict[str, str], expected: tuple[str, ...]) -> None:
    target = resolve_target(**options, environ=environ)  # type: ignore[arg-type]
    assert (target.base_url, target.api_key, target.second_api_key) == expected


@pytest.mark.parametrize(
    "options, reason",
    [
        ({"base_url": None, "api_key": "k"}, "no deployment given: pass --base-url or set LEADS_BASE_URL"),  # no URL
        ({"base_url": "http://a.example", "api_key": None}, "no API key given: pass --api-key or set LEADS_API_KEY"),  # no key
        ({"base_url": "ftp://a.example", "api_key": "k"}, "--base-url must be an http(s) URL"),  # not HTTP
        ({"base_url": "a.example:4010", "api_key": "k"}, "--base-url must be an http(s) URL"),  # no scheme
        ({"base_url": "http://a.example?x=1", "api_key": "k"}, "must not carry a query"),  # a query
        ({"base_url": "http://a.example", "api_key": "k", "second_api_key": "k"}, "must belong to another workspace"),  # same key twice
        ({"base_url": "http://a.example", "api_key": "k", "max_examples": 0}, "--max-examples must be at least 1"),  # no examples
    ],
)
def test_bad_target_is_refused_with_a_reason(options: dict[str, object], reason: str) -> None:
    with pytest.raises(TargetError, match=reason.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        resolve_target(**options, environ={})  # type: ignore[arg-type]


def test_unreachable_url_cannot_run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    assert main(["verify", "--base-url", url, "--api-key", KEY]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"leadkit verify: cannot run: cannot reach {url}/api/v1/leads: ConnectionError")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "path, key, second_key, reason",
    [
        ("", "sk-workspace_nobody", None, "the key given as --api-key was refused: GET {url}/api/v1/leads answered 401"),  # bad key
        ("", KEY, "sk-workspace_nobody", "the key given as --second-api-key was refused"),  # bad second key
        ("/nowhere", KEY, None, "no Leads API at {url}/nowhere/api/v1/leads (404)"),  # wrong base URL
    ],
)
def test_refused_key_or_wrong_url_cannot_run(
    mock_url: str, capsys: pytest.CaptureFixture[str], path: str, key: str, second_key: str | None, reason: str
) -> None:
    args = ["verify", "--base-url", mock_url + path, "--api-key", key] + (["--second-api-key", second_key] if second_key else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("leadkit verify: cannot run: " + reason.format(url=mock_url)), err
    assert err.count("\n") == 1


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "--max-examples", "many"])
    assert exit_info.value.code == 2
    assert "invalid int value: 'many'" in capsys.readouterr().err


def test_without_a_second_key_isolation_is_skipped_not_passed() -> None:
    outcome = run_verify(Target(base_url="http://kit-under-test.invalid", api_key=KEY, app=mock()), select=HAND_WRITTEN)
    assert outcome.exit_code == 0, outcome.summary
    reasons = {reason for reason, _ in outcome.findings.skipped.values()}
    assert reasons == {"needs --second-api-key (LEADS_SECOND_API_KEY)"}
    skipped_rules = {rule_id for _, rule_id in outcome.findings.skipped.values()}
    assert {"other-workspace-not-found", "other-workspace-unlisted"} <= skipped_rules
    assert "other-workspace-unlisted" not in outcome.findings.passed_rules
    assert "in every check that ran" in outcome.summary


def test_summary_gives_a_curl_without_the_keys() -> None:
    exchange = Exchange(
        method="PUT",
        url="http://a.example/api/v1/leads/lead_1",
        status=200,
        response_headers={},
        response_body=b"{}",
        request_headers={"Authorization": f"Bearer {SECOND_KEY}", "Content-Type": "application/json"},
        request_body=b'{"name": "O\'Brien"}',
    )
    command = curl(exchange, {KEY: "LEADS_API_KEY", SECOND_KEY: "LEADS_SECOND_API_KEY"})
    assert command == (
        "curl -i -X PUT http://a.example/api/v1/leads/lead_1 -H \"Authorization: Bearer $LEADS_SECOND_API_KEY\" "
        "-H 'Content-Type: application/json' -H User-Agent: -H Accept: --data-binary '{\"name\": \"O'\"'\"'Brien\"}'"
    )


def test_leadkit_mock_does_not_load_the_kit() -> None:
    code = "import sys, leadkit.cli; print(sorted(m for m in ('pytest', 'schemathesis', 'contract_tests.live.kit') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_the_summary_names_rule_section_and_evidence() -> None:
    from broken_servers import BUGS

    outcome = run_verify(in_process(BUGS["wrong-delete-message"]()), select="test_delete_answers_the_seed_envelope")
    assert outcome.exit_code == 1
    block = outcome.summary.partition("BROKEN  delete-envelope:")[2]
    assert "contract: Endpoints > Delete; seed: Delete Lead > Success Response" in block
    assert "request:  DELETE http://kit-under-test.invalid/api/v1/leads/lead_" in block
    assert 'response: 200 application/json {"success": true, "message": "Lead removed"' in block
    assert "curl:     curl -i -X DELETE http://kit-under-test.invalid/api/v1/leads/lead_" in block


def test_readme_documents_every_option_and_exit_code() -> None:
    import argparse
    from pathlib import Path

    from contract_tests.verify.command import add_parser

    sub = argparse.ArgumentParser().add_subparsers()
    add_parser(sub)
    options = {action.option_strings[-1] for action in sub.choices["verify"]._actions if action.dest != "help"}
    readme = (Path(__file__).parents[2] / "README.md").read_text().partition("## Contract tests: leadkit verify")[2]
    assert sorted(option for option in options if f"`{option}" not in readme) == []
    assert all(f"**{code}**" in readme for code in (0, 1, 2))


def test_checks_that_cannot_name_a_rule_never_pass_for_conformance(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the plugin blocked, every check errors: that is "could not verify", never "conforms"."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:leadkit")
    outcome = run_verify(in_process(mock()), select="test_get_answers or test_delete_answers")
    assert outcome.exit_code == 2, outcome.summary
    assert "2 checks failed without naming a rule: is the plugin loaded?" in outcome.summary


def test_a_plain_file_server_is_not_the_leads_api(tmp_path: Any) -> None:
    """`python3 -m http.server` serving a file at api/v1/leads: any 200 is not enough to start."""
    (tmp_path / "api" / "v1").mkdir(parents=True)
    (tmp_path / "api" / "v1" / "leads").write_text("<html><body>\n<h1>Leads</h1>\n" + "<p>row</p>\n" * 100 + "</body></html>\n")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/api/v1/leads", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        result = inprocess.leadkit("verify", "--base-url", url, "--api-key", KEY)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(
        f"leadkit verify: cannot run: not the Leads API: GET {url}/api/v1/leads?limit=1 with --api-key answered 200 "
    ), result.stderr
    assert "an HTML page" in result.stderr and "<h1>" not in result.stderr
    assert "checking" not in result.stdout  # not one check ran
