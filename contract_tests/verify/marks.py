"""How a check says what it tests: its rule, whether it writes or needs a second workspace; Schemathesis's checks by rule."""

from __future__ import annotations

import pytest

from ..core.rules import (
    CREATED_AVAILABLE,
    INVALID_REJECTED,
    JSON_EVERYWHERE,
    METHOD_NOT_ALLOWED,
    NO_ID_REUSE,
    NO_SERVER_ERRORS,
    NOT_FOUND_AFTER_DELETE,
    NOT_FOUND_OTHER_WORKSPACE,
    RESPONSES_MATCH_SPEC,
    UNAUTHORIZED,
    VALID_ACCEPTED,
    Rule,
)


def rule(broken: Rule, also: tuple[Rule, ...] = ()) -> pytest.MarkDecorator:
    """Mark a check with the rule it tests; `also`: rules it tests on the side (Schemathesis's checks)."""
    return pytest.mark.leadkit_rule(broken, also=also)


# Marks a check that creates, updates or deletes leads; `--read-only` skips it.
writes = pytest.mark.leadkit_writes
# Marks a check that needs the second workspace's key.
two_workspaces = pytest.mark.leadkit_two_workspaces


# Schemathesis check names, and the rule each one tests.
CHECK_RULES: dict[str, Rule] = {
    "not_a_server_error": NO_SERVER_ERRORS,
    "status_code_conformance": RESPONSES_MATCH_SPEC,
    "content_type_conformance": JSON_EVERYWHERE,
    "response_schema_conformance": RESPONSES_MATCH_SPEC,
    "response_headers_conformance": RESPONSES_MATCH_SPEC,
    "negative_data_rejection": INVALID_REJECTED,
    "positive_data_acceptance": VALID_ACCEPTED,
    "missing_required_header": UNAUTHORIZED,
    "ignored_auth": UNAUTHORIZED,
    "unsupported_method": METHOD_NOT_ALLOWED,
    "allow_header_conformance": METHOD_NOT_ALLOWED,
    "use_after_free": NOT_FOUND_AFTER_DELETE,
    "ensure_resource_availability": CREATED_AVAILABLE,
}
# What the generated phase tests on every response: Schemathesis's checks and the kit's own.
GENERATED_RULES = (*dict.fromkeys(CHECK_RULES.values()), NO_ID_REUSE, NOT_FOUND_OTHER_WORKSPACE)
