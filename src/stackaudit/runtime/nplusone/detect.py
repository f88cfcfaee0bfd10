"""Find N+1 patterns in one unit of work, the way Sentry's detector does.

A run of at least ``min_repeats`` consecutive statements with the same
fingerprint, preceded by a different "source" statement (the query that
produced the rows being iterated), totalling at least ``min_total_ms``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from stackaudit.runtime.nplusone.capture import CallSite, QueryEvent


@dataclass(frozen=True, slots=True)
class NPlusOne:
    unit: str
    shape: str
    fingerprint: str
    count: int
    total_ms: float
    site: CallSite | None
    source_shape: str


def detect(
    events: Sequence[QueryEvent], unit: str, min_repeats: int = 5, min_total_ms: float = 50.0
) -> list[NPlusOne]:
    found: list[NPlusOne] = []
    start = 0
    while start < len(events):
        end = start + 1
        while end < len(events) and events[end].fingerprint == events[start].fingerprint:
            end += 1
        run = events[start:end]
        total = sum(e.duration_ms for e in run)
        if start > 0 and len(run) >= min_repeats and total >= min_total_ms:
            sites = Counter(e.site for e in run if e.site is not None)
            site = sites.most_common(1)[0][0] if sites else None
            found.append(
                NPlusOne(
                    unit, run[0].shape, run[0].fingerprint, len(run), total, site, events[start - 1].shape
                )
            )
        start = end
    return found
