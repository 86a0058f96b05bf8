"""Schemathesis over openapi.yaml: valid and invalid generated requests for every operation.

Its checks (server errors, status codes, content types, response schemas, rejection of invalid
data, auth) run on every response, with the kit's own: no id reuse, and workspace isolation.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from ...core.rules import RESPONSES_MATCH_SPEC
from ..marks import GENERATED_RULES, rule

schema = schemathesis.pytest.from_fixture("leads_schema")


@rule(RESPONSES_MATCH_SPEC, also=GENERATED_RULES)
@schema.parametrize()
def test_generated_requests(case: Any, fuzzer: Any) -> None:
    fuzzer.send(case)
