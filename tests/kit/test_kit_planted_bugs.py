"""Proof that the checks can fail: each planted bug makes verify fail and name the rule it breaks.

The broken servers run in this process (WSGI), each through the hand-written checks; the bugs
only generated requests find go through the Schemathesis phase instead.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from broken_servers import BUGS
from kit_helpers import HAND_WRITTEN, in_process, run_verify
from planting import Planted, answer, mock
from selection import checks_of
from werkzeug.wrappers import Request, Response

from contract_tests.verify.run import Reports

GENERATED = "generated or stateful"
SEEDS = (1, 2, 3)  # every planted bug must be caught under each of these `--seed` values


@pytest.mark.parametrize("seed", SEEDS)
def test_the_clean_mock_passes_every_check(seed: int) -> None:
    # --require-coverage too: every status a conforming deployment must show was seen (not 429 or 5xx)
    outcome = run_verify(in_process(mock(), seed=seed), reports=Reports(require_coverage=True))
    assert outcome.exit_code == 0, outcome.summary
    assert "Partial run" not in outcome.summary and "deselected" not in outcome.summary  # a whole run says nothing of the kind
    # Every rule listed was judged (the engine's on the run's traffic too), and none that verify never judges is listed.
    rules = {rule.id: rule for rule in outcome.report.rules}
    assert {rule.status for rule in rules.values()} == {"passed"}, [(r.id, r.status, r.reason) for r in rules.values() if r.status != "passed"]
    assert not any(rule_id.startswith("replay-") for rule_id in rules)
    assert rules["not-found-envelope"].checked > 0 and rules["deleted-at-after-updates"].checked > 0
    assert not outcome.findings.skipped, outcome.summary


def test_a_rate_limited_server_still_passes() -> None:
    """429 with Retry-After is the contract's own answer: the kit waits and asks again."""
    seen = itertools.count(1)

    def every_fifth(request: Request, body: bytes, environ: dict[str, Any]) -> Response | None:
        if next(seen) % 5:
            return None
        return answer(429, {"success": False, "error": "Slow down", "code": "RATE_LIMITED", "details": {}}, {"Retry-After": "0"})

    outcome = run_verify(in_process(Planted(mock(), before=every_fifth)), select=HAND_WRITTEN)
    assert outcome.exit_code == 0, outcome.summary
    assert next(seen) > 500  # some hundred answers were 429


HAND_WRITTEN_SWEEP = [
    ("keeps-deleted", "not-found-after-delete"),  # GET after delete answers 200 with the old lead
    ("reuses-ids", "no-id-reuse"),  # the next create gets the last deleted id
    ("counts-deleted", "list-after-delete"),  # totals still count deleted leads
    ("replaces-metadata", "update-merge-patch"),  # metadata replaced instead of merged
    ("null-keeps-phone-and-source", "update-null-clears"),  # null leaves phone and source as they were
    ("keeps-updated-at", "update-timestamps"),  # updatedAt never moves
    ("created-at-moves-on-update", "update-timestamps"),  # createdAt follows updatedAt
    ("refused-update-partly-applied", "refused-update-changes-nothing"),  # a 400 PUT still writes
    ("ignores-status-filter", "filter-status"),  # status= filters nothing
    ("source-prefix-match", "filter-source"),  # source= matches prefixes
    ("case-sensitive-search", "filter-search"),  # search= minds case
    ("oldest-first", "list-order"),  # the list runs oldest first
    ("total-pages-rounded-down", "pagination-arithmetic"),  # totalPages = total // limit
    ("limit-over-100-accepted", "list-query-values"),  # limit=101 quietly taken as 100
    ("lists-every-workspace", "other-workspace-unlisted"),  # the list shows every workspace's leads
    ("reads-across-workspaces", "other-workspace-not-found"),  # another workspace's lead readable
    ("deletes-across-workspaces", "other-workspace-not-found"),  # another workspace's lead deletable
    ("malformed-id-is-400", "not-found-malformed-id"),  # a malformed id is 400, not the seed's 404
    ("wrong-delete-message", "delete-envelope"),  # DELETE says "Lead removed"
    ("success-as-string", "create-envelope"),  # success is "true", a string
    ("error-without-code", "responses-match-openapi"),  # errors carry no code
    ("validation-errors-name-no-field", "validation-error"),  # 400 without the field at fault
    ("forbidden-instead-of-401", "unauthorized"),  # 403 instead of 401
    ("no-www-authenticate", "unauthorized"),  # 401 without WWW-Authenticate
    ("lowercase-bearer-refused", "unauthorized"),  # the scheme name taken case-sensitively
    ("lookup-before-auth", "unauthorized"),  # without a key, missing and existing leads answer differently
    ("no-allow-header", "method-not-allowed"),  # 405 without Allow
    ("no-body-size-limit", "payload-too-large"),  # bodies over 1 MiB accepted
    ("text-plain-accepted", "unsupported-media-type"),  # a text/plain body read as JSON
    ("charset-parameter-refused", "unsupported-media-type"),  # application/json; charset=utf-8 is a 415
    ("json-header-without-body-refused", "json-header-without-body"),  # the seed's GET with a JSON header is a 400
    ("html-unknown-route", "json-content-type"),  # an HTML 404 for unknown routes
    ("server-error-on-letter-in-phone", "phone-source-any-text"),  # once only generated phones held letters
    ("loses-concurrent-updates", "concurrent-updates-all-apply"),  # read-modify-write without a lock
    ("same-updated-at-for-simultaneous-puts", "concurrent-updates-ordered"),  # stamps from a stale read
    ("simultaneous-deletes-all-200", "concurrent-delete-once"),  # check-then-delete: every DELETE says 200
    ("same-id-for-simultaneous-creates", "concurrent-creates-distinct-ids"),  # ids from a count read too early
    ("name-length-in-utf16-units", "name-length-code-points"),  # JavaScript's .length: 200 emoji refused
    ("name-length-in-characters-seen", "name-length-code-points"),  # 201 code points in 101 characters taken
    ("server-error-on-astral-text", "unicode-round-trip"),  # a 3-byte utf8 column: 500 on any emoji
    ("normalises-names", "unicode-round-trip"),  # names stored in NFC
    ("nests-dotted-metadata-keys", "unicode-round-trip"),  # {"a.b": 1} stored as {"a": {"b": 1}}
    ("drops-dollar-metadata-keys", "unicode-round-trip"),  # "$set" silently dropped
    ("plus-address-refused", "email-unusual-accepted"),  # a+tag@example.com is a 400
    ("hand-rolled-email-pattern", "email-unusual-accepted"),  # no subdomains, TLDs of 2-4 letters
    ("phone-digits-only", "phone-source-any-text"),  # a letter in phone is a 400
    ("search-as-sql-like", "search-literal"),  # % and _ are wildcards
    ("search-as-regex", "search-literal"),  # .* matches anything, [ is a 500
    # The blind spots: each hides from checks whose inputs are unique, ASCII, or one spelling.
    ("update-moves-workspace", "read-only-fields-refused"),  # a PUT's workspaceId moves the lead to another tenant
    ("drops-null-metadata-on-create", "stored-as-sent"),  # a create's metadata nulls merge-patched away
    ("trims-names-on-update", "stored-as-sent"),  # a PUT's name trimmed and collapsed
    ("deletes-by-email", "writes-touch-one-lead"),  # DELETE removes every lead with that email
    ("updates-by-email", "writes-touch-one-lead"),  # PUT writes to every lead with that email
    ("status-in-any-case", "list-query-values"),  # status=NEW taken as new
    ("body-limit-in-characters", "payload-too-large"),  # 1 MiB counted in characters: 2 MiB of é accepted
    ("page-past-64-bits-is-500", "pagination-arithmetic"),  # page=10^19 overflows the offset: 500
    ("case-insensitive-ids", "ids-exact"),  # LEAD_ABC... reads, updates and deletes lead_abc...
    ("key-in-query-accepted", "unauthorized"),  # ?api_key= opens the workspace
    ("search-folds-ascii-only", "filter-search"),  # ÉLAN misses élan (SQLite's lower())
    ("short-search-ignored", "filter-search"),  # one or two characters filter nothing (a trigram index)
    ("search-reads-every-field", "filter-search"),  # a token only in phone, source or metadata is found
    ("rate-limited-without-retry-after", "rate-limited-answer"),  # a 429 that says nothing of when to retry
    ("server-error-on-nul", "stored-as-sent"),  # a NUL in text is a 500
    ("blank-name-refused", "stored-as-sent"),  # "   " refused as an empty name
    ("caches-reads", "not-found-after-delete"),  # a lead read before its delete is served after it
]


@pytest.mark.parametrize("bug, rule", HAND_WRITTEN_SWEEP)
def test_hand_written_checks_name_the_planted_bug(bug: str, rule: str) -> None:
    outcome = run_verify(in_process(BUGS[bug]()), select=HAND_WRITTEN)
    assert outcome.exit_code == 1, outcome.summary
    assert rule in outcome.broken_rules, outcome.summary
    assert f"BROKEN  {rule}:" in outcome.summary


GENERATED_SWEEP = [
    ("server-error-on-letter-in-phone", "no-server-errors"),  # only generated phone numbers hold letters
    ("keeps-deleted", "not-found-after-delete"),  # the stateful run's use_after_free sees it too
    ("reuses-ids", "no-id-reuse"),  # the kit's own Schemathesis check
    ("reads-across-workspaces", "other-workspace-not-found"),  # the kit's isolation check on generated leads
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("bug, rule", GENERATED_SWEEP)
def test_schemathesis_phase_names_the_planted_bug(bug: str, rule: str, seed: int) -> None:
    outcome = run_verify(in_process(BUGS[bug](), seed=seed, max_examples=10), select=GENERATED)
    assert outcome.exit_code == 1, outcome.summary
    assert rule in outcome.broken_rules, outcome.summary
    shown_by = {finding.check for found in outcome.findings.violations for finding in found if finding.rule.id == rule}
    assert any("test_generated" in check or "test_stateful" in check for check in shown_by), shown_by


def test_every_planted_bug_is_swept() -> None:
    assert set(BUGS) == {bug for bug, _ in HAND_WRITTEN_SWEEP + GENERATED_SWEEP}


def test_every_planted_bug_is_caught_by_a_hand_written_check() -> None:
    """No verdict rests on what the generator happens to produce: the seed cannot let a bug through."""
    assert set(BUGS) == {bug for bug, _ in HAND_WRITTEN_SWEEP}


# The whole planted-bug suite under each seed. Every bug is named by a hand-written check, and
# those never read the seed: each bug runs its rule's checks under every seed. The generated and
# stateful phases, the only part the seed steers, run under every seed against the clean mock
# (above: no false alarm) and against the bugs they catch themselves (GENERATED_SWEEP); per bug
# they could only add findings, never remove the hand-written one, so they are not repeated there
# (that would cost some 2.5 s of CPU per bug and seed).
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("bug, rule", HAND_WRITTEN_SWEEP)
def test_every_planted_bug_is_caught_on_every_seed(bug: str, rule: str, seed: int) -> None:
    outcome = run_verify(in_process(BUGS[bug](), seed=seed), select=checks_of(rule))
    assert outcome.exit_code == 1, outcome.summary
    assert rule in outcome.broken_rules, outcome.summary
    assert not outcome.findings.errors, outcome.summary  # the kit's own failure is never the verdict
