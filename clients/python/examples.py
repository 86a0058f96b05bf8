"""Every example openapi.yaml documents, for every operation and status, parsed by the generated client.

Run with the generated `leads_api_client` importable; prints one line per example and exits
non-zero unless each one parses into the model its response names (`LeadNotFoundError` for a
404, ...): never `None`, an `UnexpectedStatus` or a plain dict.
"""

from __future__ import annotations

import datetime
import importlib
import re
import sys
from typing import Any

import httpx

from leads_api_client import Client
from mock_server.spec import load_spec, operations, resolve


TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})")


def module_name(operation_id: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", operation_id).lower()


def comparable(value: Any) -> Any:
    """`value` with its timestamps as datetimes: `.000Z` and `+00:00` name the same instant."""
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if isinstance(value, str) and TIMESTAMP.fullmatch(value):
        return datetime.datetime.fromisoformat(value)
    return value


def main() -> int:
    spec = load_spec()
    client = Client(base_url="http://127.0.0.1", raise_on_unexpected_status=True)
    wrong = 0
    for _path, _method, operation in operations(spec):
        module: Any = importlib.import_module(f"leads_api_client.api.leads.{module_name(operation['operationId'])}")
        for status, response in operation["responses"].items():
            media = resolve(spec, response)["content"]["application/json"]
            model = media["schema"]["$ref"].rsplit("/", 1)[-1]
            for name, example in media["examples"].items():
                value = resolve(spec, example)["value"]
                parsed = module._parse_response(client=client, response=httpx.Response(int(status), json=value))
                ok = type(parsed).__name__ == model and comparable(parsed.to_dict()) == comparable(value)
                wrong += not ok
                print(operation["operationId"], status, name, type(parsed).__name__, "ok" if ok else f"expected {model}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
