"""What verify's generated phase generates under a seed, and its verdict: `python seed_cases.py [--max-examples N] SEED ...`.

Runs the generated and stateful checks against an in-process mock, once per seed in this one
process, and prints one JSON line per run: the seed, the exit code, the broken rules, and the
cases as Hypothesis drew them (before the kit steers a write at a lead of its own). Generated
cases are listed in the order drawn; the stateful ones per state machine, lead ids written
`lead_*` (they come from the server's answers). Imports only the installed leadkit, so the
same script serves an editable and a non-editable install.
"""

from __future__ import annotations

import io
import json
import re
import sys
import threading
from pathlib import Path
from typing import Any

import contract_tests
from contract_tests.verify import fuzz
from contract_tests.live.target import Target
from contract_tests.verify.run import verify
from mock_server import create_app

GENERATED = "generated or stateful"
LEAD_ID = re.compile(r"lead_[0-9a-f]{16}")


def drawn(case: Any) -> str:
    """A case as drawn, as one line of JSON."""
    fields = [case.operation.label, case.path_parameters, dict(case.headers or {}), case.query, case.body, case.media_type]
    return LEAD_ID.sub("lead_*", json.dumps(fields, sort_keys=True, default=lambda value: type(value).__name__))


def run(seed: int, max_examples: int) -> dict[str, Any]:
    generated: list[str] = []
    stateful: dict[str, list[str]] = {}
    lock = threading.Lock()
    sending = threading.local()
    send, steer = fuzz.Fuzzer.send, fuzz.Fuzzer.steer

    def record_send(self: fuzz.Fuzzer, case: Any) -> None:
        generated.append(drawn(case))  # on the thread Hypothesis draws on, in its order
        sending.now = True
        try:
            send(self, case)
        finally:
            sending.now = False

    def record_steer(self: fuzz.Fuzzer, case: Any) -> None:
        name = threading.current_thread().name
        if not getattr(sending, "now", False) and not name.startswith("leadkit-generated"):
            with lock:  # a stateful step, on its state machine's thread
                stateful.setdefault(name, []).append(drawn(case))
        steer(self, case)

    fuzz.Fuzzer.send, fuzz.Fuzzer.steer = record_send, record_steer  # type: ignore[method-assign]
    try:
        target = Target(
            base_url="http://seed-cases.invalid",
            api_key="sk-workspace_your_api_key",
            second_api_key="sk-workspace_second_api_key",
            app=create_app({"TESTING": True}),
            seed=seed,
            max_examples=max_examples,
        )
        outcome = verify(target, out=io.StringIO(), select=GENERATED)
    finally:
        fuzz.Fuzzer.send, fuzz.Fuzzer.steer = send, steer  # type: ignore[method-assign]
    return {
        "seed": seed,
        "installed": str(Path(contract_tests.__file__).parent),  # which leadkit ran: the editable one or a wheel's
        "exit_code": outcome.exit_code,
        "broken": sorted(outcome.broken_rules),
        "generated": generated,
        "stateful": sorted(stateful.values()),  # the machines run at once, on threads named in no fixed order
    }


def main(argv: list[str]) -> int:
    max_examples = 10
    if argv[:1] == ["--max-examples"]:
        max_examples, argv = int(argv[1]), argv[2:]
    for seed in argv:
        print(json.dumps(run(int(seed), max_examples)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
