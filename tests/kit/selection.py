"""Which of the kit's hand-written checks test a rule, as a `-k` expression that runs only them."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

import contract_tests.verify.checks

GENERATED_MODULES = ("test_generated", "test_stateful")  # Schemathesis: their verdicts depend on the seed

# Rules a check names without testing them itself: a response that breaks openapi.yaml fails
# whichever check received it. These are the checks that receive such responses every run.
SEEN_BY = {
    "json-content-type": ["test_unknown_route_is_json_404"],
    "responses-match-openapi": ["test_unknown_id_answers_404", "test_invalid_create_is_400_naming_the_field"],
}


def _rule_ids(marks: list[Any]) -> set[str]:
    return {mark.args[0].id for mark in marks if getattr(mark, "name", None) == "leadkit_rule"}


@cache
def _checks_by_rule() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(contract_tests.verify.checks.__path__):
        if not info.name.startswith("test_") or info.name in GENERATED_MODULES:
            continue
        module = importlib.import_module(f"contract_tests.verify.checks.{info.name}")
        module_marks = getattr(module, "pytestmark", [])
        module_marks = module_marks if isinstance(module_marks, list) else [module_marks]
        for name, check in vars(module).items():
            if name.startswith("test_") and callable(check):
                for rule_id in _rule_ids(module_marks + getattr(check, "pytestmark", [])):
                    found.setdefault(rule_id, []).append(name)
    return found


def checks_of(rule_id: str) -> str:
    """`-k` for the hand-written checks that test `rule_id` (or see it broken every run)."""
    names = _checks_by_rule().get(rule_id, []) + SEEN_BY.get(rule_id, [])
    if not names:
        raise LookupError(f"no hand-written check tests {rule_id}")
    return " or ".join(sorted(set(names)))
