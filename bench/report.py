"""The figures of one bench.py run, rendered as bench/RESULTS.md."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from dataclasses import dataclass, field

from . import data, wrk

TARGET_RATIO = 1.5


@dataclass
class Results:
    started: str
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    prism: dict[str, wrk.Result] = field(default_factory=dict)  # by scenario
    leadkit: dict[tuple[str, str], wrk.Result] = field(default_factory=dict)  # by (store, scenario)
    memory: dict[str, dict[str, float]] = field(default_factory=dict)  # by store, after every run
    memory_before_writes: dict[str, dict[str, float]] = field(default_factory=dict)  # generated stores
    prism_startup: list[float] = field(default_factory=list)
    leadkit_startup: list[float] = field(default_factory=list)


def _statuses(result: wrk.Result) -> str:
    text = ", ".join(f"{status}×{n}" for status, n in result.statuses.items())
    return text + (f", {result.socket_errors} socket errors" if result.socket_errors else "")


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.2f}" for x in load)


def render(results: Results, command: str, args: argparse.Namespace) -> str:
    lines = [
        "# leadkit mock against Prism 5.16.0's mock",
        "",
        f"Measured {results.started} with `{command}` on a {os.cpu_count()}-core {platform.machine()} "
        f"machine shared with other jobs (load average 1/5/15 min before: {_load(results.load_before)}, "
        f"after: {_load(results.load_after)}); treat differences under ~20% as noise.",
        f"wrk, {wrk.THREADS} thread, {wrk.CONNECTIONS} connections, on 127.0.0.1; each figure: {args.warmup:g} s "
        f"warm-up, then the median of {args.repeats} runs of {args.seconds:g} s; Prism's runs and leadkit's on the "
        "default store take turns, so load drift hits both alike. Both servers validate requests and neither logs them (`--quiet`, `-v silent`). "
        "Every response's status is counted by wrk's Lua `response` hook and listed.",
        "Prism keeps no state and answers from the spec's examples: it neither filters, searches nor stores, "
        "so the same Prism figure stands beside every store size. The two generated stores are served side by "
        "side and their runs take turns too. Stores: `default` is fixtures/default.json "
        f"(32 leads), the others are generated (bench/data.py; `search={data.SEARCH}` matches 1 lead in 16).",
        "",
        "| scenario | store | leadkit req/s | p50 ms | p99 ms | Prism req/s | p50 ms | p99 ms "
        "| req/s ÷ Prism | p99 ÷ Prism | statuses leadkit / Prism |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    stores = list(dict.fromkeys(store for store, _ in results.leadkit))
    for (store, name), ours in sorted(results.leadkit.items(), key=lambda item: stores.index(item[0][0])):
        theirs = results.prism[name]
        lines.append(
            f"| {name} | {store} | {ours.rps:,.0f} | {ours.p50_ms:.2f} | {ours.p99_ms:.2f} "
            f"| {theirs.rps:,.0f} | {theirs.p50_ms:.2f} | {theirs.p99_ms:.2f} "
            f"| {ours.rps / theirs.rps:.2f}× | {ours.p99_ms / theirs.p99_ms:.2f}× "
            f"| {_statuses(ours)} / {_statuses(theirs)} |"
        )
    lines += [
        "",
        "Memory of `leadkit mock` (MB): the worker's RSS once the store is loaded and read (after the GET, "
        "list and search runs), then after the create-then-delete runs too. Each created-then-deleted lead "
        "leaves history the contract asks for: its id, retired for good, and an audit entry (the log keeps "
        "the last 100,000), about 300 bytes a pair with the allocator's overhead. Granian forks one worker "
        "from the process that loaded the fixtures; RSS counts pages they share in both, PSS splits them "
        "(both at the end).",
        "",
        "| store | worker RSS, loaded and read | worker RSS after the writes | leads created and deleted "
        "| main process RSS | total PSS |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for store, mem in results.memory.items():
        before = results.memory_before_writes.get(store)
        writes = results.leadkit.get((store, "create then delete"))
        loaded = f"{before['worker_rss']:.0f}" if before else "—"
        pairs = f"{writes.statuses.get(201, 0):,} (+ warm-ups)" if writes else "—"
        lines.append(
            f"| {store} | {loaded} | {mem['worker_rss']:.0f} | {pairs} | {mem['main_rss']:.0f} | {mem['total_pss']:.0f} |"
        )
    lines += [
        "",
        "Start to first 200 (spawn to the first `200` on a GET, default fixtures for leadkit), seconds:",
        "",
        "| server | median | runs |",
        "|---|--:|---|",
        f"| leadkit | {statistics.median(results.leadkit_startup):.2f} | {', '.join(f'{s:.2f}' for s in results.leadkit_startup)} |",
        f"| Prism | {statistics.median(results.prism_startup):.2f} | {', '.join(f'{s:.2f}' for s in results.prism_startup)} |",
        "",
        "## Targets",
        "",
    ]
    lines += [f"- {line}" for line in _targets(results)]
    return "\n".join(lines) + "\n"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _targets(results: Results) -> list[str]:
    found = []
    for name in ("GET one lead", "list, limit 10"):
        ours, theirs = results.leadkit[("default", name)], results.prism[name]
        ratio = ours.rps / theirs.rps
        found.append(f"{name}: {ratio:.2f}× Prism's req/s (target ≥ {TARGET_RATIO}×): {_verdict(ratio >= TARGET_RATIO)}")
        found.append(
            f"{name}: p99 {ours.p99_ms:.2f} ms vs Prism's {theirs.p99_ms:.2f} ms (target: no worse): "
            f"{_verdict(ours.p99_ms <= theirs.p99_ms)}"
        )
    big = f"{data.LARGEST:,}"
    search = results.leadkit[(big, "list, limit 10, search")]
    found.append(f"{big} leads, list with search: p50 {search.p50_ms:.2f} ms (target < 20 ms): {_verdict(search.p50_ms < 20)}")
    rss = results.memory_before_writes[big]["worker_rss"]
    after = results.memory[big]["worker_rss"]
    found.append(
        f"{big} leads loaded: worker RSS {rss:.0f} MB (target < 150 MB): {_verdict(rss < 150)}; "
        f"{after:.0f} MB after the create-then-delete runs, with their retired ids and audit entries"
    )
    small, large = results.leadkit[("1,000", "GET one lead")], results.leadkit[(big, "GET one lead")]
    change = large.rps / small.rps
    found.append(
        f"GET one lead at {big} vs 1,000 leads: {change:.2f}× the req/s, p50 {large.p50_ms:.2f} vs {small.p50_ms:.2f} ms "
        f"(target: unaffected, within noise): {_verdict(change >= 0.8)}"
    )
    startup = statistics.median(results.leadkit_startup)
    found.append(f"start to first 200: {startup:.2f} s (target < 0.5 s): {_verdict(startup < 0.5)}")
    return found
