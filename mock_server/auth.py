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
    """Set the request's workspace from its key, and return the key; 401 before anything is looked up."""
    key = api_key(call)
    workspace_id = keys.get(key)
    if workspace_id is None:
        raise unauthorized("Invalid API key")
    call.workspace_id = workspace_id
    return key
