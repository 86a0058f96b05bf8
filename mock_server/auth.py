"""Bearer keys resolved once per request into the caller's workspace."""

from __future__ import annotations

from flask import g, request

from .errors import unauthorized


def api_key() -> str:
    """The request's bearer token; 401 when there is none."""
    header = request.headers.get("Authorization")
    if not header:
        raise unauthorized("Missing API key: send 'Authorization: Bearer <api key>'")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise unauthorized("Unsupported authorization scheme: use 'Bearer <api key>'")
    return token.strip()


def resolve_workspace(keys: dict[str, str]) -> str:
    """Return the workspace of the request's key; 401 before anything is looked up."""
    workspace_id = keys.get(api_key())
    if workspace_id is None:
        raise unauthorized("Invalid API key")
    g.workspace_id = workspace_id
    return workspace_id
