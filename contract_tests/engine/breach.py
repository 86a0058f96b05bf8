"""What a rule found wrong with one exchange."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.exchange import Exchange
from ..core.rules import Rule


@dataclass(frozen=True)
class Breach:
    """`rule` broken by `exchange`; `earlier` is the exchange it was compared with, if any."""

    rule: Rule
    message: str
    exchange: Exchange
    earlier: Exchange | None = None
