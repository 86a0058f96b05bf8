"""`--seed N` repeats ids and timestamps run to run; `--generate N` adds realistic leads."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from flask.testing import FlaskClient

from mock_server import ConfigError, create_app
from mock_server.spec import json_schema
from tests.conftest import Api


def session(**settings: Any) -> list[dict[str, Any]]:
    """What a snapshot test would see: three creates, an update and a delete, on a fresh mock."""
    api = Api(create_app({"TESTING": True, **settings}).test_client())
    made = [api.create_lead(name=f"Lead {n}") for n in range(3)]
    made.append(api.update(made[0]["id"], {"status": "lost"}).json["data"])  # type: ignore[index]
    made.append(api.delete(made[1]["id"]).json["data"])  # type: ignore[index]
    return made


def test_the_same_seed_gives_the_same_ids_and_timestamps() -> None:
    assert session(SEED=42) == session(SEED=42)


def test_another_seed_gives_other_ids() -> None:
    assert [lead["id"] for lead in session(SEED=1)[:3]] != [lead["id"] for lead in session(SEED=2)[:3]]


def test_without_a_seed_ids_differ_run_to_run() -> None:
    assert [lead["id"] for lead in session()[:3]] != [lead["id"] for lead in session()[:3]]


def listing(client: FlaskClient, key_headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    api = Api(client, key_headers)
    leads: list[dict[str, Any]] = []
    for page in range(1, 5):
        leads += api.list(limit=100, page=page).json["data"]["leads"]  # type: ignore[index]
    return leads


def test_generate_adds_n_leads_to_every_workspace() -> None:
    app = create_app({"TESTING": True, "GENERATE": 50})
    api = Api(app.test_client())
    assert api.list().json["data"]["pagination"]["total"] == 28 + 50  # type: ignore[index]
    second = api.as_key("sk-workspace_second_api_key")
    assert second.list().json["data"]["pagination"]["total"] == 4 + 50  # type: ignore[index]


def test_generated_leads_are_realistic_and_valid(spec: dict[str, Any]) -> None:
    app = create_app({"TESTING": True, "GENERATE": 60, "SEED": 9})
    leads = listing(app.test_client())
    generated = [lead for lead in leads if lead["metadata"].get("jobTitle")]
    assert len(generated) == 60
    create_schema = jsonschema_rs.validator_for(json_schema(spec, {"$ref": "#/components/schemas/LeadCreate"}), validate_formats=True)
    for lead in generated:
        writable = {k: lead[k] for k in ("name", "email", "phone", "source", "status", "metadata")}
        assert create_schema.is_valid(writable), lead  # a client could have created it
        first, last = lead["name"].lower().split(" ", 1)
        assert lead["email"].startswith(first)  # the address belongs to the person
    assert len({lead["status"] for lead in generated}) >= 4  # a spread for filter UIs
    assert len({lead["name"] for lead in generated}) >= 55


def test_generated_leads_repeat_with_the_seed_and_come_back_on_reset() -> None:
    first = create_app({"TESTING": True, "GENERATE": 20, "SEED": 4})
    again = create_app({"TESTING": True, "GENERATE": 20, "SEED": 4})
    assert listing(first.test_client()) == listing(again.test_client())
    api = Api(first.test_client())
    victim = listing(first.test_client())[0]["id"]
    api.delete(victim)
    FlaskClient(first).post("/__mock/reset")
    assert api.get(victim).status_code == 200


@pytest.mark.parametrize(
    "count",
    [
        "many",  # not a number
        -3,  # negative
        1.5,  # not whole
    ],
)
def test_a_bad_generate_count_is_refused(count: Any) -> None:
    with pytest.raises(ConfigError, match="GENERATE"):
        create_app({"GENERATE": count})
