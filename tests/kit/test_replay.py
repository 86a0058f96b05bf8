"""`leadkit replay`: a session recorded on the mock replays clean on conforming servers and names each planted bug."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from broken_servers import BUGS
from frontend_session import drive
from kit_helpers import BIN, HERE, KEY, SECOND_KEY, in_process, leadkit, live_process
from livemock import LiveMock, free_port
from planting import mock
from test_live import VENDOR_HOST, seed_block

from contract_tests.har import read_har
from contract_tests.replay.session import Replay, replay

pytestmark = pytest.mark.slow
INDEPENDENT_KEYS = ("indie-alpha-7f3c", "indie-beta-19d2")


def seed_clients(base_url: str, directory: Path) -> None:
    """The seed page's Python client, unchanged but for its host, on fixture leads (John Doe, the lost ones)."""
    namespace: dict[str, Any] = {}
    exec(compile(seed_block("import requests", "# Usage examples\napi_key").replace(VENDOR_HOST, base_url), "seed.py", "exec"), namespace)
    import builtins
    import os

    here, answer = os.getcwd(), builtins.input
    os.chdir(directory)  # its backup files land here
    builtins.input = lambda prompt="": "yes"  # its prompt, answered
    try:
        assert namespace["delete_lead"](KEY, "lead_1234567890abcdef", backup_first=True) is True
        assert namespace["delete_lead"](KEY, "lead_1234567890abcdef", backup_first=False) is False
        assert namespace["delete_leads_by_status"](KEY, "lost", confirm=True)["deleted"] == 3
    finally:
        os.chdir(here)
        builtins.input = answer


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A frontend's session and the seed's clients, recorded by `leadkit mock --record`."""
    folder = tmp_path_factory.mktemp("recorded")
    har = folder / "session.har"
    with LiveMock("--quiet", "--record", str(har)) as mock:
        drive(mock.base_url, KEY, SECOND_KEY)
        seed_clients(mock.base_url, folder)
        assert mock.stop() == 0
    return har


def replayed(har: Path, target: Any) -> tuple[Replay, str]:
    out = StringIO()
    return replay(read_har(str(har)), target, out), out.getvalue()


def state_leads(base_url: str) -> list[dict[str, Any]]:
    state = requests.get(f"{base_url}/__mock/state", timeout=10).json()
    return [lead for workspace in state["workspaces"] for lead in workspace["leads"]]


def test_the_session_replays_clean_on_a_fresh_mock_and_leaves_its_data_as_it_was(session: Path) -> None:
    with LiveMock("--quiet") as mock:
        before = state_leads(mock.base_url)
        run = leadkit("replay", str(session), "--base-url", mock.base_url, "--api-key", KEY, "--second-api-key", SECOND_KEY)
        after = state_leads(mock.base_url)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " DIFF " not in run.stdout
    assert "answers the recorded session as the contract did" in run.stdout
    assert after == before  # John Doe and the lost leads were stand-ins: the mock's own are untouched, byte for byte
    assert "test leads the replay created are all gone" in run.stdout
    assert KEY not in run.stdout and SECOND_KEY not in run.stdout


def test_the_session_replays_clean_on_the_independent_server(session: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, str(HERE / "independent_server.py"), str(port)]
    with live_process(command, port, tmp_path / "independent.log") as url:
        run = leadkit("replay", str(session), "--base-url", url, "--api-key", INDEPENDENT_KEYS[0], "--second-api-key", INDEPENDENT_KEYS[1])
    assert run.returncode == 0, run.stdout + run.stderr


def test_fixture_leads_get_stand_ins_and_made_up_ids_stay_absent(session: Path) -> None:
    result, printed = replayed(session, in_process(mock()))
    assert result.exit_code == 0, printed
    deletes = [outcome for outcome in result.outcomes if outcome.step.label == "DELETE /api/v1/leads/lead_1234567890abcdef"]
    assert [outcome.target.status for outcome in deletes if outcome.target] == [200, 404]
    assert all("lead_1234567890abcdef" not in (outcome.target.url if outcome.target else "") for outcome in deletes)


# Each planted bug, and the rule a DIFF names when the frontend's session and the seed's clients meet it.
NAMED = {
    "keeps-deleted": "not-found-after-delete",
    "reuses-ids": "no-id-reuse",
    "counts-deleted": "pagination-arithmetic",
    "replaces-metadata": "update-merge-patch",
    "null-keeps-phone-and-source": "update-null-clears",
    "keeps-updated-at": "update-timestamps",
    "created-at-moves-on-update": "update-timestamps",
    "refused-update-partly-applied": "refused-update-changes-nothing",
    "ignores-status-filter": "filter-status",
    "source-prefix-match": "filter-source",
    "case-sensitive-search": "filter-search",
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
    "text-plain-accepted": "unsupported-media-type",
    "charset-parameter-refused": "unsupported-media-type",
    "json-header-without-body-refused": "json-header-without-body",
    "html-unknown-route": "json-content-type",
    "lowercase-bearer-refused": "unauthorized",
    "server-error-on-letter-in-phone": "no-server-errors",
}
# The recording's 1 MiB upload was refused unread, so its body is not in the HAR: that step is skipped.
UNREACHABLE = {"no-body-size-limit"}


@pytest.mark.parametrize("bug, rule", sorted(NAMED.items()))
def test_a_replay_names_the_planted_bug(session: Path, bug: str, rule: str) -> None:
    result, printed = replayed(session, in_process(BUGS[bug]()))
    assert result.exit_code == 1, printed
    assert rule in result.rules(), printed
    assert f"DIFF {rule}:" in printed


def test_every_planted_bug_is_named_or_said_to_be_out_of_the_sessions_reach() -> None:
    assert set(NAMED) | UNREACHABLE == set(BUGS)
