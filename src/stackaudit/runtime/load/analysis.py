"""From merged samples to results: per-step rows, the knee, non-linear growth past the
utilisation knee, soak trends and cost per request.  Pure functions over SampleSet."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hdrh.histogram import HdrHistogram
from scipy import stats

from stackaudit.runtime.load import knee
from stackaudit.runtime.load.model import Cost, EndpointStep, LoadPlan, StepResult, StepSpec, Trend
from stackaudit.runtime.load.samples import SampleSet, latency


@dataclass(frozen=True, slots=True)
class StepContext:
    """What the runner knows about one step besides its samples."""

    spec: StepSpec
    cpu_seconds: float | None = None
    cores: float = 1.0
    problems: tuple[str, ...] = ()
    partial: bool = False
    incomplete: str | None = None  # why the step is not a measurement


def step_result(plan: LoadPlan, samples: SampleSet, ctx: StepContext) -> StepResult:
    step = str(ctx.spec.index)
    seconds = ctx.spec.seconds
    total = latency(samples.hists.get((step, "all")))
    requests = samples.requests[(step, "all")]
    errors = samples.errors[(step, "all")]
    rows = []
    for i, endpoint in enumerate(plan.endpoints):
        key = (step, f"ep:{i}")
        lat = latency(samples.hists.get(key))
        n, bad = samples.requests[key], samples.errors[key]
        rows.append(
            EndpointStep(
                endpoint=endpoint.name,
                offered_rps=round(ctx.spec.rate * plan.endpoint_share(i), 3),
                achieved_rps=round(n / seconds, 3),
                p50_ms=lat.p50_ms,
                p95_ms=lat.p95_ms,
                p99_ms=lat.p99_ms,
                error_rate=bad / n if n else 0.0,
                requests=n,
                errors=bad,
            )
        )
    low, high = p95_interval(samples.hists.get((step, "all")))
    util = None
    if ctx.cpu_seconds is not None:
        util = round(ctx.cpu_seconds / seconds / ctx.cores, 4)
    return StepResult(
        index=ctx.spec.index,
        target_rate=ctx.spec.rate,
        seconds=seconds,
        offered_rps=round(ctx.spec.rate * plan.requests_per_iteration(), 3),
        achieved_rps=round(requests / seconds, 3),
        p50_ms=total.p50_ms,
        p95_ms=total.p95_ms,
        p99_ms=total.p99_ms,
        error_rate=errors / requests if requests else 0.0,
        dropped=samples.dropped[step],
        requests=requests,
        errors=errors,
        endpoints=tuple(rows),
        cpu_seconds=ctx.cpu_seconds,
        cpu_utilisation=util,
        partial=ctx.partial,
        problems=ctx.problems,
        p95_low_ms=low,
        p95_high_ms=high,
        peak_vus=samples.peak_vus.get(step, 0),
    )


def find_knee(steps: Sequence[StepResult]) -> float | None:
    """The knee in req/s, only where the curve bends (``knee.find``); None otherwise."""
    return knee.find(steps).knee_rps


def flag_nonlinear(steps: Sequence[StepResult], knee_utilisation: float) -> tuple[StepResult, ...]:
    """Mark steps past ``knee_utilisation`` whose p95 slope (ms per req/s) is more than
    twice the slope seen below it: latency turning non-linear as the target saturates."""
    done = [s for s in steps if s.requests > 0]
    slopes: list[float] = []
    for prev, cur in itertools.pairwise(done):
        gap = cur.offered_rps - prev.offered_rps
        slopes.append((cur.p95_ms - prev.p95_ms) / gap if gap > 0 else 0.0)
    calm = [
        sl
        for sl, cur in zip(slopes, done[1:], strict=False)
        if cur.cpu_utilisation is not None and cur.cpu_utilisation < knee_utilisation
    ]
    base = max(statistics.median(calm) if calm else (slopes[0] if slopes else 0.0), 0.0)
    floor = 0.02 * (done[0].p95_ms if done else 0.0)  # 2 % of the idle p95 per req/s
    flagged: dict[int, bool] = {}
    for sl, cur in zip(slopes, done[1:], strict=False):
        hot = cur.cpu_utilisation is not None and cur.cpu_utilisation >= knee_utilisation
        flagged[cur.index] = hot and sl > max(2 * base, floor)
    return tuple(replace(s, nonlinear=flagged.get(s.index, False)) for s in steps)


def trend(metric: str, xs: Sequence[float], ys: Sequence[float], material: float) -> Trend | None:
    """Theil-Sen slope with a 95 % CI and Kendall's tau p-value.  ``drifting`` needs the
    CI to exclude zero, p < 0.05, and a change over the run larger than ``material``."""
    if len(xs) < 4 or len(set(ys)) < 2:
        if len(xs) >= 4:
            return Trend(metric, "per second", 0.0, 0.0, 0.0, 1.0, ys[0], ys[-1], False, len(xs))
        return None
    slope, _, low, high = stats.theilslopes(ys, xs, alpha=0.95)
    tau = stats.kendalltau(xs, ys)
    p_value = float(tau.pvalue) if not math.isnan(tau.pvalue) else 1.0
    change = slope * (xs[-1] - xs[0])
    drifting = bool(low > 0 and p_value < 0.05 and change > material)
    return Trend(
        metric,
        "per second",
        float(slope),
        float(low),
        float(high),
        p_value,
        float(ys[0]),
        float(ys[-1]),
        drifting,
        len(xs),
    )


def window_series(samples: SampleSet) -> tuple[list[float], list[float], list[float]]:
    """(window start offsets in s, p95 ms, error rate) of full windows (edges dropped)."""
    keys = sorted(samples.windows)
    if not keys:
        return [], [], []
    counts = [samples.window_requests[k] for k in keys]
    need = 0.5 * statistics.median(counts)
    keep = [k for k in keys if samples.window_requests[k] >= need]
    if len(keep) > 2:
        keep = keep[1:-1] if keep[0] == keys[0] and keep[-1] == keys[-1] else keep
    xs = [(k - keep[0]) * samples.window_s for k in keep] if keep else []
    p95 = [latency(samples.windows[k]).p95_ms for k in keep]
    err = [samples.window_errors[k] / samples.window_requests[k] for k in keep]
    return xs, p95, err


def soak_trends(samples: SampleSet, rss: Sequence[tuple[float, int]]) -> tuple[Trend, ...]:
    """p95 and error trends over windows; RSS trend over the probe's readings."""
    xs, p95, err = window_series(samples)
    found: list[Trend | None] = []
    if p95:
        early = statistics.median(p95[: max(1, len(p95) // 4)])
        found.append(trend("p95_ms", xs, p95, material=0.10 * early))
        found.append(trend("error_rate", xs, err, material=0.005))
    if rss:
        t0 = rss[0][0]
        mem = [float(r) for _, r in rss]
        found.append(trend("rss_bytes", [t - t0 for t, _ in rss], mem, material=max(1 << 20, 0.05 * mem[0])))
    return tuple(t for t in found if t is not None)


def cost(cpu_seconds: float | None, requests: int, price: float, currency: str) -> Cost | None:
    """CPU per request; a money figure only when a price is set (never "0 USD")."""
    if cpu_seconds is None or requests <= 0:
        return None
    per = cpu_seconds / requests
    if price <= 0:
        return Cost(round(cpu_seconds, 4), requests, per, 0.0, None, None, currency)
    return Cost(round(cpu_seconds, 4), requests, per, price, per * price, per * price * 1e6, currency)


def p95_interval(hist: HdrHistogram | None) -> tuple[float, float]:
    """95 % CI of the p95 from its order statistic: ranks n*0.95 +- 1.96*sqrt(n*0.95*0.05)."""
    if hist is None or hist.get_total_count() == 0:
        return 0.0, 0.0
    n = hist.get_total_count()
    half = 1.96 * math.sqrt(n * 0.95 * 0.05)
    low = max(0.0, 100 * (n * 0.95 - half) / n)
    high = min(100.0, 100 * (n * 0.95 + half) / n)
    return hist.get_value_at_percentile(low) / 1000, hist.get_value_at_percentile(high) / 1000
