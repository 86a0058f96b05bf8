"""`--state PATH`: state kept in SQLite across restarts, and across `kill -9`."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AUTH, JANE, JOHN, Api
import inprocess
from livemock import LiveMock
from mock_server import create_app
from mock_server.persistence import StateError
from mock_server.state import EXTENSION


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "mock.sqlite3"


@pytest.fixture
def opened() -> Iterator[list[Flask]]:
    """Apps opened by a test; their state files are released after it."""
    apps: list[Flask] = []
    yield apps
    stop(apps)


def stop(apps: list[Flask]) -> None:
    while apps:
        apps.pop().extensions[EXTENSION].journal.release()


def start(opened: list[Flask], path: Path, **settings: Any) -> tuple[Api, FlaskClient]:
    """A mock on `path`, as after a restart (the earlier one stopped): an API helper and an admin client."""
    stop(opened)
    app = create_app({"TESTING": True, "STATE_PATH": str(path), **settings})
    opened.append(app)
    return Api(app.test_client()), FlaskClient(app)


def test_a_new_state_file_starts_from_the_fixtures(opened: list[Flask], state_path: Path) -> None:
    api, _ = start(opened, state_path)
    assert api.list().json["data"]["pagination"]["total"] == 28  # type: ignore[index]
    assert state_path.exists()


def test_writes_survive_a_restart(opened: list[Flask], state_path: Path) -> None:
    api, _ = start(opened, state_path)
    created = api.create_lead(name="Kept")
    api.update(JOHN, {"status": "converted", "metadata": {"tier": "gold"}})
    api.delete(JANE)
    api, _ = start(opened, state_path)
    assert api.get(created["id"]).json["data"] == created  # type: ignore[index]
    john = api.get(JOHN).json["data"]  # type: ignore[index]
    assert john["status"] == "converted" and john["metadata"]["tier"] == "gold"
    assert api.get(JANE).status_code == 404


def test_no_id_is_reused_after_a_restart(opened: list[Flask], state_path: Path) -> None:
    api, _ = start(opened, state_path, SEED=5)
    first = api.create_lead()["id"]
    api.delete(first)
    api, _ = start(opened, state_path, SEED=5)  # the same seed proposes the same id first
    assert api.create_lead()["id"] != first


def test_reset_import_and_audit_are_kept_too(opened: list[Flask], state_path: Path) -> None:
    api, admin = start(opened, state_path)
    api.delete(JOHN)
    admin.post("/__mock/reset")
    api.delete(JANE)
    api, admin = start(opened, state_path)
    assert api.get(JOHN).status_code == 200 and api.get(JANE).status_code == 404
    assert [e["leadId"] for e in admin.get("/__mock/audit").json["data"]["entries"]] == [JANE]  # type: ignore[index]
    document = admin.get("/__mock/state").json  # type: ignore[index]
    document["workspaces"][0]["leads"] = document["workspaces"][0]["leads"][:1]
    admin.put("/__mock/state", json=document)
    api, _ = start(opened, state_path)
    assert api.list().json["data"]["pagination"]["total"] == 1  # type: ignore[index]


def test_generated_leads_are_written_once(opened: list[Flask], state_path: Path) -> None:
    api, _ = start(opened, state_path, GENERATE=5, SEED=1)
    ids = [lead["id"] for lead in api.list(limit=100).json["data"]["leads"]]  # type: ignore[index]
    api, _ = start(opened, state_path, GENERATE=5, SEED=2)  # the file already has its leads
    assert [lead["id"] for lead in api.list(limit=100).json["data"]["leads"]] == ids  # type: ignore[index]


def test_a_write_the_file_refuses_is_neither_acknowledged_nor_applied(
    opened: list[Flask], state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, _ = start(opened, state_path)
    journal = opened[-1].extensions[EXTENSION].journal

    def disk_full(*args: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(journal, "_write_leads", disk_full)
        assert api.create().status_code == 500
        assert api.update(JOHN, {"name": "Lost"}).status_code == 500
    assert api.list().json["data"]["pagination"]["total"] == 28  # type: ignore[index]
    assert api.get(JOHN).json["data"]["name"] == "John Doe"  # type: ignore[index]
    api.create_lead(name="After")  # the failed transaction was rolled back; the file still works
    api, _ = start(opened, state_path)
    assert api.list().json["data"]["pagination"]["total"] == 29  # type: ignore[index]


def test_one_state_file_serves_one_mock_at_a_time(opened: list[Flask], state_path: Path) -> None:
    start(opened, state_path)
    with pytest.raises(StateError, match="in use by another leadkit mock"):
        create_app({"STATE_PATH": str(state_path)})
    stop(opened)
    start(opened, state_path)  # free again once the first is gone


def test_a_file_that_is_not_a_state_is_a_clear_error(state_path: Path) -> None:
    state_path.write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(StateError, match=str(state_path)):
        create_app({"STATE_PATH": str(state_path)})


def test_a_lead_both_live_and_retired_is_a_clear_error(opened: list[Flask], state_path: Path) -> None:
    start(opened, state_path)
    stop(opened)
    with sqlite3.connect(state_path) as conn:
        conn.execute("INSERT INTO retired VALUES (?)", (JOHN,))
    conn.close()
    with pytest.raises(StateError, match="inconsistent state"):
        create_app({"STATE_PATH": str(state_path)})


def test_the_command_refuses_a_bad_state_file(state_path: Path) -> None:
    state_path.write_bytes(b"this is not SQLite" * 100)
    done = inprocess.leadkit("mock", "--state", str(state_path), "--port", "0")
    assert done.returncode == 2
    assert "not a usable SQLite state file" in done.stderr


@dataclass
class Ledger:
    """What the mock acknowledged, and the one request per lead still unanswered at the kill."""

    acked: dict[str, str | None] = field(default_factory=dict)  # id -> acknowledged name; None: deleted
    pending: dict[str, str | None] = field(default_factory=dict)  # id -> name asked for; None: delete
    lock: threading.Lock = field(default_factory=threading.Lock)


def write_until_killed(base_url: str, ledger: Ledger, stop: threading.Event, worker: int) -> None:
    """Create, rename and delete leads as fast as the mock answers, noting each acknowledgement."""
    session = requests.Session()
    session.headers.update(AUTH)
    mine: list[str] = []
    rng = random.Random(worker)
    n = 0
    while not stop.is_set():
        n += 1
        try:
            if not mine or rng.random() < 0.4:
                answer = session.post(f"{base_url}/api/v1/leads", json={"name": f"w{worker}-{n}", "email": "k@example.com"}, timeout=5)
                lead = answer.json()["data"]
                with ledger.lock:
                    ledger.acked[lead["id"]] = lead["name"]
                mine.append(lead["id"])
                continue
            lead_id = rng.choice(mine)
            name = None if rng.random() < 0.3 else f"w{worker}-{n}"
            with ledger.lock:
                ledger.pending[lead_id] = name
            if name is None:
                answer = session.delete(f"{base_url}/api/v1/leads/{lead_id}", timeout=5)
                mine.remove(lead_id)
            else:
                answer = session.put(f"{base_url}/api/v1/leads/{lead_id}", json={"name": name}, timeout=5)
            assert answer.status_code == 200, answer.text
            with ledger.lock:
                ledger.acked[lead_id] = ledger.pending.pop(lead_id)
        except (requests.RequestException, ValueError):
            return  # killed: no answer, or half of one


def test_kill_9_during_writes_loses_no_acknowledged_write(state_path: Path) -> None:
    ledger = Ledger()
    for round_ in range(3):  # kill, restart on the same file, write more, kill again
        with LiveMock("--state", str(state_path), "--quiet") as mock:
            stop = threading.Event()
            writers = [threading.Thread(target=write_until_killed, args=(mock.base_url, ledger, stop, 10 * round_ + w)) for w in range(3)]
            for writer in writers:
                writer.start()
            with pytest.raises(StateError, match="in use"):  # the live mock holds its file
                create_app({"STATE_PATH": str(state_path)})
            time.sleep(random.uniform(0.6, 1.5))
            mock.kill()  # mid-write: some requests are in flight
            stop.set()
            for writer in writers:
                writer.join(timeout=10)
        assert len(ledger.acked) > 20, "the writers barely wrote; the test proves nothing"
        check_state_holds(state_path, ledger)
        ledger.pending.clear()  # an unanswered request may or may not have landed; now it is settled


def check_state_holds(path: Path, ledger: Ledger) -> None:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    app = create_app({"TESTING": True, "STATE_PATH": str(path)})
    app.extensions[EXTENSION].journal.release()
    store = app.extensions[EXTENSION].store
    live = {lead.id: lead.name for lead in store.all_leads()}
    retired = store.retired_ids()
    for lead_id, name in ledger.acked.items():
        allowed = {name, ledger.pending.get(lead_id, name)}  # the unanswered request may have landed
        found = live.get(lead_id) if lead_id in live else (None if lead_id in retired else "missing")
        assert found in allowed, f"{lead_id}: acknowledged {name!r}, pending {ledger.pending.get(lead_id)!r}, found {found!r}"
        ledger.acked[lead_id] = found
