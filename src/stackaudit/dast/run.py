"""One DAST run: probes, Schemathesis, passive checks, under one fence.

The steps run in a fixed order, cheapest and most telling first (the home page, a missing
page, TRACE, CORS, unauthenticated calls, then Schemathesis with what budget is left), so
a small budget still covers the headers, cookies and CORS. Whatever stops the run (the
request bound, the deadline, the target going silent) is recorded as a "partial" entry
with the reason; a target that does not answer the first request is "not analysed".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackaudit.dast import probe
from stackaudit.dast.findings import to_findings
from stackaudit.dast.fuzz import FuzzPlan, fuzz
from stackaudit.dast.guard import BudgetSpent, DastError, Fence, Seen, Target, Unreachable
from stackaudit.dast.hits import Hit
from stackaudit.dast.openapi import BadDocument, Operation, load_file, operations, parse_text
from stackaudit.dast.passive import passive
from stackaudit.model import Finding, Location, NotAnalysed, NotAnalysedReason

ANALYZER = "dast"
OPENAPI_PATHS = ("/openapi.json",)


@dataclass(frozen=True)
class DastOptions:
    target: str
    openapi: Path | None = None
    fetch_openapi: bool = False  # the user allows GET {target}/openapi.json
    max_requests: int = 300
    timeout: float = 120.0  # seconds, the whole run
    request_timeout: float = 10.0
    examples: int = 10  # Schemathesis examples per operation
    verify_tls: bool = True
    unsafe_methods: bool = False  # Schemathesis may send POST/PUT/PATCH/DELETE


@dataclass(frozen=True)
class DastOutcome:
    findings: tuple[Finding, ...]
    not_analysed: tuple[NotAnalysed, ...]
    reachable: bool
    requests: int
    seconds: float
    refused: tuple[str, ...] = ()  # out-of-scope URLs never contacted
    notes: tuple[str, ...] = ()


@dataclass
class _State:
    target: Target
    fence: Fence
    prober: probe.Prober
    doc: dict[str, Any] | None = None
    ops: list[Operation] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    fuzz_seen: list[Seen] = field(default_factory=list)
    missing: list[NotAnalysed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _entry(target: Target, reason: NotAnalysedReason, detail: str) -> NotAnalysed:
    return NotAnalysed(target.origin, reason, detail, ANALYZER)


def _load_document(state: _State, options: DastOptions) -> None:
    if options.openapi is not None:
        try:
            state.doc = load_file(options.openapi)
        except BadDocument as exc:
            state.missing.append(
                NotAnalysed(str(options.openapi), NotAnalysedReason.MALFORMED, str(exc), ANALYZER)
            )
    elif options.fetch_openapi:
        seen = state.prober.send("GET", OPENAPI_PATHS[0])
        if seen.status == 200:
            try:
                state.doc = parse_text(seen.body, f"{state.target.origin}{OPENAPI_PATHS[0]}")
            except BadDocument as exc:
                state.missing.append(_entry(state.target, NotAnalysedReason.MALFORMED, str(exc)))
        else:
            state.notes.append(f"no OpenAPI document at {OPENAPI_PATHS[0]} (status {seen.status})")
    state.ops = operations(state.doc) if state.doc is not None else []


def _cors_paths(ops: list[Operation]) -> list[str]:
    plain = [o.path for o in ops if o.method == "GET" and "{" not in o.path]
    return list(dict.fromkeys(["/", *plain[:2]]))


def _fuzz(state: _State, options: DastOptions) -> None:
    if state.doc is None:
        return
    plan = FuzzPlan(options.examples, options.verify_tls, options.unsafe_methods)
    report = fuzz(state.doc, state.fence, state.fuzz_seen, plan)
    state.hits += report.hits
    state.notes += report.errors[:5]
    state.notes.append(f"Schemathesis tried {report.operations} of {len(state.ops)} operations")
    if report.unsafe_skipped:
        state.notes.append(
            f"{report.unsafe_skipped} operations that change state were not sent (allow them: unsafe_methods)"
        )


def _steps(state: _State, options: DastOptions) -> list[Callable[[], object]]:
    p = state.prober
    return [
        lambda: _load_document(state, options),
        lambda: probe.missing_page(p),
        lambda: state.hits.extend(probe.trace(p)),
        lambda: state.hits.extend(probe.cors(p, _cors_paths(state.ops))),
        lambda: state.hits.extend(probe.unauthenticated(p, state.ops)),
        lambda: _fuzz(state, options),
    ]


def _walk(state: _State, options: DastOptions) -> None:
    for step in _steps(state, options):
        try:
            step()
        except BudgetSpent as exc:
            state.missing.append(_entry(state.target, NotAnalysedReason.PARTIAL, str(exc)))
            return
        except Unreachable as exc:
            state.missing.append(
                _entry(state.target, NotAnalysedReason.PARTIAL, f"target stopped answering: {exc}")
            )
            return
    if state.fence.spent:  # Schemathesis stops quietly at a bound: say so
        why = "request" if state.fence.sent >= state.fence.max_requests else "time"
        state.missing.append(_entry(state.target, NotAnalysedReason.PARTIAL, f"stopped at the {why} bound"))


def run_dast(options: DastOptions, location: Location) -> DastOutcome:
    """Scan ``options.target``; never raises for what the target does (only for a bad target URL)."""
    started = time.monotonic()
    target = Target.parse(options.target)
    fence = Fence.start(target, options.max_requests, options.timeout, options.request_timeout)
    state = _State(target, fence, probe.Prober(fence, verify=options.verify_tls))
    try:
        try:
            state.prober.send("GET", "/")
        except (Unreachable, BudgetSpent) as exc:
            reason = NotAnalysedReason.TIMEOUT if "no answer" in str(exc) else NotAnalysedReason.ERROR
            entry = _entry(target, reason, f"target not reachable: {exc}")
            return DastOutcome((), (entry,), False, fence.sent, time.monotonic() - started)
        _walk(state, options)
    finally:
        state.prober.close()
    seen = [*state.prober.seen, *state.fuzz_seen]
    hits = [*state.hits, *passive(seen, target.https)]
    return DastOutcome(
        findings=tuple(to_findings(hits, target, location)),
        not_analysed=tuple(state.missing),
        reachable=True,
        requests=fence.sent,
        seconds=time.monotonic() - started,
        refused=tuple(dict.fromkeys(fence.refused)),
        notes=tuple(state.notes),
    )


__all__ = ["DastError", "DastOptions", "DastOutcome", "run_dast"]
