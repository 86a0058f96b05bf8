"""The proxy's limits and timeouts, each a flag of `leadkit proxy`: what one client or one upstream can cost it."""

from __future__ import annotations

import resource
from dataclasses import dataclass, field

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Every bound the proxy keeps, with its default; `leadkit proxy --help` and the README name each flag."""

    upstream_timeout: float = 30.0  # --upstream-timeout: no whole answer by then is a 502 (e2e frameworks give up at 30 s)
    max_header_bytes: int = 2 * MiB  # --max-header-bytes: a request's header block over this is the proxy's own 431
    grace: float = 5.0  # --grace: on a stop, requests under way get this long to be answered; the rest are cut off and listed
    findings_per_rule: int = 100  # --findings-per-rule: findings kept with their evidence per rule; all are counted
    page: int = 100  # GET /__proxy/violations answers at most this many a page (?limit= up to 1000)
    write_buffer: int = 1 * MiB  # answers waiting for a client that does not read: over this, no further request of its is taken
    body_kept: int = 64 * 1024  # a request body over this is kept (for /__proxy/har) as an excerpt with its size and digest
    idle_timeout: float = 60.0  # --idle-timeout: a client connection with no request under way this long is closed
    header_timeout: float = 10.0  # --header-timeout: a request's header block not whole this long after its first byte: 408
    body_timeout: float = 30.0  # --body-timeout: a request body with no byte of it arriving this long: 408
    upstream_connections: int = 256  # --upstream-connections: connections to the target at once; requests beyond wait their turn
    max_connections: int = field(default_factory=lambda: fd_share())  # --max-connections: clients over it get the proxy's own 503


def fd_share() -> int:
    """Client connections the open-files limit leaves room for: half of it, less a margin (the other half is the upstream's)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft > 1_000_000:
        soft = 1_000_000
    return max(8, (soft - 64) // 2)
