"""Which results a SARIF upload can hold: GitHub code scanning's limits, cut by score.

GitHub rejects an upload with more than 25,000 results in a run, more than 20 runs, or
more than 10 MB once gzipped (its documented limits for SARIF uploads). A report that
GitHub rejects helps nobody, so the lowest-scored results are left out — suppressed
ones before active ones — and the caller says what was cut. The other formats keep
every finding: only SARIF is bounded by its consumer.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from stackaudit.model import Assessment, AuditResult

PRIMARY_TOOL = "stackaudit"
PENDING = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """GitHub code scanning's upload limits, and room kept for everything but results."""

    results_per_run: int = 25_000
    runs: int = 20
    gzip_bytes: int = 10 * 1024 * 1024
    reserve_bytes: int = 1024 * 1024  # rules, notifications and run skeletons (gzipped)


@dataclass(frozen=True, slots=True)
class ToolPlan:
    """One SARIF run: the results kept (highest score first) out of ``total``, and why some went."""

    name: str
    total: int
    kept: tuple[Assessment, ...]
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    runs: tuple[ToolPlan, ...]
    dropped_tools: tuple[tuple[str, int], ...] = ()  # (tool, results) of runs left out
    limits: Limits = field(default_factory=Limits)


def _priority(item: tuple[bool, Assessment]) -> tuple[bool, float]:
    return (item[0], -item[1].score.value)


def _groups(result: AuditResult) -> dict[str, list[tuple[bool, Assessment]]]:
    """Per engine, active then suppressed, each by score (highest first), stackaudit first."""
    groups: dict[str, list[tuple[bool, Assessment]]] = {PRIMARY_TOOL: []}
    for hidden, items in ((False, result.findings), (True, result.suppressed)):
        for item in items:
            groups.setdefault(item.finding.tool, []).append((hidden, item))
    for entries in groups.values():
        entries.sort(key=_priority)  # stable: the engine's rank order among equal scores
    return groups


def _choose_tools(
    groups: dict[str, list[tuple[bool, Assessment]]], limit: int
) -> tuple[list[str], list[tuple[str, int]]]:
    names = list(groups)
    if len(names) <= limit:
        return names, []
    others = sorted(names[1:], key=lambda n: _priority(groups[n][0]) if groups[n] else (True, 0.0))
    keep = {PRIMARY_TOOL, *others[: limit - 1]}
    return [n for n in names if n in keep], [(n, len(groups[n])) for n in names if n not in keep]


def _by_priority(
    candidates: Mapping[str, Sequence[tuple[bool, Assessment]]],
) -> Iterator[tuple[str, Assessment]]:
    streams = [
        ((_priority(entry), order, name, entry[1]) for entry in items)
        for order, (name, items) in enumerate(candidates.items())
    ]
    for _, _, name, item in heapq.merge(*streams, key=lambda t: (t[0], t[1])):
        yield name, item


def _within_gzip(
    candidates: Mapping[str, Sequence[tuple[bool, Assessment]]],
    serialise: Callable[[Assessment], str],
    limits: Limits,
) -> dict[str, int] | None:
    """How many of each engine's candidates fit the gzip budget; None when all of them fit."""
    budget = limits.gzip_bytes - limits.reserve_bytes
    kept = dict.fromkeys(candidates, 0)
    raw = 0
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    packed = 0
    for name, item in _by_priority(candidates):
        data = serialise(item).encode("utf-8") + b","
        raw += len(data)
        packed += len(compressor.compress(data))
        # Output still inside the compressor is far below PENDING; measure it only near the end.
        if raw > budget and packed + PENDING > budget and packed + len(compressor.copy().flush()) > budget:
            return kept
        kept[name] += 1
    return None


def plan(result: AuditResult, serialise: Callable[[Assessment], str], limits: Limits) -> Plan:
    """Choose the results of each run: per-run count first, then the gzip budget across runs."""
    groups = _groups(result)
    names, dropped = _choose_tools(groups, limits.runs)
    candidates = {n: groups[n][: limits.results_per_run] for n in names}
    fitted = _within_gzip(candidates, serialise, limits)
    runs = []
    for name in names:
        reasons: list[str] = []
        if len(groups[name]) > limits.results_per_run:
            reasons.append(f"GitHub accepts at most {limits.results_per_run:,} results per run")
        chosen = candidates[name]
        if fitted is not None and fitted[name] < len(chosen):
            chosen = chosen[: fitted[name]]
            reasons.append(
                f"GitHub accepts at most {limits.gzip_bytes // (1024 * 1024)} MB gzipped per upload"
            )
        runs.append(ToolPlan(name, len(groups[name]), tuple(item for _, item in chosen), tuple(reasons)))
    return Plan(tuple(runs), tuple(dropped), limits)
