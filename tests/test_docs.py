"""`/docs` (Swagger UI from an installed package) and the spec served with this mock as its server."""

from __future__ import annotations

import re
from typing import Any

import yaml
from flask.testing import FlaskClient

from mock_server.docs import swagger_ui_dir
from tests.conftest import KEY


def test_docs_page_loads_only_its_own_assets(admin: FlaskClient) -> None:
    response = admin.get("/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    urls = re.findall(r'(?:src|href|url)\s*[=:]\s*"([^"]+)"', page)
    assert "/openapi.json" in urls and "/docs/swagger-ui-bundle.js" in urls
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls  # nothing from the network


def test_docs_assets_come_from_the_installed_package(admin: FlaskClient) -> None:
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        response = admin.get(f"/docs/{name}")
        assert response.status_code == 200
        assert response.get_data() == (swagger_ui_dir() / name).read_bytes()
        response.close()


def test_docs_try_it_out_is_authorized_with_the_first_key(admin: FlaskClient) -> None:
    assert f'preauthorizeApiKey("bearerAuth", "{KEY}")' in admin.get("/docs").get_data(as_text=True)


def test_an_unknown_docs_asset_is_a_json_404(admin: FlaskClient) -> None:
    response = admin.get("/docs/nothing.js")
    assert response.status_code == 404 and response.json["code"] == "NOT_FOUND"  # type: ignore[index]


def test_openapi_json_names_the_mock_as_reached_as_its_server(admin: FlaskClient, spec: dict[str, Any]) -> None:
    served = admin.get("/openapi.json", base_url="http://mock.test:9123").json
    assert served["servers"] == [{"url": "http://mock.test:9123", "description": "this leadkit mock"}]  # type: ignore[index]
    assert {**served, "servers": None} == {**spec, "servers": None}  # type: ignore[dict-item]


def test_openapi_yaml_is_the_same_document(admin: FlaskClient) -> None:
    response = admin.get("/openapi.yaml", base_url="http://127.0.0.1:4999")
    assert response.mimetype == "application/yaml"
    text = response.get_data(as_text=True)
    assert yaml.safe_load(text) == admin.get("/openapi.json", base_url="http://127.0.0.1:4999").json
    assert "description: |" in text  # multi-line text stays readable
