"""Schemathesis stateful runs through the spec's links: create, then read, update and delete what it made.

Here `use_after_free` (a deleted lead still answers) and `ensure_resource_availability` (a lead
just created cannot be found) join the other checks.
"""

from __future__ import annotations

from typing import Any

from ...core.rules import CREATED_AVAILABLE
from ..marks import GENERATED_RULES, rule, writes


@rule(CREATED_AVAILABLE, also=GENERATED_RULES)
@writes
def test_linked_sequences(fuzzer: Any, leads_schema: Any) -> None:
    fuzzer.run_stateful(leads_schema)
