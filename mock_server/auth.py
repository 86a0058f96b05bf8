"""Bearer keys resolved once per request into the caller's workspace."""

from __future__ import annotations

from flask import g, request

from .errors import unauthorized


def resolve_workspace(keys: dict[str, str]) -> str:
    """Return the workspace of the request's key; 401 before anything is looked up."""
    header = request.headers.get("Authorization")
    if not header:
        raise unauthorized("Missing API key: send 'Authorization: Bearer <api key>'")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise unauthorized("Unsupported authorization scheme: use 'Bearer <api key>'")
    token = token.strip()
    workspace_id = keys.get(token)
    if workspace_id is None:
        raise unauthorized("Invalid API key")
    g.workspace_id = workspace_id
    g.api_key = token  # what a rate limit counts by
    return workspace_id
