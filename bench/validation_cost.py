"""Per-request cost of the mock's spec-driven request validation, beside openapi-core's.

Run: .venv/bin/python bench/validation_cost.py
Prints microseconds per call (median of several rounds) for the checks the mock runs on
each request, and for openapi-core's validate_request on the same request, for scale.
"""

from __future__ import annotations

import json
import statistics
import timeit

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from werkzeug.test import EnvironBuilder

from mock_server.spec import load_spec
from mock_server.validation import check_body, check_query, compile_checks, parse_json

ROUNDS, NUMBER = 7, 2000
BODY = json.dumps(
    {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0958", "source": "website",
     "status": "new", "metadata": {"company": "Analytical Engines", "tags": ["math", "poetry"]}}
).encode()


def per_call_us(func: object) -> float:
    times = timeit.repeat(func, repeat=ROUNDS, number=NUMBER)  # type: ignore[arg-type]
    return statistics.median(times) / NUMBER * 1e6


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
        ("create body: parse_json + schema check (mock)", per_call_us(lambda: check_body(create.body, parse_json(BODY)))),
        ("list query: coerce + schema check (mock)", per_call_us(lambda: check_query(listing, query))),
        ("create request: openapi-core validate_request", per_call_us(lambda: openapi.validate_request(wrapped))),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'check'.ljust(width)}  µs per request (median of {ROUNDS} × {NUMBER})")
    for name, micros in rows:
        print(f"{name.ljust(width)}  {micros:8.1f}")


if __name__ == "__main__":
    main()
