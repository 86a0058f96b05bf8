"""Per-request cost of the mock's spec-driven request validation, beside openapi-core's.

Run: .venv/bin/python bench/validation_cost.py
Prints microseconds per call (median of several rounds) for the checks the mock runs on
each request, and for openapi-core's validate_request on the same request, for scale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from werkzeug.test import EnvironBuilder

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import NUMBER, ROUNDS, median, per_call_us, print_table
from mock_server.spec import load_spec
from mock_server.validation import check_body, check_query, compile_checks, parse_json

BODY = json.dumps(
    {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0958", "source": "website",
     "status": "new", "metadata": {"company": "Analytical Engines", "tags": ["math", "poetry"]}}
).encode()


def main() -> None:
    spec = load_spec()
    checks = compile_checks(spec)
    create, listing = checks["createLead"], checks["listLeads"]
    query = {"page": "2", "limit": "25", "status": "new", "search": "ada"}
    spec["servers"] = [{"url": "http://localhost"}]
    openapi = OpenAPI.from_dict(spec)
    request = EnvironBuilder(
        path="/api/v1/leads", method="POST", data=BODY, content_type="application/json",
        headers={"Authorization": "Bearer sk-workspace_your_api_key"}, base_url="http://localhost",
    ).get_request()
    wrapped = WerkzeugOpenAPIRequest(request)
    rows = [
        ("create body: parse_json + schema check (mock)", per_call_us(lambda: check_body(create.body, parse_json(BODY)), median)),
        ("list query: coerce + schema check (mock)", per_call_us(lambda: check_query(listing, query), median)),
        ("create request: openapi-core validate_request", per_call_us(lambda: openapi.validate_request(wrapped), median)),
    ]
    print_table("check", f"µs per request (median of {ROUNDS} × {NUMBER})", rows)


if __name__ == "__main__":
    main()
