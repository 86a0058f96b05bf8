"""Bearer keys resolved once per request into the caller's workspace."""

from __future__ import annotations

from .call import Call
from .errors import unauthorized


def api_key(call: Call) -> str:
    """The request's bearer token; 401 when there is none."""
    header = call.header("Authorization")
    if not header:
        raise unauthorized("Missing API key: send 'Authorization: Bearer <api key>'")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise unauthorized("Unsupported authorization scheme: use 'Bearer <api key>'")
    return token.strip()


def resolve_workspace(call: Call, keys: dict[str, str]) -> str:
    """Set and return the workspace of the request's key; 401 before anything is looked up."""
    workspace_id = keys.get(api_key(call))
    if workspace_id is None:
        raise unauthorized("Invalid API key")
    call.workspace_id = workspace_id
    return workspace_id
