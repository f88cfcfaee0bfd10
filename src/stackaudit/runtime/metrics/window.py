"""Sample sources over a window and turn the snapshots into readings with verdicts.

Counters (cache hits, buffer reads, CPU seconds) are compared between the first
and last snapshot, so the ratios describe the window, not the server's lifetime;
gauges (connections, queue depths, waiting sessions) keep their peak.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from stackaudit.runtime.metrics.bands import Verdict, cache_hit_verdict, utilisation_verdict
from stackaudit.runtime.metrics.sources import (
    Snapshot,
    SourceError,
    postgres_snapshot,
    prometheus_snapshot,
    redis_snapshot,
)

PG_BUFFER_BANDS: tuple[tuple[float, Verdict, str], ...] = (
    (0.99, Verdict.TARGET, "at least 99 %: the working set fits in shared_buffers"),
    (0.95, Verdict.BELOW_TARGET, "95-99 %: some reads miss shared_buffers"),
    (0.0, Verdict.WASTEFUL, "below 95 %: the working set does not fit in memory"),
)
_HIT = re.compile(r"^(?P<base>.+?)_hits?(?:_total)?(?P<labels>\{.*\})?$")


@dataclass(frozen=True, slots=True)
class Targets:
    prometheus: tuple[str, ...] = ()
    redis: str | None = None
    postgres: str | None = None
    queues: tuple[str, ...] = ("celery",)


@dataclass(frozen=True, slots=True)
class Reading:
    source: str
    name: str
    value: float | None
    unit: str
    verdict: Verdict
    detail: str


@dataclass(frozen=True, slots=True)
class MetricsReport:
    label: str
    window_s: float
    samples: int
    readings: tuple[Reading, ...]
    errors: tuple[str, ...]


Reader = Callable[[], Snapshot]


def _readers(targets: Targets) -> list[Reader]:
    readers: list[Reader] = [lambda u=u: prometheus_snapshot(u) for u in targets.prometheus]  # type: ignore[misc]
    if targets.redis:
        url = targets.redis
        readers.append(lambda: redis_snapshot(url, targets.queues))
    if targets.postgres:
        pg = targets.postgres
        readers.append(lambda: postgres_snapshot(pg))
    return readers


def _ratio(hits: float, misses: float) -> float | None:
    total = hits + misses
    return hits / total if total > 0 else None


def _delta(first: Snapshot, last: Snapshot, key: str) -> float:
    return last.values.get(key, 0.0) - first.values.get(key, 0.0)


def _peak(series: Sequence[Snapshot], key: str) -> float:
    return max(s.values.get(key, 0.0) for s in series)


def _band(ratio: float | None, bands: tuple[tuple[float, Verdict, str], ...]) -> tuple[Verdict, str]:
    if ratio is None:
        return Verdict.NO_DATA, "no reads observed"
    for lower, verdict, text in bands:
        if ratio >= lower:
            return verdict, text
    return bands[-1][1], bands[-1][2]


def _hit_ratio(
    first: Snapshot, last: Snapshot, hits: str, misses: str, own: tuple[float, ...] = (0.0, 0.0)
) -> tuple[float | None, str]:
    ratio = _ratio(_delta(first, last, hits) - own[0], _delta(first, last, misses) - own[1])
    if ratio is not None:
        return ratio, "over the window"
    ratio = _ratio(last.values.get(hits, 0.0), last.values.get(misses, 0.0))
    return ratio, "no lookups in the window; cumulative since start"


def _redis(series: Sequence[Snapshot]) -> list[Reading]:
    first, last = series[0], series[-1]
    # every snapshot but the last looked queues up after its INFO, inside the window
    own = tuple(sum(s.values.get(k, 0.0) for s in series[:-1]) for k in ("own_hits", "own_misses"))
    ratio, scope = _hit_ratio(first, last, "keyspace_hits", "keyspace_misses", own)
    verdict, text = cache_hit_verdict(ratio)
    out = [Reading("redis", "cache hit ratio", ratio, "ratio", verdict, f"{text} ({scope})")]
    clients = _peak(series, "connected_clients")
    verdict, text = utilisation_verdict(clients, last.values.get("maxclients", 0.0))
    out.append(Reading("redis", "connected clients (peak)", clients, "clients", verdict, text))
    out.extend(_queues(series))
    return out


def _queues(series: Sequence[Snapshot]) -> list[Reading]:
    out = []
    first, last = series[0], series[-1]
    for key in sorted(k for k in last.values if k.startswith("queue:")):
        start, end, peak = first.values.get(key, 0.0), last.values[key], _peak(series, key)
        grew = end > start
        verdict = Verdict.HIGH if grew else Verdict.OK
        text = f"grew from {start:g} to {end:g} (peak {peak:g})" if grew else f"peak {peak:g}, not growing"
        out.append(Reading("redis", f"queue depth {key[6:]}", end, "items", verdict, text))
    return out


def _postgres(series: Sequence[Snapshot]) -> list[Reading]:
    first, last = series[0], series[-1]
    ratio, scope = _hit_ratio(first, last, "blks_hit", "blks_read")
    verdict, text = _band(ratio, PG_BUFFER_BANDS)
    out = [Reading("postgres", "buffer hit ratio", ratio, "ratio", verdict, f"{text} ({scope})")]
    used = _peak(series, "connections")
    verdict, text = utilisation_verdict(used, last.values.get("max_connections", 0.0))
    out.append(Reading("postgres", "connections (peak)", used, "connections", verdict, text))
    waiting = _peak(series, "waiting")
    verdict = Verdict.HIGH if waiting > 0 else Verdict.OK
    out.append(
        Reading(
            "postgres",
            "sessions waiting on locks (peak)",
            waiting,
            "sessions",
            verdict,
            "lock contention during the window" if waiting else "no lock waits",
        )
    )
    return out


def _prometheus(series: Sequence[Snapshot], window_s: float) -> list[Reading]:
    first, last = series[0], series[-1]
    src = last.source
    out = []
    if "process_cpu_seconds_total" in last.values and window_s > 0:
        cores = _delta(first, last, "process_cpu_seconds_total") / window_s
        out.append(
            Reading(src, "CPU (cores busy)", cores, "cores", Verdict.OK, "process_cpu_seconds_total rate")
        )
    if "process_resident_memory_bytes" in last.values:
        rss = last.values["process_resident_memory_bytes"]
        out.append(Reading(src, "resident memory", rss, "bytes", Verdict.OK, "process_resident_memory_bytes"))
    for key in sorted(last.values):
        match = _HIT.match(key)
        if not match:
            continue
        labels = match.group("labels") or ""
        misses = next(
            (
                k
                for k in (
                    f"{match.group('base')}_misses_total{labels}",
                    f"{match.group('base')}_miss_total{labels}",
                    f"{match.group('base')}_misses{labels}",
                )
                if k in last.values
            ),
            None,
        )
        if misses is None:
            continue
        ratio, scope = _hit_ratio(first, last, key, misses)
        verdict, text = cache_hit_verdict(ratio)
        out.append(
            Reading(
                src, f"{match.group('base')}{labels} hit ratio", ratio, "ratio", verdict, f"{text} ({scope})"
            )
        )
    for key in sorted(
        k for k in last.values if "queue" in k and ("depth" in k or "length" in k or "size" in k)
    ):
        out.append(Reading(src, key, last.values[key], "items", Verdict.OK, f"peak {_peak(series, key):g}"))
    return out


def derive(series_by_source: dict[str, list[Snapshot]], window_s: float) -> list[Reading]:
    readings: list[Reading] = []
    for source, series in series_by_source.items():
        if source == "redis":
            readings += _redis(series)
        elif source == "postgres":
            readings += _postgres(series)
        else:
            readings += _prometheus(series, window_s)
    return readings


def sample(
    targets: Targets,
    window_s: float,
    interval_s: float,
    label: str,
    sleep: Callable[[float], None] = time.sleep,
) -> MetricsReport:
    readers = _readers(targets)
    series: dict[int, list[Snapshot]] = {}
    errors: list[str] = []
    rounds = max(1, round(window_s / interval_s)) if interval_s > 0 else 1
    started = time.monotonic()
    failed: set[int] = set()
    for n in range(rounds + 1):
        if n:
            sleep(interval_s)
        for i, read in enumerate(readers):
            if i in failed:
                continue
            try:
                series.setdefault(i, []).append(read())
            except SourceError as exc:  # keep what was sampled so far: a partial window
                failed.add(i)
                errors.append(f"{exc} (after {len(series.get(i, []))} sample(s))" if n else str(exc))
    elapsed = time.monotonic() - started
    by_source = {s[0].source: s for s in series.values() if s}
    return MetricsReport(
        label, round(elapsed, 2), rounds + 1, tuple(derive(by_source, elapsed)), tuple(dict.fromkeys(errors))
    )
