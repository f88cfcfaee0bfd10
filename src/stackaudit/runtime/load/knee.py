"""Where the latency curve bends, or evidence that it did not.

A knee is only reported when latency has left its flat region.  Kneedle alone always finds
*some* point of maximum curvature, even on noise, so the knee would move with the chosen
step range, not with the server.  Here a bend must first be established:

1. **Significant rise.**  The flat region grows from the first steps while each next step
   stays within the noise.  A step rises when its p95 is above the flat baseline (median of
   the flat steps) by ``min_rise`` (relative) AND ``min_rise_ms`` (absolute) AND by more
   than three times the measured noise of the flat steps (their p95 spread, and each p95's
   own order-statistic confidence interval).
2. **Curvature.**  The slope into the rising step is more than twice the flat region's
   median slope: a straight line (latency linear in load) has no knee.
3. **It stays.**  Every later step stays above the rise threshold; a rise at the last step
   needs backing (utilisation past the knee, dropped iterations, errors, achieved < offered)
   or twice the required rise.

Once a bend is established, Kneedle (``kneed``) places the knee, clamped between the last
flat step and the first rising one.  Without a bend the answer is "no knee up to N req/s",
with the headroom the CPU utilisation gives when it was measured.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from kneed import KneeLocator

from stackaudit.runtime.load.model import Knee, StepResult

MIN_RISE = 0.5  # the bend must raise p95 by 50 % over the flat baseline ...
MIN_RISE_MS = 5.0  # ... and by at least 5 ms ...
NOISE_FACTOR = 3.0  # ... and by three times the flat steps' measured noise
CURVATURE = 2.0  # the slope into the bend is twice the flat slope


@dataclass(frozen=True, slots=True)
class KneeSettings:
    min_rise: float = MIN_RISE
    min_rise_ms: float = MIN_RISE_MS
    utilisation_knee: float = 0.70


def _noise(flat: Sequence[StepResult]) -> float:
    spread = max(s.p95_ms for s in flat) - min(s.p95_ms for s in flat)
    own = max((s.p95_high_ms - s.p95_ms for s in flat if s.p95_high_ms), default=0.0)
    return max(spread, own)


def _threshold(flat: Sequence[StepResult], cfg: KneeSettings) -> float:
    base = statistics.median(s.p95_ms for s in flat)
    top = max(s.p95_ms for s in flat)
    return max(base * (1 + cfg.min_rise), base + cfg.min_rise_ms, top + NOISE_FACTOR * _noise(flat))


def _slope(a: StepResult, b: StepResult) -> float:
    gap = b.offered_rps - a.offered_rps
    return (b.p95_ms - a.p95_ms) / gap if gap > 0 else 0.0


def _curved(done: Sequence[StepResult], r: int) -> bool:
    flat_slopes = [_slope(a, b) for a, b in itertools.pairwise(done[:r])]
    base = max(statistics.median(flat_slopes), 0.0) if flat_slopes else 0.0
    into = _slope(done[r - 1], done[r])
    return into > CURVATURE * base


def backing(step: StepResult, flat: Sequence[StepResult], cfg: KneeSettings) -> list[str]:
    """What besides latency says the target saturated at ``step``."""
    why = []
    if step.cpu_utilisation is not None and step.cpu_utilisation >= cfg.utilisation_knee:
        why.append(f"CPU {step.cpu_utilisation:.0%}")
    if step.dropped:
        why.append(f"{step.dropped} dropped iteration(s)")
    if step.error_rate > max(s.error_rate for s in flat) + 0.01:
        why.append(f"errors {step.error_rate:.1%}")
    if step.offered_rps > 0 and step.achieved_rps < 0.9 * step.offered_rps:
        why.append(f"achieved {step.achieved_rps:.0f} of {step.offered_rps:.0f} req/s")
    return why


def _bend(done: Sequence[StepResult], cfg: KneeSettings) -> tuple[int, list[str]] | None:
    """Index of the first step where latency left the flat region, and its backing."""
    for r in range(1, len(done)):
        flat = done[:r]
        limit = _threshold(flat, cfg)
        if done[r].p95_ms <= limit:
            continue
        if not _curved(done, r):
            continue
        later = done[r + 1 :]
        if later and not all(s.p95_ms > limit for s in later):
            continue  # a spike, not a bend
        support = next((b for s in done[r:] if (b := backing(s, flat, cfg))), [])
        base = statistics.median(s.p95_ms for s in flat)
        if not later and not support and done[r].p95_ms - base <= 2 * (limit - base):
            continue  # a rise at the last step alone, with nothing else to back it
        return r, support
    return None


def _kneedle(done: Sequence[StepResult]) -> float | None:
    xs = [s.offered_rps for s in done]
    ys = [s.p95_ms for s in done]
    if len(xs) < 3 or max(ys) <= min(ys):
        return None
    found = KneeLocator(xs, ys, curve="convex", direction="increasing", online=True).knee
    return float(found) if found is not None else None


def _headroom(done: Sequence[StepResult]) -> str:
    top = done[-1]
    if top.cpu_utilisation is None or top.cpu_utilisation <= 0:
        return "headroom unknown (no --pid / --cgroup: CPU not measured)"
    ceiling = top.offered_rps / top.cpu_utilisation
    return (
        f"CPU {top.cpu_utilisation:.0%} at {top.offered_rps:g} req/s: about "
        f"{ceiling:.0f} req/s at 100 % ({ceiling / top.offered_rps:.1f}x)"
    )


def find(steps: Sequence[StepResult], cfg: KneeSettings | None = None) -> Knee:
    """The knee of p95 against offered load, or why there is none."""
    cfg = cfg or KneeSettings()
    done = sorted((s for s in steps if s.requests > 0 and not s.partial), key=lambda s: s.offered_rps)
    if len(done) < 3:
        return Knee(None, None, None, f"too few complete steps ({len(done)}) to judge a knee (need 3)", ())
    found = _bend(done, cfg)
    flat_top = done[-1].offered_rps
    if found is None:
        why = f"no knee up to {flat_top:g} req/s: p95 stayed within the noise of its flat region"
        return Knee(None, None, flat_top, why, (), _headroom(done))
    r, support = found
    low, high = done[r - 1].offered_rps, done[r].offered_rps
    located = _kneedle(done)
    knee = min(max(located if located is not None else low, low), high)
    base = statistics.median(s.p95_ms for s in done[:r])
    why = (
        f"p95 rose from {base:.1f} ms (flat up to {low:g} req/s) to {done[r].p95_ms:.1f} ms "
        f"at {high:g} req/s" + (f"; backed by {', '.join(support)}" if support else "")
    )
    return Knee(knee, high, low, why, tuple(support))
