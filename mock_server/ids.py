"""Lead ids: `lead_` and 16 lowercase hex digits, from a cryptographic source by default."""

from __future__ import annotations

import random
import secrets


class IdSource:
    """Makes candidate ids; the store checks them against every id ever issued."""

    def __init__(self, seed: int | None = None) -> None:
        # A seed trades unpredictability for ids that repeat run to run (snapshot tests).
        self._random = random.Random(seed) if seed is not None else None

    def candidate(self) -> str:
        if self._random is None:
            return "lead_" + secrets.token_hex(8)
        return f"lead_{self._random.getrandbits(64):016x}"
