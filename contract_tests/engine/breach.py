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
    earlier: Exchange | Seen | None = None


class Seen:
    """What a finding shows of an exchange it was compared with (`Breach.earlier`): never its headers or bodies,
    so what the cross-exchange rules remember of each lead stays small."""

    __slots__ = ("method", "url", "status", "number")

    def __init__(self, method: str, url: str, status: int, number: int | None) -> None:
        self.method, self.url, self.status, self.number = method, url, status, number

    @classmethod
    def of(cls, exchange: Exchange | Seen) -> Seen:
        return exchange if isinstance(exchange, Seen) else cls(exchange.method, exchange.url, exchange.status, exchange.number)
