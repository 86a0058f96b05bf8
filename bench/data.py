"""Large fixture files for the benchmark, in the format of fixtures/default.json."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from .harness import KEY, WORK

WORKSPACE = "ws_your_workspace_id"  # the default fixtures' key and workspace, so curl examples work
SIZES = (1_000, 100_000)  # the generated stores the benchmark loads
LARGEST = SIZES[-1]
SEARCH = "garcia"  # one surname in 16: a selective but not tiny search
_FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Luis"]
_LAST = ["Smith", "Jones", "Garcia", "Miller", "Davis", "Lopez", "Wilson", "Moore",
         "Taylor", "Thomas", "Martin", "Lee", "Walker", "Hall", "Young", "King"]  # fmt: skip
_STATUSES = ["new", "contacted", "qualified", "converted", "lost", "follow_up"]
_SOURCES = ["website", "referral", "webinar", "ads", None]
_START_S = 1_704_067_200  # 2024-01-01T00:00:00Z


def lead_id(i: int) -> str:
    return f"lead_{i:016x}"


def middle_lead(count: int) -> str:
    """A lead neither first nor last in any index: the GET target."""
    return lead_id(count // 2)


def fixture_file(count: int) -> Path:
    """bench/.work/fixtures-<count>.json, made once, the same every time (seeded)."""
    path = WORK / f"fixtures-{count}.json"
    if path.exists():
        return path
    rng = random.Random(count)
    leads = []
    for i in range(count):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        stamp = _timestamp(_START_S + i * 60 + rng.randrange(60), rng.randrange(1000))
        leads.append(
            {
                "id": lead_id(i),
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower()}{i}@example.com",
                "phone": f"+1-555-{rng.randrange(10_000):04d}" if rng.random() < 0.7 else None,
                "source": rng.choice(_SOURCES),
                "status": rng.choice(_STATUSES),
                "metadata": {"company": f"Company {i % 997}", "score": rng.randrange(100)},
                "createdAt": stamp,
                "updatedAt": stamp,
            }
        )
    document = {"workspaces": [{"id": WORKSPACE, "name": f"bench, {count} leads", "apiKeys": [KEY], "leads": leads}]}
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document))
    tmp.rename(path)
    return path


def _timestamp(seconds: int, millis: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"
