"""`--generate N`: realistic extra leads per workspace from a seeded Faker, for paging UIs."""

from __future__ import annotations

import random
import re
from typing import Any, Iterable

from .clock import format_ms

SOURCES = ("website", "referral", "webinar", "linkedin", "trade_show", "cold_call", "partner", None)
STATUSES = ("new", "contacted", "qualified", "converted", "lost", "follow_up")
STATUS_WEIGHTS = (30, 25, 15, 8, 12, 10)  # a young pipeline: most leads new or contacted
SPREAD_MS = 180 * 24 * 3600 * 1000  # generated leads were created over the last 180 days
# RFC 2606's reserved domains (and names under them): no generated address is anyone's, so
# a test that sends mail to a lead never reaches a real person.
RESERVED_DOMAINS = ("example.com", "example.org", "example.net")
_NOT_IN_EMAIL = re.compile(r"[^a-z0-9]+")
# North American numbers 555-0100 to 555-0199 are set aside for fiction: none rings anyone.
_AREA_CODES = (202, 212, 305, 312, 415, 512, 617, 646, 702, 808)
_PHONE_FORMATS = ("+1 {area} 555 01{line:02d}", "({area}) 555-01{line:02d}", "{area}-555-01{line:02d}", "+1-{area}-555-01{line:02d}")


def generate_leads(
    workspace_ids: Iterable[str], count: int, *, before_ms: int, seed: int | None, taken_ids: set[str]
) -> dict[str, list[dict[str, Any]]]:
    """`count` leads in API form for each workspace, created before `before_ms`.

    The same seed gives the same leads; ids avoid `taken_ids` and each other.
    """
    from faker import Faker  # imported only when asked for: it takes a while to load

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    taken = set(taken_ids)
    generated: dict[str, list[dict[str, Any]]] = {}
    for workspace_id in workspace_ids:
        leads = generated.setdefault(workspace_id, [])
        for _ in range(count):
            lead_id = f"lead_{rng.getrandbits(64):016x}"
            while lead_id in taken:
                lead_id = f"lead_{rng.getrandbits(64):016x}"
            taken.add(lead_id)
            leads.append(_lead(fake, rng, lead_id, before_ms))
    return generated


def _lead(fake: Any, rng: random.Random, lead_id: str, before_ms: int) -> dict[str, Any]:
    first, last = fake.first_name(), fake.last_name()
    company = fake.company()
    reserved = rng.choice(RESERVED_DOMAINS)
    domain = rng.choice([reserved, f"{_NOT_IN_EMAIL.sub('', company.lower())}.{reserved}"])
    local = ".".join(_NOT_IN_EMAIL.sub("", part.lower()) for part in (first, last))
    created = before_ms - rng.randrange(SPREAD_MS)
    updated = created + rng.randrange(before_ms - created) if rng.random() < 0.6 else created
    metadata: dict[str, Any] = {"company": company, "jobTitle": fake.job(), "city": fake.city()}
    if rng.random() < 0.4:
        metadata["budget"] = rng.randrange(1_000, 100_000, 500)
    return {
        "id": lead_id,
        "name": f"{first} {last}",
        "email": f"{local}@{domain}",
        "phone": _phone(rng) if rng.random() < 0.8 else None,
        "source": rng.choice(SOURCES),
        "status": rng.choices(STATUSES, STATUS_WEIGHTS)[0],
        "metadata": metadata,
        "createdAt": format_ms(created),
        "updatedAt": format_ms(updated),
    }


def _phone(rng: random.Random) -> str:
    """A North American number in a usual spelling, always in the fictional 555-01xx range."""
    return rng.choice(_PHONE_FORMATS).format(area=rng.choice(_AREA_CODES), line=rng.randrange(100))
