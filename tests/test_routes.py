"""The API's routes come from openapi.yaml's paths, and a spec the mock cannot serve stops start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mock_server import create_app
from mock_server.errors import ApiError
from mock_server.routes import Route, Routes
from mock_server.spec import load_spec

SPEC = load_spec()
ROUTES = Routes(SPEC)


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/api/v1/leads", Route("listLeads", {})),
        ("POST", "/api/v1/leads", Route("createLead", {})),
        ("GET", "/api/v1/leads/lead_1", Route("getLead", {"leadId": "lead_1"})),
        ("PUT", "/api/v1/leads/lead_1", Route("updateLead", {"leadId": "lead_1"})),
        ("DELETE", "/api/v1/leads/lead_1", Route("deleteLead", {"leadId": "lead_1"})),
        ("HEAD", "/api/v1/leads/lead_1", Route("getLead", {"leadId": "lead_1"})),  # HEAD is GET without a body
        ("GET", "/api/v1/leads/", Route("getLead", {"leadId": ""})),  # `{leadId}` may be empty
        ("GET", "/api/v1/leads/é", Route("getLead", {"leadId": "é"})),  # decoded text in, as given
        ("GET", "/api/v1/leads/a/b", None),  # a parameter is one segment
        ("GET", "/api/v1//leads", None),  # no merging of slashes
        ("GET", "/api/v1/leads/lead_1/", None),
        ("GET", "/API/v1/leads", None),  # paths are case-sensitive
        ("GET", "/__mock/", None),  # not the API's: Flask's
    ],
)
def test_requests_route_to_the_specs_operations(method: str, path: str, expected: Route | None) -> None:
    assert ROUTES.match(method, path) == expected


def test_a_wrong_method_is_a_405_naming_the_paths_methods() -> None:
    with pytest.raises(ApiError) as refused:
        ROUTES.match("PATCH", "/api/v1/leads/lead_1")
    assert refused.value.status == 405
    assert refused.value.headers == {"Allow": "DELETE, GET, PUT"}


def test_paths_with_several_parameters_and_dots_are_matched_literally() -> None:
    spec = {"paths": {"/v1.0/{a}/notes/{b}": {"get": {"operationId": "note"}}}}
    routes = Routes(spec)
    assert routes.match("GET", "/v1.0/x/notes/y") == Route("note", {"a": "x", "b": "y"})
    assert routes.match("GET", "/v100/x/notes/y") is None  # the dot is a dot


def test_the_more_literal_template_wins_and_a_405_needs_every_match_to_refuse() -> None:
    spec = {
        "paths": {
            "/a/{x}/{y}": {"get": {"operationId": "pair"}},  # listed first, yet less specific
            "/a/{x}/c": {"get": {"operationId": "cee"}, "post": {"operationId": "postCee"}},
        }
    }
    routes = Routes(spec)
    assert routes.match("GET", "/a/1/c") == Route("cee", {"x": "1"})
    assert routes.match("GET", "/a/1/d") == Route("pair", {"x": "1", "y": "d"})
    with pytest.raises(ApiError) as refused:
        routes.match("DELETE", "/a/1/c")
    assert refused.value.headers == {"Allow": "GET, POST"}
    only_post = Routes({"paths": {"/a/{x}/c": {"post": {"operationId": "postCee"}}, "/a/{x}/{y}": {"get": {"operationId": "pair"}}}})
    assert only_post.match("GET", "/a/1/c") == Route("pair", {"x": "1", "y": "c"})  # another template takes GET


def test_an_operation_without_a_view_stops_start_up(tmp_path: Path) -> None:
    spec = load_spec()
    spec["paths"]["/api/v1/leads/{leadId}"]["patch"] = {"operationId": "patchLead", "responses": {"200": {"description": "ok"}}}
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(RuntimeError, match="patchLead"):
        create_app({"SPEC_PATH": str(path)})
