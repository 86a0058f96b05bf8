"""Every 429 is judged before the kit waits it out: Retry-After and the RATE_LIMITED envelope.

The kit's transport hands each 429 to the rule engine as it arrives, in any check (client.py).
This check gives that rule a home of its own: a quick run of requests, which a deployment with a
tight limit answers in part with 429s. A deployment that never limits passes it with 200s.
"""

from __future__ import annotations

from ...core.rules import RATE_LIMITED_ANSWER
from ...live.api import Api
from ..marks import rule

BURST = 10  # requests back to back: enough to meet a tight limit, few enough for any deployment


@rule(RATE_LIMITED_ANSWER)
def test_a_burst_is_answered_or_properly_rate_limited(api: Api) -> None:
    with api.subject():
        replies = [api.list(limit=1) for _ in range(BURST)]
    # A 429 reaches here only when it outlasted every wait; each one before was judged as it came.
    assert all(reply.status in (200, 429) for reply in replies), [reply.status for reply in replies]
