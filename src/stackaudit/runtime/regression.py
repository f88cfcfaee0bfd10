"""Performance regression gate: p95 latency and allocation peaks against a baseline run.

``compare(baseline, current, thresholds)`` is a pure function.  Each metric is judged on
its repeats (one value per repeated run or benchmark):

- the change is the ratio of the medians, current / baseline;
- the noise check is a percentile bootstrap (1 - alpha) CI of that ratio over the *runs*
  (each repeat is a separate run, so run-to-run variance is in the resampling; seeded, so the
  verdict is reproducible).  When the repeats come from several sessions (several baseline
  or current files, e.g. interleaved baseline / current / baseline runs), the bootstrap is
  hierarchical: sessions are resampled first, then repeats within them, so drift between
  sessions widens the interval.  The one-sided Mann-Whitney U p-value is reported beside it;
- FAIL only when the WHOLE interval clears the minimum effect (its lower end above
  1 + threshold): a difference that might be noise plus a small real change is not a
  failure.  PASS when even the interval's upper end stays within the threshold.  Anything
  else is INCONCLUSIVE, an answer of its own, never a pass or a fail;
- interleaved runs (baseline and current repeats alternating in time, e.g. one
  ``stackaudit load --repeats 1`` of each in turn, known from each repeat's start time) are
  compared pair by pair: the interval is the bootstrap of the median per-pair ratio, with a
  Wilcoxon signed-rank p-value.  The machine's drift, shared by the two runs of a pair,
  cancels in their ratio: far more power on a busy machine, the same 5 % bar.

A significant but small difference (the interval above 1 yet not above 1 + threshold) was a
FAIL before; on identical setups on a busy machine it failed one comparison in four
(drift between runs of a few per cent).  Requiring the minimum effect of the whole interval
is what removes those failures; bench/bench_gate.py measures both rates.
"""

from __future__ import annotations

import json
import statistics
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from stackaudit.config.sections.runtime import RegressionConfig

SAMPLE_SCHEMA = "stackaudit.perf-sample"


class Outcome(IntEnum):
    """Ordered: the worst metric decides the gate."""

    PASS = 0
    INCONCLUSIVE = 1
    FAIL = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class SampleError(ValueError):
    """A baseline or current file that cannot be read as a PerfSample (names the file)."""


@dataclass(frozen=True, slots=True)
class PerfSample:
    """Repeats of one measured thing: p95 per repeat (ms), allocation peak per repeat (bytes)."""

    name: str
    p95_ms: tuple[float, ...] = ()
    alloc_peak_bytes: tuple[float, ...] = ()
    sessions: tuple[int, ...] = ()  # session of each p95 repeat (several files); () = one session
    started_at: tuple[float, ...] = ()  # epoch start of each p95 repeat, when known


@dataclass(frozen=True, slots=True)
class MetricVerdict:
    metric: str
    outcome: Outcome
    baseline_median: float
    current_median: float
    change: float  # current / baseline - 1
    ci_low: float  # bootstrap (1 - alpha) CI of the ratio of medians
    ci_high: float
    p_value: float  # one-sided Mann-Whitney U, current > baseline
    threshold: float
    reason: str


@dataclass(frozen=True, slots=True)
class RegressionVerdict:
    name: str
    outcome: Outcome
    metrics: tuple[MetricVerdict, ...]

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["outcome"] = self.outcome.label
        for m in doc["metrics"]:
            m["outcome"] = Outcome(m["outcome"]).label
        return doc


def _resample(values: np.ndarray, groups: np.ndarray, rounds: int, rng: np.random.Generator) -> np.ndarray:
    """Medians of ``rounds`` bootstrap samples; hierarchical when there are several groups."""
    labels = np.unique(groups)
    if len(labels) < 2:
        medians: np.ndarray = np.median(rng.choice(values, size=(rounds, len(values)), replace=True), axis=1)
        return medians
    members = [values[groups == g] for g in labels]
    out = np.empty(rounds)
    for i in range(rounds):
        picked = rng.integers(0, len(members), size=len(members))
        drawn = [rng.choice(members[j], size=len(members[j]), replace=True) for j in picked]
        out[i] = np.median(np.concatenate(drawn))
    return out


def _bootstrap_ratio(
    base: Sequence[float],
    cur: Sequence[float],
    rounds: int,
    alpha: float,
    groups: tuple[Sequence[int], Sequence[int]] = ((), ()),
) -> tuple[float, float]:
    rng = np.random.default_rng(20260101)
    b_groups = np.asarray(groups[0] if len(groups[0]) == len(base) else [0] * len(base))
    c_groups = np.asarray(groups[1] if len(groups[1]) == len(cur) else [0] * len(cur))
    b = _resample(np.asarray(base, dtype=float), b_groups, rounds, rng)
    c = _resample(np.asarray(cur, dtype=float), c_groups, rounds, rng)
    ratios = c / np.maximum(b, 1e-12)
    low, high = np.percentile(ratios, [50 * alpha, 100 - 50 * alpha])
    return float(low), float(high)


def _p_value(base: Sequence[float], cur: Sequence[float]) -> float:
    if len(set(base) | set(cur)) < 2:
        return 1.0
    return float(stats.mannwhitneyu(cur, base, alternative="greater").pvalue)


def interleaved(base: PerfSample, cur: PerfSample) -> bool:
    """Repeat i of the baseline and repeat i of the current ran back to back, before pair i+1:
    the runs alternate, so each pair shared the machine's state of the moment."""
    nb, nc = len(base.p95_ms), len(cur.p95_ms)
    if nb != nc or nb < 2 or len(base.started_at) != nb or len(cur.started_at) != nc:
        return False
    b, c = sorted(base.started_at), sorted(cur.started_at)
    return all(max(b[i], c[i]) < min(b[i + 1], c[i + 1]) for i in range(nb - 1))


def _by_time(sample: PerfSample) -> list[float]:
    return [v for _, v in sorted(zip(sample.started_at, sample.p95_ms, strict=True))]


@dataclass(frozen=True, slots=True)
class _Spread:
    change: float
    low: float
    high: float
    p_value: float
    how: str


def _paired_spread(base: Sequence[float], cur: Sequence[float], cfg: RegressionConfig) -> _Spread:
    """Interleaved runs: the median of the per-pair ratios, bootstrapped over pairs.  The
    drift both runs of a pair shared cancels in their ratio."""
    ratios = np.asarray(cur, dtype=float) / np.maximum(np.asarray(base, dtype=float), 1e-12)
    rng = np.random.default_rng(20260101)
    boot = np.median(rng.choice(ratios, size=(cfg.bootstrap_rounds, len(ratios)), replace=True), axis=1)
    low, high = np.percentile(boot, [50 * cfg.alpha, 100 - 50 * cfg.alpha])
    logs = np.log(ratios)
    p = float(stats.wilcoxon(logs, alternative="greater").pvalue) if np.any(logs != 0) else 1.0
    how = f"paired over {len(ratios)} interleaved pairs, Wilcoxon p={p:.3g}"
    return _Spread(float(np.median(ratios)) - 1, float(low), float(high), p, how)


def compare_metric(
    metric: str,
    base: Sequence[float],
    cur: Sequence[float],
    threshold: float,
    cfg: RegressionConfig,
    groups: tuple[Sequence[int], Sequence[int]] = ((), ()),
    paired: bool = False,
) -> MetricVerdict | None:
    """One metric's verdict; None when neither run measured it."""
    if not base and not cur:
        return None
    if len(base) < cfg.min_repeats or len(cur) < cfg.min_repeats:
        why = f"too few repeats ({len(base)} baseline, {len(cur)} current; need {cfg.min_repeats})"
        mb = statistics.median(base) if base else 0.0
        mc = statistics.median(cur) if cur else 0.0
        change = mc / mb - 1 if mb > 0 and cur else 0.0
        return MetricVerdict(metric, Outcome.INCONCLUSIVE, mb, mc, change, 0.0, 0.0, 1.0, threshold, why)
    mb, mc = statistics.median(base), statistics.median(cur)
    if mb <= 0:
        return MetricVerdict(
            metric, Outcome.INCONCLUSIVE, mb, mc, 0.0, 0.0, 0.0, 1.0, threshold, "baseline median is zero"
        )
    if paired:
        found = _paired_spread(base, cur, cfg)
    else:
        low, high = _bootstrap_ratio(base, cur, cfg.bootstrap_rounds, cfg.alpha, groups)
        p = _p_value(base, cur)
        found = _Spread(mc / mb - 1, low, high, p, f"Mann-Whitney p={p:.3g}")
    change, low, high, p = found.change, found.low, found.high, found.p_value
    spread = f"{1 - cfg.alpha:.0%} CI of the ratio {low:.3f}..{high:.3f}, {found.how}"
    if low - 1 > threshold:
        outcome = Outcome.FAIL
        why = f"{metric} up {change:+.1%}: the whole interval is above +{threshold:.0%}"
    elif high - 1 <= threshold:
        outcome, why = Outcome.PASS, f"{metric} {change:+.1%}, within {threshold:.0%} even at the CI's end"
    else:
        outcome = Outcome.INCONCLUSIVE
        why = (
            f"{metric} {change:+.1%}: the difference is inside the spread "
            f"(the interval does not clear +{threshold:.0%})"
        )
    return MetricVerdict(metric, outcome, mb, mc, change, low, high, p, threshold, f"{why} ({spread})")


def compare(baseline: PerfSample, current: PerfSample, thresholds: RegressionConfig) -> RegressionVerdict:
    """The gate's verdict on ``current`` against ``baseline``: the worst metric decides."""
    paired = interleaved(baseline, current)
    found = [
        compare_metric(
            "p95_ms",
            _by_time(baseline) if paired else baseline.p95_ms,
            _by_time(current) if paired else current.p95_ms,
            thresholds.p95_threshold,
            thresholds,
            (baseline.sessions, current.sessions),
            paired,
        ),
        compare_metric(
            "alloc_peak_bytes",
            baseline.alloc_peak_bytes,
            current.alloc_peak_bytes,
            thresholds.alloc_threshold,
            thresholds,
        ),
    ]
    metrics = tuple(m for m in found if m is not None)
    outcome = max((m.outcome for m in metrics), default=Outcome.INCONCLUSIVE)
    return RegressionVerdict(current.name or baseline.name, outcome, metrics)


def measure_allocations(fn: Callable[[], object], repeats: int = 5) -> tuple[float, ...]:
    """tracemalloc peak (bytes) of one call of ``fn``, per repeat."""
    peaks = []
    for _ in range(repeats):
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            fn()
            peaks.append(float(tracemalloc.get_traced_memory()[1] - base))
        finally:
            tracemalloc.stop()
    return tuple(peaks)


def sample_from_dict(data: Mapping[str, Any], endpoint: str = "all", where: str = "") -> PerfSample:
    """A PerfSample from a perf-sample JSON or a ``stackaudit load`` JSON report (its
    ``repeats_p95_ms`` for ``endpoint``; else one p95 per step)."""
    if data.get("schema") == SAMPLE_SCHEMA:
        return PerfSample(
            str(data.get("name", "")),
            tuple(map(float, data.get("p95_ms", []))),
            tuple(map(float, data.get("alloc_peak_bytes", []))),
            started_at=tuple(map(float, data.get("started_at", []))),
        )
    if data.get("schema") == "stackaudit.load":
        repeats = dict(data.get("repeats_p95_ms") or {})
        started = tuple(map(float, data.get("repeats_started_at") or ()))
        if endpoint in repeats:
            values = tuple(map(float, repeats[endpoint]))
            if len(started) == len(values):
                return PerfSample(f"{data.get('target', '')} {endpoint}", values, (), (), started)
        elif endpoint == "all":
            values = tuple(float(s["p95_ms"]) for s in data.get("steps", []) if s.get("requests"))
        else:
            raise SampleError(f"{where}: no repeats for endpoint {endpoint!r} in this load report")
        return PerfSample(f"{data.get('target', '')} {endpoint}", values, ())
    raise SampleError(f"{where}: neither a load report nor a perf sample (schema {data.get('schema')!r})")


def combine(samples: Sequence[PerfSample]) -> PerfSample:
    """Several files of one side (sessions) as one sample that remembers each repeat's session."""
    if len(samples) == 1:
        return samples[0]
    p95: list[float] = []
    sessions: list[int] = []
    alloc: list[float] = []
    started: list[float] = []
    for i, sample in enumerate(samples):
        p95 += sample.p95_ms
        sessions += [i] * len(sample.p95_ms)
        alloc += sample.alloc_peak_bytes
        started += sample.started_at
    timed = tuple(started) if len(started) == len(p95) else ()
    return PerfSample(samples[0].name, tuple(p95), tuple(alloc), tuple(sessions), timed)


def read_sample(path: Path, endpoint: str = "all") -> PerfSample:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SampleError(f"{path}: cannot read ({exc})") from exc
    if not isinstance(data, dict):
        raise SampleError(f"{path}: expected a JSON object")
    return sample_from_dict(data, endpoint, str(path))


def sample_to_json(sample: PerfSample) -> str:
    return (
        json.dumps(
            {
                "schema": SAMPLE_SCHEMA,
                "name": sample.name,
                "p95_ms": list(sample.p95_ms),
                "started_at": list(sample.started_at),
                "alloc_peak_bytes": list(sample.alloc_peak_bytes),
            },
            indent=2,
        )
        + "\n"
    )
