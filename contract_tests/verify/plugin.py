"""The kit as a pytest plugin: its options, the target, the fixtures the checks use, and the findings.

`pytest --pyargs contract_tests --base-url URL --api-key KEY` runs every check; `leadkit verify`
runs the same session through `pytest.main`. Override `leads_target` in a conftest to aim the
checks another way.

Writing a check: mark it with `rule(RULE)` (rules.py), `writes` if it creates, updates or deletes
leads, `two_workspaces` if it needs the second key; take `api` / `other_api` / `kit`. Checks run
several at once (`--workers`, parallel.py), so a check must not assume it is alone in the workspace:
count and order only the leads it made (a search word from `api.token()`), never the whole list.
Optional: `@pytest.mark.leadkit_serial` makes a check run alone; a check using a fixture with a
teardown (`yield`) below session scope runs alone without being told.
"""

from __future__ import annotations

from typing import Any, Generator, Iterator, NoReturn

import pytest

from ..core.exchange import Exchange
from ..core.rules import NO_SERVER_ERRORS, Rule
from ..live.api import Api, NotApplicable
from ..live.client import CURRENT_CHECK, CheckRecord
from ..live.interrupt import Stopper, caused_by_interrupt
from ..live.kit import Kit
from ..live.target import ENV_API_KEY, ENV_BASE_URL, ENV_SECOND_API_KEY, Target, TargetError, resolve_target
from .findings import CheckFinding, Findings, findings_from
from .parallel import RANDOM_WARNING, RECORD, check_parameters, run_checks

TARGET = pytest.StashKey[Target]()  # set by `leadkit verify` (or a wrapping plugin) to skip the options
KIT = pytest.StashKey[Kit]()
OPENED = pytest.StashKey[Kit]()  # a kit `leadkit verify` already opened and preflighted: the session uses it
FINDINGS = pytest.StashKey[Findings]()
STOPPER = pytest.StashKey[Stopper]()
CANNOT_RUN = pytest.StashKey[str]()  # why the session gave up before judging (the target unusable): said in the summary
INTERRUPTED = "interrupted (Ctrl-C)"
NEEDS_SECOND_KEY = f"needs --second-api-key ({ENV_SECOND_API_KEY})"
READ_ONLY = "--read-only: creates, updates or deletes leads"

OPTIONS: list[tuple[str, dict[str, Any]]] = [
    ("--base-url", {"metavar": "URL", "help": f"deployment to check, before /api/v1 (env {ENV_BASE_URL})"}),
    ("--api-key", {"metavar": "KEY", "help": f"API key of a workspace the kit may write test leads to (env {ENV_API_KEY})"}),
    ("--second-api-key", {"metavar": "KEY", "help": f"a key of another workspace, for isolation (env {ENV_SECOND_API_KEY})"}),
    ("--read-only", {"action": "store_true", "help": "send no write at all; skip the checks that need one"}),
    ("--max-examples", {"type": int, "metavar": "N", "help": "Schemathesis examples per operation"}),
    ("--seed", {"type": int, "metavar": "N", "help": "seed for Schemathesis, to repeat a run"}),
    ("--workers", {"type": int, "metavar": "N", "help": "checks at once (1: one by one, in file order)"}),
]


@pytest.hookimpl(trylast=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    # Added once every plugin is loaded, skipping names one already has (pytest-base-url owns
    # --base-url with the same meaning), so installing leadkit never breaks another suite.
    taken = {name for option in _all_options(parser) for name in option.names()}
    group = parser.getgroup("leadkit", "leadkit contract tests (pytest --pyargs contract_tests)")
    for name, attrs in OPTIONS:
        if name not in taken:
            group.addoption(name, dest=name.lstrip("-").replace("-", "_"), **attrs)


def _all_options(parser: pytest.Parser) -> list[Any]:
    groups = [parser._anonymous, *parser._groups]  # no public API lists them
    return [option for group in groups for option in group.options]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "leadkit_rule(rule): the contract rule a leadkit check tests")
    config.addinivalue_line("markers", "leadkit_writes: the check creates, updates or deletes leads")
    config.addinivalue_line("markers", "leadkit_two_workspaces: the check needs a second workspace's key")
    config.addinivalue_line("markers", "leadkit_serial: the check runs alone, never beside another one")
    # The same for checks run by pytest's own protocol (parallel.py says why).
    config.addinivalue_line("filterwarnings", f"ignore:{RANDOM_WARNING}:hypothesis.errors.HypothesisDeprecationWarning")
    config.stash[FINDINGS] = Findings()
    opened = config.stash.get(OPENED, None)
    config.stash[STOPPER] = opened.stopper if opened is not None else Stopper()


def read_target(config: pytest.Config) -> Target:
    """The target: as `leadkit verify` set it, else from the options with env fallbacks."""
    if TARGET not in config.stash:
        config.stash[TARGET] = resolve_target(
            base_url=config.getoption("base_url", None),
            api_key=config.getoption("api_key", None),
            second_api_key=config.getoption("second_api_key", None),
            read_only=bool(config.getoption("read_only", False)),
            max_examples=config.getoption("max_examples", None),
            seed=config.getoption("seed", None),
            workers=config.getoption("workers", None),
        )
    return config.stash[TARGET]


def _target_or_exit(config: pytest.Config) -> Target:
    try:
        return read_target(config)
    except TargetError as exc:
        _cannot_run(config, exc)


def _cannot_run(config: pytest.Config, exc: TargetError) -> NoReturn:
    """End the session, exit 2, the reason kept for the summary (pytest's own report of it may go nowhere)."""
    config.stash[CANNOT_RUN] = f"cannot run: {exc}"
    pytest.exit(f"leadkit: cannot run: {exc}", returncode=2)


@pytest.fixture(scope="session")
def leads_target(pytestconfig: pytest.Config) -> Target:
    return _target_or_exit(pytestconfig)


@pytest.fixture(scope="session")
def kit(leads_target: Target, pytestconfig: pytest.Config) -> Iterator[Kit]:
    opened = pytestconfig.stash.get(OPENED, None)
    if opened is None:
        opened = Kit.open(leads_target, pytestconfig.stash[STOPPER])
        try:
            opened.preflight()
        except TargetError as exc:
            _cannot_run(pytestconfig, exc)
    pytestconfig.stash[KIT] = opened
    opened.stopper.install()
    try:
        yield opened
    finally:
        opened.cleanup()  # runs after failures and Ctrl-C too: pytest tears fixtures down either way


@pytest.fixture
def api(kit: Kit) -> Api:
    return kit.api


@pytest.fixture
def other_api(kit: Kit) -> Api:
    if kit.other_api is None:
        pytest.skip(NEEDS_SECOND_KEY)
    return kit.other_api


@pytest.fixture(scope="session")
def fuzzer(kit: Kit) -> Iterator[Any]:
    from .fuzz import Fuzzer  # Schemathesis loads only when a generated check runs

    made = Fuzzer(kit)
    yield made
    made.close()


@pytest.fixture(scope="session")
def leads_schema(kit: Kit) -> Any:
    """openapi.yaml for Schemathesis, aimed at the target."""
    from .fuzz import build_schema

    return build_schema(kit)


def pytest_deselected(items: list[pytest.Item]) -> None:
    """Checks `-k` or `-m` left out: the run is partial, and says which rules it leaves unjudged."""
    for item in items:
        marker = item.get_closest_marker("leadkit_rule")
        if marker is not None:
            item.config.stash[FINDINGS].deselected[item.nodeid] = marker.args[0]


def pytest_collection_finish(session: pytest.Session) -> None:
    findings = session.config.stash[FINDINGS]
    for item in session.items:
        marker = item.get_closest_marker("leadkit_rule")
        if marker is not None:
            findings.planned[item.nodeid] = marker.args[0]
            findings.also[item.nodeid] = tuple(marker.kwargs.get("also", ()))


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> Any:
    """With --workers above 1, checks run several at once (parallel.py); else pytest's own loop runs."""
    if session.testsfailed or session.config.option.collectonly or not session.config.stash[FINDINGS].planned:
        return None
    target = _target_or_exit(session.config)
    if target.workers <= 1:
        return None
    return run_checks(session, target.workers, session.config.stash[STOPPER])


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, Any, Any]:
    """A generated check generates without Hypothesis's local literals (fuzz.Fuzzer.generating), and is over
    only once every case it handed off was answered and judged. A check the deployment gives nothing to
    work on (live.api.NotApplicable) is a skip."""
    fuzzer = _fuzzer_of(pyfuncitem)
    if fuzzer is None:
        try:
            return (yield)
        except NotApplicable as exc:
            pytest.skip(str(exc))
    with fuzzer.generating():
        try:
            result = yield
        except BaseException as exc:
            fuzzer.drain(quiet=True)
            if isinstance(exc, NotApplicable):
                pytest.skip(str(exc))
            raise
        fuzzer.drain()
    return result


def _fuzzer_of(item: pytest.Function) -> Any:
    """The fuzzer the check hands cases to, whether pytest passes it or Schemathesis fetches it for the case function."""
    funcargs = item.funcargs or {}
    if "fuzzer" in funcargs:
        return funcargs["fuzzer"]
    request: Any = funcargs.get("request")
    if request is None or "fuzzer" not in check_parameters(item):
        return None
    return request.getfixturevalue("fuzzer")  # session scope: the one its cases go to


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("leadkit_rule") is None:
        return
    if item.config.stash[STOPPER].stopped.is_set():
        raise item.session.Interrupted(INTERRUPTED)
    record = CheckRecord()  # what this check sees, wherever it runs
    item.stash[RECORD] = record
    CURRENT_CHECK.set(record)
    target = _target_or_exit(item.config)
    if target.read_only and item.get_closest_marker("leadkit_writes"):
        pytest.skip(READ_ONLY)
    if target.second_api_key is None and item.get_closest_marker("leadkit_two_workspaces"):
        pytest.skip(NEEDS_SECOND_KEY)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    marker = item.get_closest_marker("leadkit_rule")
    if marker is None:
        return report
    checked: Rule = marker.args[0]
    findings = item.config.stash[FINDINGS]
    record = item.stash.get(RECORD, None) or CheckRecord()
    stopped = item.config.stash[STOPPER].stopped.is_set()
    if stopped and (report.failed or caused_by_interrupt(call.excinfo.value if call.excinfo else None)):
        # Stopped by Ctrl-C, not by the deployment: never a finding, and the check did not run to its end.
        report.outcome = "skipped"
        report.longrepr = (str(item.path), 0, f"Skipped: {INTERRUPTED}")
        item.session.shouldstop = INTERRUPTED
        return report
    problems = list(record.problems) if call.when == "call" or report.failed else []  # a failed set-up's own, too
    record.problems.clear()
    if problems and report.passed:
        report.outcome = "failed"  # its own assertions held, but a response broke openapi.yaml
        report.longrepr = "\n".join(str(problem) for problem in problems)
    if report.failed:
        findings.done.add(report.nodeid)
        found = [finding for problem in problems for finding in findings_from(problem, checked, None, report.nodeid)]
        server_error = next((problem for problem in problems if problem.rule is NO_SERVER_ERRORS), None)
        needed = server_error.exchange if server_error is not None else None
        if needed is None and call.when == "setup" and call.excinfo is not None:
            # A fixture several checks share failed on a 5xx: the first check's set-up said it (no-server-errors);
            # each later one is handed the same failure, and could not judge either.
            shown = getattr(call.excinfo.value, "exchange", None)
            needed = shown if isinstance(shown, Exchange) and shown.status >= 500 else None
        subject_failed = server_error is not None and needed is not None and record.last_is_subject and record.last is needed
        if call.excinfo is not None and (server_error is not None or needed is not None) and checked is not NO_SERVER_ERRORS and not subject_failed:
            # A request the check needed got a 5xx: that is no-server-errors, said once above with its
            # evidence; what the check went on to see after it proves nothing of its own rule. (When
            # the 5xx answered the check's subject, the request its rule is about, both are broken.)
            said = f"{needed.method} {needed.url} answered {needed.status}" if needed is not None else "a request answered 5xx"
            findings.skipped[report.nodeid] = (f"could not judge: {said}, a request the check needed", checked.id)
        elif subject_failed and needed is not None and call.excinfo is not None:
            # The 5xx answered the request the rule is about: that answer is the rule's breach, said as
            # such; whatever the check tripped on next (a body it needed, None) is no part of it.
            findings.failed_checks[report.nodeid] = checked.id
            found.append(CheckFinding(checked, f"{needed.method} {needed.url} answered {needed.status}, the request this rule is about", needed, report.nodeid))
        else:
            findings.failed_checks[report.nodeid] = checked.id
            if call.excinfo is not None:
                found += findings_from(call.excinfo.value, checked, record.last, report.nodeid, call.excinfo)
        findings.add(found)
        rule_ids = " ".join(sorted({finding.rule.id for finding in found}))
        item.user_properties.append(("leadkit_rules", rule_ids))  # lands in --junit-xml
    elif report.skipped:
        findings.done.add(report.nodeid)
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        findings.skipped[report.nodeid] = (reason.removeprefix("Skipped: "), checked.id)
    elif report.when == "call" and report.passed:
        findings.done.add(report.nodeid)
        findings.passed += 1
        findings.passed_rules.add(checked.id)
        findings.passed_checks[report.nodeid] = checked.id
    return report


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    findings = config.stash.get(FINDINGS, None)
    target = config.stash.get(TARGET, None)
    if findings is None or target is None or config.stash.get(KIT, None) is None:
        return  # no kit check ran in this session
    terminalreporter.section("leadkit: contract summary")
    findings.interrupted = findings.interrupted or config.stash[STOPPER].stopped.is_set()
    terminalreporter.write_line(findings.render(target.base_url, target.key_variables(), config.stash[KIT].cleanup_note()))
    terminalreporter.write_line(f"Generated requests used --seed {target.seed}.")
