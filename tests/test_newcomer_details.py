"""Details a newcomer trips on: test data that cannot reach a real person, a seeded export that
repeats, docs that link nowhere real, and `--record` that says what it records and where."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import requests
from livemock import LiveMock

from mock_server import create_app
from tests.conftest import Api

# RFC 2606: example.com, example.net, example.org and the .example top-level domain.
RESERVED = re.compile(r"(^|\.)(example\.(com|net|org)|example)$")
# NANP numbers 555-0100 to 555-0199 are set aside for fiction.
FICTIONAL_PHONE = re.compile(r"\b555[- ]01\d\d\b")


def emails_of(document: dict[str, Any]) -> list[str]:
    return [lead["email"] for workspace in document["workspaces"] for lead in workspace["leads"]]


def test_fixture_emails_use_reserved_domains_only() -> None:
    document = json.loads((Path(__file__).parent.parent / "fixtures" / "default.json").read_text())
    emails = emails_of(document)
    assert len(emails) == 32
    assert [email for email in emails if not RESERVED.search(email.rpartition("@")[2])] == []


def test_generated_leads_have_reserved_emails_and_fictional_phones() -> None:
    app = create_app({"TESTING": True, "GENERATE": 200, "SEED": 7})
    leads = Api(app.test_client()).list(limit=100).json["data"]["leads"]  # type: ignore[index]
    assert len(leads) == 100
    assert [lead["email"] for lead in leads if not RESERVED.search(lead["email"].rpartition("@")[2])] == []
    phones = [lead["phone"] for lead in leads if lead["phone"] is not None and lead["source"] != "leadkit-test"]
    generated = [phone for phone in phones if phone not in FIXTURE_PHONES]
    assert len(generated) > 50
    assert [phone for phone in generated if not FICTIONAL_PHONE.search(phone)] == []


FIXTURE_PHONES = {
    lead.get("phone")
    for workspace in json.loads((Path(__file__).parent.parent / "fixtures" / "default.json").read_text())["workspaces"]
    for lead in workspace["leads"]
}


def test_a_seeded_export_repeats_and_does_not_move_the_clock() -> None:
    def run() -> tuple[dict[str, Any], dict[str, Any]]:
        app = create_app({"TESTING": True, "SEED": 3})
        client = app.test_client()
        exported = client.get("/__mock/state").json
        made = Api(client).create_lead(name="After the export")
        return exported, made  # type: ignore[return-value]

    (first, lead), (again, same) = run(), run()
    assert first["exportedAt"] == again["exportedAt"]
    assert lead["createdAt"] == same["createdAt"]
    unexported = Api(create_app({"TESTING": True, "SEED": 3}).test_client()).create_lead(name="After the export")
    assert unexported["createdAt"] == lead["createdAt"]  # reading the export's time took no tick


def test_docs_link_to_no_made_up_domain() -> None:
    served = create_app({"TESTING": True}).test_client().get("/openapi.json").get_data(as_text=True)
    assert "your-domain.com" not in served


def test_mock_record_says_where_it_records_and_what_it_wrote(tmp_path: Path) -> None:
    har = tmp_path / "dev.har"
    out = tmp_path / "mock.out"
    with open(out, "w") as output, LiveMock("--quiet", "--record", str(har), output=output) as mock:
        requests.get(f"{mock.base_url}/api/v1/leads", headers={"Authorization": "Bearer sk-workspace_your_api_key"}, timeout=10)
        assert mock.stop() == 0
    said = out.read_text()
    assert f"recording API traffic to {har}" in said, said
    assert f"wrote 1 exchange to {har}" in said, said
