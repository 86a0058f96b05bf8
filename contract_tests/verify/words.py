"""A failed `assert` in a check, said in words: what the contract expected and what came instead.

Never pytest's assertion rewriting ("assert 501 == 201 + where 501 = Reply(...)"): the failing
statement is read back from the traceback, its condition named in words where the kit knows the
idiom, and "what came" taken from the response the check last received.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from ..core.exchange import Exchange
from ..evidence.text import one_line

# The kit's own idioms (expect.py), in the contract's words.
IDIOMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^is_seed_not_found\("), "the seed's 404 body for that id (LEAD_NOT_FOUND, 'Lead not found', details.leadId and message)"),
    (re.compile(r"""^is_error\([^,]+, ['"](\w+)['"]\)$"""), "an error envelope {{success: false, error, code: {0}, details}}"),
    (re.compile(r"^names_field\(.*, (\w+|'\w+')\)$"), "details.errors naming the field at fault"),
    (re.compile(r"^is_lead\("), "a whole lead: every contract field, a well-formed id and timestamps"),
    (re.compile(r"^TIMESTAMP\.fullmatch\("), "a timestamp like 2024-01-15T10:30:00.000Z"),
]
STATUS = re.compile(r"^[\w.\[\]'\"()]*\.status == (\d+)$")
STATUS_PAIR = re.compile(r"^\(([\w.]+)\.status, ([\w.]+)\.status\) == \((\d+), (\d+)\)$")


def failed_assert_in_words(excinfo: Any, last: Exchange | None) -> str | None:
    """"expected …; got …" for an AssertionError raised by an `assert` in a check, else None."""
    if not isinstance(excinfo.value, AssertionError) or type(excinfo.value) is not AssertionError:
        return None
    node = _assert_statement(excinfo)
    if node is None:
        return None
    condition = ast.unparse(node.test)
    expected, status_check = _expected(condition)
    got = _got(excinfo.value, node, last, status_check)
    return f"expected {expected}; got {got}"


def _assert_statement(excinfo: Any) -> ast.Assert | None:
    try:
        source = str(excinfo.traceback[-1].statement).strip()
        tree = ast.parse(source)
    except (SyntaxError, IndexError, ValueError):
        return None
    node = tree.body[0] if tree.body else None
    return node if isinstance(node, ast.Assert) else None


def _expected(condition: str) -> tuple[str, bool]:
    if match := STATUS.match(condition):
        return f"status {match[1]}", True
    if match := STATUS_PAIR.match(condition):
        return f"status {match[3]} for both requests", False
    for pattern, words in IDIOMS:
        if match := pattern.match(condition):
            return words.format(*match.groups()), False
    return f"`{condition}` to hold", False


def _got(error: AssertionError, node: ast.Assert, last: Exchange | None, status_check: bool) -> str:
    if status_check and last is not None:
        return f"{last.status} (the response below)"
    if node.msg is not None and error.args:
        shown = error.args[0]
        text = shown if isinstance(shown, str) else repr(shown)
        text = text.split("\nassert ", 1)[0]  # pytest's rewriting, when it ran, appends its explanation
        if text.strip():
            return one_line(text, 200)
    if last is not None:
        return f"something else: the last response was {last.status} (below)"
    return "something else"
