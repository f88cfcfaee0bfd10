"""SLO verdicts per endpoint / journey, and their Evidence for the store."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from stackaudit.config.sections.runtime import LoadConfig, SLOConfig
from stackaudit.model import Evidence, EvidenceKind, Severity
from stackaudit.runtime.load.model import LoadPlan, Mode, StepResult, Trend, Verdict
from stackaudit.runtime.load.samples import SampleSet, latency


@dataclass(frozen=True, slots=True)
class Measure:
    p95_ms: float
    p99_ms: float
    error_rate: float
    achieved_rps: float
    offered_rps: float
    requests: int


def _key(plan: LoadPlan, slo_name: str) -> tuple[str, str] | None:
    """(histogram key, endpoint label) of an SLO: ``ep:N`` or a journey's ``flow:N``."""
    for j, flow in enumerate(plan.flows):
        if flow.name == slo_name:
            if flow.is_journey:
                names = " -> ".join(plan.endpoints[e].name for e in flow.endpoints)
                return f"flow:{j}", f"journey {slo_name}: {names}"
            return f"ep:{flow.endpoints[0]}", plan.endpoints[flow.endpoints[0]].name
    return None


def measure(samples: SampleSet, step: StepResult, key: str, offered: float) -> Measure:
    k = (str(step.index), key)
    lat = latency(samples.hists.get(k))
    n = samples.requests[k]
    return Measure(lat.p95_ms, lat.p99_ms, samples.errors[k] / n if n else 0.0, n / step.seconds, offered, n)


def failures(slo: SLOConfig, m: Measure) -> list[str]:
    """Why ``m`` breaks ``slo``; empty when it holds."""
    out = []
    if m.requests == 0:
        return ["no request completed"]
    if slo.p95_ms is not None and m.p95_ms > slo.p95_ms:
        out.append(f"p95 {m.p95_ms:.0f} ms against a {slo.p95_ms:g} ms SLO")
    if slo.p99_ms is not None and m.p99_ms > slo.p99_ms:
        out.append(f"p99 {m.p99_ms:.0f} ms against a {slo.p99_ms:g} ms SLO")
    if m.error_rate > slo.error_budget:
        out.append(f"errors {m.error_rate:.1%} against a {slo.error_budget:.1%} budget")
    return out


def _offered(plan: LoadPlan, step: StepResult, key: str) -> float:
    if key.startswith("flow:"):
        return step.target_rate * plan.share(int(key[5:]))
    return step.target_rate * plan.endpoint_share(int(key[3:]))


def step_breaches(
    plan: LoadPlan, slos: Mapping[str, SLOConfig], samples: SampleSet, step: StepResult
) -> list[str]:
    """Every SLO broken at ``step`` (used to stop a step run early)."""
    out = []
    for name, slo in sorted(slos.items()):
        found = _key(plan, name)
        if found is not None:
            why = failures(slo, measure(samples, step, found[0], _offered(plan, step, found[0])))
            out += [f"{name}: {w}" for w in why]
    return out


def _verdict(name: str, label: str, slo: SLOConfig, m: Measure, extra: str = "") -> Verdict:
    why = failures(slo, m)
    targets = {
        k: v
        for k, v in (
            ("p95_ms", slo.p95_ms),
            ("p99_ms", slo.p99_ms),
            ("error_budget", slo.error_budget),
            ("throughput_rps", slo.throughput_rps),
        )
        if v is not None
    }
    if why:
        summary = f"{'; '.join(why)} at {m.offered_rps:.0f} req/s"
    else:
        held = f"p95 {m.p95_ms:.0f} ms" + (f" within a {slo.p95_ms:g} ms SLO" if slo.p95_ms else "")
        summary = f"{held}, errors {m.error_rate:.1%}, at {m.offered_rps:.0f} req/s"
    measured = {
        "p95_ms": m.p95_ms,
        "p99_ms": m.p99_ms,
        "error_rate": m.error_rate,
        "achieved_rps": m.achieved_rps,
    }
    return Verdict(name, label, not why, round(m.offered_rps, 3), measured, targets, summary + extra)


def _choose(slo: SLOConfig, rows: list[tuple[StepResult, Measure]]) -> tuple[Measure, str]:
    """The step a verdict is judged at: the first reaching the throughput target, else the
    highest step that held (with where it broke), else the first step."""
    if slo.throughput_rps is not None:
        for _, m in rows:
            if m.offered_rps >= slo.throughput_rps * 0.999:
                return m, ""
        broken = next((m for _, m in rows if failures(slo, m)), None)
        if broken is not None:
            return broken, f" (throughput target {slo.throughput_rps:g} req/s not reached)"
        last = rows[-1][1]
        return replace_requests(last), f"; throughput target {slo.throughput_rps:g} req/s not offered"
    held = [m for _, m in rows if not failures(slo, m)]
    broke = next((m for _, m in rows if failures(slo, m)), None)
    if held and (broke is None or held[0].offered_rps < broke.offered_rps):
        best = max(held, key=lambda m: m.offered_rps)
        after = f"; breaks at {broke.offered_rps:.0f} req/s" if broke is not None else ""
        return best, after
    return rows[0][1], ""


def replace_requests(m: Measure) -> Measure:
    """A measure that fails for want of data (throughput never offered)."""
    return Measure(m.p95_ms, m.p99_ms, m.error_rate, m.achieved_rps, m.offered_rps, 0)


def verdicts(
    plan: LoadPlan, slos: Mapping[str, SLOConfig], samples: SampleSet, steps: Sequence[StepResult], mode: Mode
) -> tuple[Verdict, ...]:
    out = []
    for name, slo in sorted(slos.items()):
        found = _key(plan, name)
        if found is None or not steps:
            continue
        key, label = found
        rows = [(s, measure(samples, s, key, _offered(plan, s, key))) for s in steps]
        if mode is Mode.STEP:
            m, extra = _choose(slo, rows)
        else:  # soak / constant: the repeat with the median p95
            m, extra = sorted((r[1] for r in rows), key=lambda x: x.p95_ms)[(len(rows) - 1) // 2], ""
        out.append(_verdict(name, label, slo, m, extra))
    return tuple(out)


_DRIFT_LIMITS = (
    ("p95_ms", "soak_max_p95_drift_ms_per_min", 1.0, "ms"),
    ("error_rate", "soak_max_error_drift_per_min", 1.0, ""),
    ("rss_bytes", "soak_max_rss_drift_mib_per_min", float(1 << 20), "MiB"),
)


def drift_verdicts(
    plan: LoadPlan, trends: Sequence[Trend], load: LoadConfig, rate: float
) -> tuple[Verdict, ...]:
    """A soak trend whose whole 95 % CI of the slope exceeds the configured rate per minute
    fails the run; a trend within it passes.  Both are stored as evidence."""
    label = plan.endpoints[0].name if len(plan.endpoints) == 1 else "all endpoints"
    out = []
    for trend in trends:
        limit_key = next((lim for metric, lim, _, _ in _DRIFT_LIMITS if metric == trend.metric), None)
        if limit_key is None:
            continue
        scale, unit = next((sc, u) for m, _, sc, u in _DRIFT_LIMITS if m == trend.metric)
        limit = float(getattr(load, limit_key))
        low, slope = trend.low * 60 / scale, trend.slope * 60 / scale
        failed = trend.drifting and low > limit
        words = "drifting" if failed else "within the limit"
        summary = (
            f"soak {trend.metric} {words}: {slope:+.3g} {unit}/min (95 % CI from {low:+.3g}) "
            f"against a limit of {limit:g} {unit}/min, at {rate:g} req/s"
        ).replace("  ", " ")
        measured = {"slope_per_min": slope, "ci_low_per_min": low, "p_value": trend.p_value}
        out.append(
            Verdict(
                f"soak drift {trend.metric}",
                label,
                not failed,
                rate,
                measured,
                {"max_per_min": limit},
                summary,
            )
        )
    return tuple(out)


def severity(verdict: Verdict) -> Severity:
    if verdict.passed:
        return Severity.INFO
    ratios = [
        verdict.measured[k] / verdict.targets[k]
        for k in ("p95_ms", "p99_ms")
        if k in verdict.targets and verdict.targets[k] > 0
    ]
    budget = verdict.targets.get("error_budget", 0.0)
    errors_bad = verdict.measured.get("error_rate", 0.0) > max(5 * budget, 0.05)
    return Severity.HIGH if errors_bad or any(r >= 2 for r in ratios) else Severity.MEDIUM


def to_evidence(verdict_list: Sequence[Verdict], target: str, project: str = "") -> list[Evidence]:
    now = datetime.now(UTC)
    return [
        Evidence(
            kind=EvidenceKind.LOAD,
            summary=v.summary,
            severity=severity(v),
            recorded_at=now,
            endpoint=v.endpoint,
            source=f"stackaudit load {target}",
            data_json=json.dumps(asdict(v), sort_keys=True),
            project=project,
        )
        for v in verdict_list
    ]


def incomplete_evidence(reason: str, target: str, project: str = "") -> Evidence:
    """The record of a run that failed: never a measurement, so no endpoint nor location
    (it joins no finding) and severity info; ``data_json`` says ``incomplete``."""
    return Evidence(
        kind=EvidenceKind.LOAD,
        summary=f"incomplete load run on {target}: {reason}",
        severity=Severity.INFO,
        recorded_at=datetime.now(UTC),
        source=f"stackaudit load {target}",
        data_json=json.dumps({"incomplete": True, "reason": reason, "target": target}, sort_keys=True),
        project=project,
    )
