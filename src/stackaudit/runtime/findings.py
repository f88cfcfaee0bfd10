"""Runtime evidence that no static finding explains becomes a finding of its own.

A hot endpoint with no static finding is still a problem: the next audit must show it.
Each stored observation either joins the static findings at its place (by path and line,
function or endpoint: ``engine.assess.evidence_matches``) or, when it joins none and says
something is wrong, it is grouped with the other observations of the same thing and
stands as one ``runtime.*`` finding:

- a hot function (profile)                    -> ``runtime.hot-function``
- a failing SLO verdict or soak drift (load)  -> ``runtime.slo-breach``
- a runtime N+1 (pytest plugin, middleware)    -> ``runtime.nplusone``
- a metric outside its band (metrics)          -> ``runtime.metric-band``
- a failed perf gate (gate-perf)               -> ``runtime.perf-regression``

Passing verdicts and records of incomplete runs are not problems: they appear in the
report's runtime evidence section only.  The finding's identity is the observed thing
(function, endpoint and SLO, call site and statement, metric), never the measured numbers,
so it stays the same finding from one audit to the next.  Only ``model`` is imported here:
the engine imports this module.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from stackaudit.model import (
    Category,
    Confidence,
    Evidence,
    EvidenceKind,
    Finding,
    Location,
    RuleMeta,
    Severity,
)

RUNTIME_TOOL = "stackaudit-runtime"
KEY_PROPERTY = "runtime_key"
CONFIG_FILES = ("stackaudit.toml", "pyproject.toml")

HOT_FUNCTION = RuleMeta(
    id="runtime.hot-function",
    title="Hot function measured at runtime",
    category=Category.PERFORMANCE,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    impact=6,
    likelihood=8,
    effort=2,
    fix="Profile the function's slow call (the flame graph names it) and cache, batch or move it.",
    doc="""
    A function of the project took a large share of the CPU of sampled requests
    (``ProfilingMiddleware`` / ``ASGIProfilingMiddleware``) or of a running process
    (``stackaudit profile --pid``), and no static finding sits in it.

    Why it matters: measured time is the strongest signal there is; a function over 10 %
    of a request's CPU is where a fix pays.  The share is charged to the application frame
    that made the slow call (framework and event-loop frames skipped, thread-pool hops
    followed), so the function named is the one to change.

    Example: ``orders`` takes 62 % of CPU on GET /orders (hot in 9 of 10 profiles).

    Fix: open the flame graph (speedscope / HTML written by the middleware) at the line
    named, and remove, cache or batch its slow call.
    """,
)

SLO_BREACH = RuleMeta(
    id="runtime.slo-breach",
    title="SLO breached under load",
    category=Category.SCALABILITY,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    impact=7,
    likelihood=8,
    effort=3,
    fix="Find the endpoint's slow path (profile it under the same load) or raise its capacity.",
    doc="""
    A ``stackaudit load`` run measured an endpoint outside its SLO (p95, p99, error budget,
    the default error budget of a run without SLOs, or a soak drift beyond its limit), and
    no static finding sits on that endpoint.

    Why it matters: users see the breach; a static finding that explains it would have
    raised its own rank, and none did, so the cause is not yet known.

    Example: ``orders: p95 517 ms against a 150 ms SLO at 100 req/s``.

    Fix: profile the endpoint under the same load (``stackaudit profile --pid``) to find
    the slow call; then fix it, or add capacity if the knee sits below the needed rate.
    """,
)

NPLUSONE = RuleMeta(
    id="runtime.nplusone",
    title="N+1 queries measured at runtime",
    category=Category.PERFORMANCE,
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    impact=6,
    likelihood=8,
    effort=1,
    fix="Load the related rows in one query (select_related / prefetch_related / joinedload / IN).",
    doc="""
    The same statement ran once per row of a previous query (captured by
    ``pytest --stackaudit-nplusone`` or the profiling middleware), and the static
    ``perf.n-plus-one`` rule did not flag the line that issued it (the loop may hide behind
    a property, a template or a serializer).

    Why it matters: the number of queries grows with the data; fast in tests, slow in
    production.

    Example: ``60 identical queries at order_names in tests/test_shop.py::test_names``.

    Fix: fetch the related rows with the first query (Django ``select_related`` /
    ``prefetch_related``, SQLAlchemy ``selectinload`` / ``joinedload``, or ``WHERE id IN``).
    """,
)

METRIC_BAND = RuleMeta(
    id="runtime.metric-band",
    title="Runtime metric outside its band",
    category=Category.SCALABILITY,
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    impact=5,
    likelihood=6,
    effort=1,
    fix="Check the cache keys and TTLs, the pool sizes or the queue consumers named.",
    doc="""
    ``stackaudit metrics`` measured a cache hit ratio, a connection pool, lock waits or a
    queue outside its band during a window with traffic.

    Why it matters: a wasteful cache costs a round trip for little gain; a pool near its
    limit or a growing queue is the next outage.

    Example: ``redis cache hit ratio 58.0% (wasteful) [peak]``.

    Fix: review what is cached and for how long; size pools to the measured peak; add
    consumers to a growing queue.
    """,
)

PERF_REGRESSION = RuleMeta(
    id="runtime.perf-regression",
    title="Performance regression failed the gate",
    category=Category.PERFORMANCE,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    impact=6,
    likelihood=8,
    effort=2,
    fix="Compare profiles of the baseline and current builds on the same load.",
    doc="""
    ``stackaudit gate-perf`` found p95 latency (or allocations) worse than the baseline by
    more than the threshold over the whole confidence interval.

    Why it matters: the change is larger than the run-to-run noise; it will reach users.

    Example: ``p95_ms up +20.4%: the whole interval is above +5%``.

    Fix: profile both builds under the same load and compare the hot functions.
    """,
)

RULES: tuple[RuleMeta, ...] = (HOT_FUNCTION, SLO_BREACH, NPLUSONE, METRIC_BAND, PERF_REGRESSION)


def _data(ev: Evidence) -> dict[str, object]:
    try:
        loaded = json.loads(ev.data_json)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def incomplete(ev: Evidence) -> bool:
    return bool(_data(ev).get("incomplete"))


def _where(ev: Evidence) -> str:
    loc = ev.location
    return f"{loc.path}:{loc.symbol or loc.line}" if loc is not None else ""


def runtime_key(ev: Evidence) -> str:
    """What the evidence observed, without its numbers: the identity of its finding."""
    data = _data(ev)
    if ev.kind is EvidenceKind.PROFILE:
        return f"profile|{_where(ev)}|{ev.endpoint or ''}"
    if ev.kind is EvidenceKind.NPLUSONE:
        return f"nplusone|{_where(ev)}|{data.get('fingerprint', '')}"
    if ev.kind is EvidenceKind.LOAD:
        return f"load|{ev.endpoint or ''}|{data.get('slo', '')}"
    if ev.kind is EvidenceKind.METRICS:
        return f"metrics|{data.get('source', '')}|{data.get('name', '')}"
    return f"{ev.kind.value}|{ev.source}"


def _rule(ev: Evidence) -> RuleMeta | None:
    """The runtime rule of a problem observation; None for passes and incomplete runs."""
    if incomplete(ev):
        return None
    table = {
        EvidenceKind.PROFILE: (HOT_FUNCTION, Severity.MEDIUM),
        EvidenceKind.NPLUSONE: (NPLUSONE, Severity.MEDIUM),
        EvidenceKind.LOAD: (SLO_BREACH, Severity.MEDIUM),
        EvidenceKind.METRICS: (METRIC_BAND, Severity.LOW),
        EvidenceKind.REGRESSION: (PERF_REGRESSION, Severity.HIGH),
    }
    found = table.get(ev.kind)
    if found is None or ev.severity < found[1]:
        return None
    return found[0]


def config_location(root: Path) -> Location:
    """Where SLOs and service-level settings live: the project's config file."""
    for name in CONFIG_FILES:
        if (root / name).is_file():
            return Location(name)
    return Location(".")


def _finding(rule: RuleMeta, items: Sequence[Evidence], root: Path) -> Finding:
    latest = max(items, key=lambda e: e.recorded_at)
    key = runtime_key(latest)
    location = latest.location or config_location(root)
    seen = f" (observed {len(items)} times)" if len(items) > 1 else ""
    return rule.finding(
        location,
        latest.summary + seen,
        snippet=key,  # the identity: the observed thing, not the numbers
        severity=max(e.severity for e in items),
        endpoint=latest.endpoint,
        tool=RUNTIME_TOOL,
        properties=((KEY_PROPERTY, key), ("evidence_kind", latest.kind.value)),
    )


def evidence_findings(
    evidence: Iterable[Evidence],
    findings: Sequence[Finding],
    matches: Callable[[Finding, Evidence], bool],
    root: Path,
) -> list[Finding]:
    """One ``runtime.*`` finding per observed problem that joins no static finding."""
    groups: dict[str, tuple[RuleMeta, list[Evidence]]] = {}
    for ev in evidence:
        rule = _rule(ev)
        if rule is None or any(matches(f, ev) for f in findings):
            continue
        groups.setdefault(runtime_key(ev), (rule, []))[1].append(ev)
    return [_finding(rule, items, root) for rule, items in groups.values()]


def joins(finding: Finding, ev: Evidence) -> bool | None:
    """For a runtime finding: whether ``ev`` is one of its observations; None otherwise."""
    if finding.tool != RUNTIME_TOOL:
        return None
    return runtime_key(ev) == finding.prop(KEY_PROPERTY)
