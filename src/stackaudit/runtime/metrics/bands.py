"""Verdict bands. A table, so each threshold is visible and tested."""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    TARGET = "target"  # 80-90 % cache hits
    ABOVE_TARGET = "above-target"  # 90-95 %: fine
    BELOW_TARGET = "below-target"  # 70-80 %
    WASTEFUL = "wasteful"  # < 70 %: the cache costs more than it saves
    SUSPECT = "suspect"  # > 95 %: stale data, over-long TTLs, or a cache in front of nothing
    OK = "ok"
    HIGH = "high"  # a pool or connection limit close to exhaustion
    NO_DATA = "no-data"
    TOO_LITTLE_TRAFFIC = "too-little-traffic"  # the window saw too few lookups to judge a ratio


# (lower bound inclusive, verdict, explanation), checked from the top.
CACHE_HIT_BANDS: tuple[tuple[float, Verdict, str], ...] = (
    (0.95, Verdict.SUSPECT, "above 95 %: check for stale data, over-long TTLs or a cache hiding nothing"),
    (0.90, Verdict.ABOVE_TARGET, "90-95 %: above the 80-90 % target"),
    (0.80, Verdict.TARGET, "within the 80-90 % target"),
    (0.70, Verdict.BELOW_TARGET, "70-80 %: below the 80-90 % target"),
    (0.0, Verdict.WASTEFUL, "below 70 %: the cache is wasteful (keys, TTLs or what is cached)"),
)

HIGH_UTILISATION = 0.8


def cache_hit_verdict(ratio: float | None) -> tuple[Verdict, str]:
    if ratio is None:
        return Verdict.NO_DATA, "no cache lookups observed"
    for lower, verdict, text in CACHE_HIT_BANDS:
        if ratio >= lower:
            return verdict, text
    return Verdict.WASTEFUL, CACHE_HIT_BANDS[-1][2]


def utilisation_verdict(used: float, limit: float) -> tuple[Verdict, str]:
    if limit <= 0:
        return Verdict.NO_DATA, "no limit reported"
    share = used / limit
    if share >= HIGH_UTILISATION:
        return Verdict.HIGH, f"{share:.0%} of the limit in use (>= {HIGH_UTILISATION:.0%})"
    return Verdict.OK, f"{share:.0%} of the limit in use"
