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
MIN_LOOKUPS = 20  # fewer lookups in the window than this: too little traffic to judge a ratio
PEAK_MIN_RATE = 1.0  # a window labelled "peak" must carry at least this many operations per second
_REQUESTS = re.compile(r"(?:^|_)requests?(?:_total)?(?:\{.*\})?$")
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
    label: str  # as checked against the measured traffic ("too little traffic" for an idle "peak")
    window_s: float
    samples: int
    readings: tuple[Reading, ...]
    errors: tuple[str, ...]
    label_note: str | None = None  # why the label differs from the one asked for


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
    """The window's ratio, or None with "too little traffic": never the all-time ratio,
    which says nothing about the window a label ("peak") claims to describe."""
    got, missed = _delta(first, last, hits) - own[0], _delta(first, last, misses) - own[1]
    if got + missed >= MIN_LOOKUPS:
        return _ratio(got, missed), "over the window"
    return (
        None,
        f"too little traffic: {max(0.0, got + missed):g} lookup(s) in the window (need {MIN_LOOKUPS})",
    )


def _ratio_reading(source: str, name: str, ratio: float | None, scope: str, buffers: bool = False) -> Reading:
    """A hit ratio with its band: the cache band, or (``buffers``) the database buffer band."""
    if ratio is None:
        return Reading(source, name, None, "ratio", Verdict.TOO_LITTLE_TRAFFIC, scope)
    verdict, text = _band(ratio, PG_BUFFER_BANDS) if buffers else cache_hit_verdict(ratio)
    return Reading(source, name, ratio, "ratio", verdict, f"{text} ({scope})")


def _rate(source: str, name: str, count: float, window_s: float) -> Reading:
    per_s = max(0.0, count) / window_s if window_s > 0 else 0.0
    return Reading(
        source, name, round(per_s, 3), "per second", Verdict.OK, f"{max(0.0, count):g} in the window"
    )


def _redis(series: Sequence[Snapshot], window_s: float) -> list[Reading]:
    first, last = series[0], series[-1]
    # every snapshot but the last looked queues up after its INFO, inside the window
    own = tuple(sum(s.values.get(k, 0.0) for s in series[:-1]) for k in ("own_hits", "own_misses"))
    ratio, scope = _hit_ratio(first, last, "keyspace_hits", "keyspace_misses", own)
    lookups = sum(_delta(first, last, k) for k in ("keyspace_hits", "keyspace_misses")) - sum(own)
    out = [
        _ratio_reading("redis", "cache hit ratio", ratio, scope),
        _rate("redis", "cache lookups per second", lookups, window_s),
    ]
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


def _postgres(series: Sequence[Snapshot], window_s: float) -> list[Reading]:
    first, last = series[0], series[-1]
    ratio, scope = _hit_ratio(first, last, "blks_hit", "blks_read")
    # each snapshot is one transaction of its own, inside the window but the last
    xacts = _delta(first, last, "xacts") - (len(series) - 1)
    out = [
        _ratio_reading("postgres", "buffer hit ratio", ratio, scope, buffers=True),
        _rate("postgres", "transactions per second", xacts, window_s),
    ]
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
        out.append(_ratio_reading(src, f"{match.group('base')}{labels} hit ratio", ratio, scope))
    requests = [k for k in last.values if _REQUESTS.search(k)]
    if requests:
        count = sum(_delta(first, last, k) for k in requests)
        out.append(_rate(src, "requests per second", count, window_s))
    for key in sorted(
        k for k in last.values if "queue" in k and ("depth" in k or "length" in k or "size" in k)
    ):
        out.append(Reading(src, key, last.values[key], "items", Verdict.OK, f"peak {_peak(series, key):g}"))
    return out


def derive(series_by_source: dict[str, list[Snapshot]], window_s: float) -> list[Reading]:
    readings: list[Reading] = []
    for source, series in series_by_source.items():
        if source == "redis":
            readings += _redis(series, window_s)
        elif source == "postgres":
            readings += _postgres(series, window_s)
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
    readings = derive(by_source, elapsed)
    checked, note = check_label(label, readings)
    return MetricsReport(
        checked, round(elapsed, 2), rounds + 1, tuple(readings), tuple(dict.fromkeys(errors)), note
    )


def check_label(label: str, readings: Sequence[Reading]) -> tuple[str, str | None]:
    """A "peak" label needs traffic: with every measured rate under PEAK_MIN_RATE, or every
    ratio short of lookups, the window is stored as "too little traffic", and says why."""
    rates = [r for r in readings if r.unit == "per second" and r.value is not None]
    ratios = [r for r in readings if r.unit == "ratio"]
    busiest = max((r.value or 0.0 for r in rates), default=None)
    idle_ratios = bool(ratios) and all(r.verdict is Verdict.TOO_LITTLE_TRAFFIC for r in ratios)
    if label == "peak" and ((busiest is not None and busiest < PEAK_MIN_RATE) or idle_ratios):
        top = f"{busiest:g}/s at most" if busiest is not None else "no rate measured"
        return (
            "too little traffic",
            f'labelled "peak" but the window was idle ({top}; need {PEAK_MIN_RATE:g}/s)',
        )
    if label == "quiet" and busiest is not None and busiest >= 100 * PEAK_MIN_RATE:
        return label, f'labelled "quiet" at {busiest:g}/s: check the label'
    return label, None
