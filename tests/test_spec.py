"""openapi.yaml itself: valid, complete for the contract, and its examples true to its schemas."""

from __future__ import annotations

from typing import Any, Iterator

import jsonschema_rs
import pytest
from openapi_spec_validator import validate

from mock_server.spec import json_schema, load_spec, operations
from mock_server.spec import resolve

SPEC = load_spec()
OPERATIONS = {op["operationId"]: op for _path, _method, op in operations(SPEC)}


def test_spec_passes_openapi_spec_validator() -> None:
    validate(SPEC)


def _examples() -> Iterator[Any]:
    """Every named example in the spec with the schema it illustrates."""
    for path, method, op in operations(SPEC):
        bodies = [("request", op.get("requestBody", {}))]
        bodies += [(status, resolve(SPEC, response)) for status, response in op["responses"].items()]
        for where, body in bodies:
            media = body.get("content", {}).get("application/json", {})
            for name, example in media.get("examples", {}).items():
                yield pytest.param(media["schema"], resolve(SPEC, example)["value"], id=f"{op['operationId']}-{where}-{name}")
    for name, response in SPEC["components"]["responses"].items():
        media = response["content"]["application/json"]
        for example_name, example in media["examples"].items():
            yield pytest.param(media["schema"], example["value"], id=f"components-{name}-{example_name}")


@pytest.mark.parametrize(("schema", "value"), list(_examples()))
def test_example_validates_against_its_schema(schema: dict[str, Any], value: Any) -> None:
    validator = jsonschema_rs.validator_for(json_schema(SPEC, schema), validate_formats=True)
    assert [error.message for error in validator.iter_errors(value)] == []


def test_there_are_examples_for_every_operation() -> None:
    covered = {param.id.split("-")[0] for param in _examples()}
    assert set(OPERATIONS) <= covered


@pytest.mark.parametrize(
    ("operation_id", "statuses"),
    [
        ("createLead", {"201", "400", "401", "413", "415", "429", "500"}),
        ("listLeads", {"200", "400", "401", "429", "500"}),
        ("getLead", {"200", "401", "404", "429", "500"}),
        ("updateLead", {"200", "400", "401", "404", "413", "415", "429", "500"}),
        ("deleteLead", {"200", "401", "404", "429", "500"}),
    ],
)
def test_operation_documents_every_error_that_applies(operation_id: str, statuses: set[str]) -> None:
    assert set(OPERATIONS[operation_id]["responses"]) == statuses


@pytest.mark.parametrize(
    ("response", "code"),
    [
        ("LeadNotFound", "LEAD_NOT_FOUND"),
        ("ValidationFailed", "VALIDATION_ERROR"),
        ("Unauthorized", "UNAUTHORIZED"),
        ("NotFound", "NOT_FOUND"),
        ("MethodNotAllowed", "METHOD_NOT_ALLOWED"),
        ("PayloadTooLarge", "PAYLOAD_TOO_LARGE"),
        ("UnsupportedMediaType", "UNSUPPORTED_MEDIA_TYPE"),
        ("RateLimited", "RATE_LIMITED"),
        ("InternalError", "INTERNAL_ERROR"),
    ],
)
def test_each_error_response_pins_its_code(response: str, code: str) -> None:
    media = SPEC["components"]["responses"][response]["content"]["application/json"]
    validator = jsonschema_rs.validator_for(json_schema(SPEC, media["schema"]))
    for example in media["examples"].values():
        assert example["value"]["code"] == code
        assert validator.is_valid(example["value"])
        assert not validator.is_valid({**example["value"], "code": "SOMETHING_ELSE"})
        assert not validator.is_valid({key: value for key, value in example["value"].items() if key != "details"})


@pytest.mark.parametrize(
    ("schema", "closed"),
    [
        ("LeadCreate", True),  # request bodies refuse unknown fields
        ("LeadUpdate", True),
        ("ListedLead", False),  # responses may grow
        ("LeadEnvelope", False),
        ("LeadNotFoundError", False),  # errors too: every error schema is open
        ("ValidationErrorBody", False),
    ],
)
def test_requests_are_closed_and_responses_open(schema: str, closed: bool) -> None:
    assert (SPEC["components"]["schemas"][schema].get("additionalProperties") is False) is closed


@pytest.mark.parametrize(
    ("operation_id", "status", "targets"),
    [
        ("createLead", "201", {"getLead", "updateLead", "deleteLead"}),
        ("deleteLead", "200", {"getLead"}),
    ],
)
def test_links_let_stateful_tools_chain_calls(operation_id: str, status: str, targets: set[str]) -> None:
    links = OPERATIONS[operation_id]["responses"][status]["links"]
    assert {link["operationId"] for link in links.values()} == targets
    assert all(link["parameters"] == {"leadId": "$response.body#/data/id"} for link in links.values())


@pytest.mark.parametrize(
    ("example", "lead_id", "name"),
    [
        ("JohnDoeEnvelope", "lead_1234567890abcdef", "John Doe"),
        ("JaneSmithEnvelope", "lead_0987654321fedcba", "Jane Smith"),
    ],
)
def test_vendor_example_leads_are_named_examples(example: str, lead_id: str, name: str) -> None:
    data = SPEC["components"]["examples"][example]["value"]["data"]
    assert (data["id"], data["name"]) == (lead_id, name)


def test_seed_delete_bodies_are_examples_verbatim() -> None:
    deleted = OPERATIONS["deleteLead"]["responses"]["200"]["content"]["application/json"]["examples"]["deleted"]
    assert deleted["value"] == {
        "success": True,
        "message": "Lead deleted successfully",
        "data": {"id": "lead_1234567890abcdef", "deletedAt": "2024-01-16T15:45:00.000Z"},
    }
    not_found = SPEC["components"]["responses"]["LeadNotFound"]["content"]["application/json"]["examples"]["notFound"]
    assert not_found["value"] == {
        "success": False,
        "error": "Lead not found",
        "code": "LEAD_NOT_FOUND",
        "details": {"leadId": "lead_nonexistent123", "message": "No lead found with this ID in your workspace"},
    }


def test_servers_name_a_real_deployment_first_and_the_local_mock() -> None:
    deployment, mock = SPEC["servers"]
    assert deployment["url"] == "https://{domain}"  # generated clients default to your deployment, not localhost
    assert deployment["variables"]["domain"]["default"] == "your-domain.com"  # as the vendor's pages write it
    assert mock["url"] == "http://127.0.0.1:4010"


def test_every_lead_a_client_is_handed_whole_requires_its_workspace_id() -> None:
    schemas = SPEC["components"]["schemas"]
    assert "workspaceId" in schemas["Lead"]["required"] and "allOf" not in schemas["Lead"]
    assert "workspaceId" not in schemas["ListedLead"]["required"]  # list items may carry it
    assert set(schemas["Lead"]["properties"]) == set(schemas["ListedLead"]["properties"])
