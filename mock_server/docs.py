"""Interactive docs at `/docs` and the spec at `/openapi.yaml` and `/openapi.json`.

Swagger UI's files come from the installed flask-swagger-ui package (its `dist/` only), so
the docs work offline. The served spec's `servers` names the mock as the request reached
it, so "Try it out" calls this very mock.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Flask, current_app, request, send_from_directory
from flask.wrappers import Response

from .envelopes import Reply, json_response, success
from .state import SANDBOX_BASE, state

bp = Blueprint("docs", __name__)
EXTENSION = "leadkit.docs"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} — leadkit mock</title>
  <link rel="stylesheet" href="{base}/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="{base}/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{base}/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "{base}/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      tryItOutEnabled: true,
      displayRequestDuration: true,
      validatorUrl: null,
      onComplete: function () {{ window.ui.preauthorizeApiKey("bearerAuth", {key}); }}
    }});
  </script>
</body>
</html>
"""


def swagger_ui_dir() -> Path:
    """Swagger UI's built files, found without importing (or running) the package."""
    found = importlib.util.find_spec("flask_swagger_ui")
    if found is None or not found.submodule_search_locations:
        raise RuntimeError("flask-swagger-ui is not installed; it provides the /docs assets")
    return Path(next(iter(found.submodule_search_locations))) / "dist"


@bp.get("/")
def index() -> Reply:
    """A small JSON index, so a browser pointed at the mock finds its way: the API, docs, spec, admin."""
    base = base_url()
    title = str(state().spec.get("info", {}).get("title", "API"))
    links = {
        "name": f"leadkit mock of the {title}",
        "api": f"{base}/api/v1",
        "docs": f"{base}/docs",
        "spec": f"{base}/openapi.yaml",
        "specJson": f"{base}/openapi.json",
        "admin": f"{base}/__mock/",
    }
    return success(links)


@bp.get("/docs")
@bp.get("/docs/")
def page() -> Response:
    mock = state()
    first_key = json.dumps(mock.fixtures.workspaces[0].api_keys[0]).replace("<", "\\u003c")
    title = str(mock.spec.get("info", {}).get("title", "API")).replace("<", "&lt;")
    sandbox = request.environ.get(SANDBOX_BASE, "")  # a sandbox's page reads that sandbox's spec
    return Response(_PAGE.format(title=title, key=first_key, base=sandbox), mimetype="text/html")


@bp.get("/docs/<path:name>")
def asset(name: str) -> Response:
    return send_from_directory(swagger_ui_dir(), name, max_age=3600)


@bp.get("/openapi.json")
def spec_json() -> Reply:
    return json_response(served_spec(state().spec, base_url()))


@bp.get("/openapi.yaml")
def spec_yaml() -> Response:
    documents: SpecDocuments = current_app.extensions[EXTENSION]
    return Response(documents.yaml(base_url()), mimetype="application/yaml")


def base_url() -> str:
    """The mock as this request reached it: its host, and a sandbox's `/sandboxes/NAME` (by prefix or by header)."""
    sandbox: str = request.environ.get(SANDBOX_BASE, "")
    return request.host_url.rstrip("/") + sandbox


def served_spec(spec: dict[str, Any], base_url: str) -> dict[str, Any]:
    """openapi.yaml as loaded, with `servers` naming this mock at `base_url`."""
    servers = [{"url": base_url, "description": "this leadkit mock"}]
    served = {key: servers if key == "servers" else value for key, value in spec.items()}
    served.setdefault("servers", servers)
    return served


class SpecDocuments:
    """The YAML text per base URL, made once: dumping YAML takes tens of milliseconds."""

    MAX_CACHED = 16  # a few names for this host; the Host header is the client's to choose

    def __init__(self, spec: dict[str, Any]) -> None:
        self._spec = spec
        self._yaml: dict[str, str] = {}

    def yaml(self, base_url: str) -> str:
        text = self._yaml.get(base_url)
        if text is None:
            served = served_spec(self._spec, base_url)
            text = yaml.dump(served, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
            if len(self._yaml) < self.MAX_CACHED:
                self._yaml[base_url] = text
        return text


class _Dumper(yaml.SafeDumper):
    """Keeps multi-line descriptions as `|` blocks, as they are written in openapi.yaml."""


def _str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_Dumper.add_representer(str, _str)


def init_app(app: Flask, spec: dict[str, Any]) -> None:
    swagger_ui_dir()  # fail at start-up, not on the first visit
    app.extensions[EXTENSION] = SpecDocuments(spec)
    app.register_blueprint(bp)
