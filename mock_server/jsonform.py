"""JSON as the mock writes it: compact, ASCII-only bytes, one encoder for every body."""

from __future__ import annotations

import json
from typing import Any

_encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def dumps(value: Any) -> bytes:
    """`value` as compact JSON, non-ASCII characters escaped (so the bytes are ASCII)."""
    return _encode(value).encode("ascii")
