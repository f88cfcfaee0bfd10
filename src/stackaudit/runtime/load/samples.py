"""k6 raw samples (``--out json=FILE``) into HdrHistograms, and their exact merge.

Percentiles come from the raw ``http_req_duration`` points, never from k6's summary.
They cover requests that got an answer, or timed out (at the timeout); a request with
no answer at all (refused, reset: status 0) is counted and is an error, with no latency.
Histograms are keyed by (step, key) where key is ``ep:N`` (one endpoint) or ``flow:N``
(one journey's total), plus ``all`` for every request of the step; soak windows are keyed
by the absolute epoch window so files from several hosts line up.  Merging adds the
histograms and sums the counters, so a merge equals one parse of all the points.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from hdrh.histogram import HdrHistogram

from stackaudit.runtime.load.model import Latency

LOWEST_US = 1
HIGHEST_US = 3_600_000_000  # one hour, in microseconds
DIGITS = 3
WINDOW_HIGHEST_US = 600_000_000
WINDOW_DIGITS = 2
_TIME = re.compile(r"^([0-9T:-]+)(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")
_WANTED = ('"http_req_duration"', '"http_req_failed"', '"dropped_iterations"', '"journey_', '"vus"')


def new_histogram(window: bool = False) -> HdrHistogram:
    if window:
        return HdrHistogram(LOWEST_US, WINDOW_HIGHEST_US, WINDOW_DIGITS)
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


def record_ms(hist: HdrHistogram, value_ms: float, window: bool = False) -> None:
    top = WINDOW_HIGHEST_US if window else HIGHEST_US
    hist.record_value(min(top, max(LOWEST_US, round(value_ms * 1000))))


def latency(hist: HdrHistogram | None) -> Latency:
    if hist is None or hist.get_total_count() == 0:
        return Latency(0, 0.0, 0.0, 0.0, 0.0, 0.0)
    pct = hist.get_percentile_to_value_dict([50, 95, 99])
    return Latency(
        count=hist.get_total_count(),
        p50_ms=pct[50] / 1000,
        p95_ms=pct[95] / 1000,
        p99_ms=pct[99] / 1000,
        max_ms=hist.get_max_value() / 1000,
        mean_ms=hist.get_mean_value() / 1000,
    )


@dataclass(slots=True)
class SampleSet:
    """Accumulator of one or more k6 raw outputs; ``merge`` is exact."""

    window_s: float = 5.0
    hists: dict[tuple[str, str], HdrHistogram] = field(default_factory=dict)
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    error_codes: Counter[str] = field(default_factory=Counter)
    windows: dict[int, HdrHistogram] = field(default_factory=dict)
    window_requests: Counter[int] = field(default_factory=Counter)
    window_errors: Counter[int] = field(default_factory=Counter)
    peak_vus: dict[str, int] = field(default_factory=dict)
    first_ts: dict[str, float] = field(default_factory=dict)
    last_ts: dict[str, float] = field(default_factory=dict)
    bad_lines: int = 0

    def _hist(self, key: tuple[str, str]) -> HdrHistogram:
        hist = self.hists.get(key)
        if hist is None:
            hist = self.hists[key] = new_histogram()
        return hist

    def _window(self, ts: float) -> int:
        return int(ts // self.window_s)

    def add_point(self, metric: str, value: float, ts: float, tags: dict[str, str]) -> None:
        step = tags.get("step") or _scenario_step(tags.get("scenario", ""))
        if metric == "http_req_duration":
            # no answer at all (refused, reset: status 0) has no latency, only an error;
            # a timeout keeps its duration (the client waited that long)
            timed = tags.get("status") != "0" or tags.get("error_code") == "1050"
            for key in ((step, "all"), (step, f"ep:{tags.get('ep', '?')}")):
                if timed:
                    record_ms(self._hist(key), value)
                self.requests[key] += 1
            self.first_ts[step] = min(self.first_ts.get(step, ts), ts)
            self.last_ts[step] = max(self.last_ts.get(step, ts), ts)
            win = self._window(ts)
            if win not in self.windows:
                self.windows[win] = new_histogram(window=True)
            if timed:
                record_ms(self.windows[win], value, window=True)
            self.window_requests[win] += 1
        elif metric == "http_req_failed" and value:
            self.errors[(step, "all")] += 1
            self.errors[(step, f"ep:{tags.get('ep', '?')}")] += 1
            self.window_errors[self._window(ts)] += 1
            self.error_codes[error_key(tags)] += 1
        elif metric == "vus":  # k6 reports VUs in use once a second, untagged by step
            started = [s for s, t in self.first_ts.items() if t <= ts + 1]
            run = max(started, key=lambda s: self.first_ts[s]) if started else "0"
            self.peak_vus[run] = max(self.peak_vus.get(run, 0), int(value))
        elif metric == "dropped_iterations":
            self.dropped[step] += int(value)
        elif metric == "journey_duration":
            key = (step, f"flow:{tags.get('flow', '?')}")
            record_ms(self._hist(key), value)
            self.requests[key] += 1
        elif metric == "journey_failed" and value:
            self.errors[(step, f"flow:{tags.get('flow', '?')}")] += 1

    def merge(self, other: SampleSet) -> None:
        """Add ``other`` into this set: histograms added, counters summed (exact)."""
        for key, hist in other.hists.items():
            self._hist(key).add(hist)
        for win, hist in other.windows.items():
            if win not in self.windows:
                self.windows[win] = new_histogram(window=True)
            self.windows[win].add(hist)
        self.requests.update(other.requests)
        self.errors.update(other.errors)
        self.dropped.update(other.dropped)
        self.error_codes.update(other.error_codes)
        self.window_requests.update(other.window_requests)
        self.window_errors.update(other.window_errors)
        for step, ts in other.first_ts.items():
            self.first_ts[step] = min(self.first_ts.get(step, ts), ts)
        for step, ts in other.last_ts.items():
            self.last_ts[step] = max(self.last_ts.get(step, ts), ts)
        self.bad_lines += other.bad_lines
        for step, vus in other.peak_vus.items():
            self.peak_vus[step] = max(self.peak_vus.get(step, 0), vus)

    def steps(self) -> list[str]:
        seen = {s for s, _ in self.requests} | set(self.dropped)
        return sorted(seen, key=lambda s: (len(s), s))


def error_key(tags: dict[str, str]) -> str:
    """An HTTP answer is keyed by its status ("http 404"); no answer by k6's error code."""
    status = tags.get("status", "")
    if status and status != "0":
        return f"http {status}"
    return tags.get("error_code") or "no answer"


def _scenario_step(scenario: str) -> str:
    """``dropped_iterations`` carries only the scenario tag: "step_3" -> "3"."""
    prefix, _, index = scenario.partition("_")
    return index if prefix == "step" and index.isdigit() else "0"


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _timestamp(text: str) -> float:
    # k6 writes nanoseconds ("2026-11-30T03:09:44.457567569Z"); Python parses microseconds.
    match = _TIME.match(text)
    if match is None:
        raise ValueError(f"bad k6 time {text!r}")
    zone = match.group(3).replace("Z", "+00:00")
    stamp = datetime.fromisoformat(match.group(1) + zone).timestamp()
    return stamp + (float(match.group(2)) if match.group(2) else 0.0)


def iter_points(lines: Iterator[str], sink: SampleSet) -> None:
    for line in lines:
        if '"Point"' not in line or not any(w in line for w in _WANTED):
            continue
        try:
            doc = json.loads(line)
            data = doc["data"]
            tags = data.get("tags") or {}
            sink.add_point(str(doc["metric"]), float(data["value"]), _timestamp(data["time"]), tags)
        except (ValueError, KeyError, TypeError):
            sink.bad_lines += 1


def parse_file(path: Path, window_s: float = 5.0) -> SampleSet:
    """One k6 raw JSON output (optionally .gz); a missing file is an empty set."""
    sink = SampleSet(window_s=window_s)
    if not path.is_file():
        return sink
    with _open(path) as handle:
        iter_points(iter(handle), sink)
    return sink


def merge_files(paths: list[Path], window_s: float = 5.0) -> SampleSet:
    total = SampleSet(window_s=window_s)
    for path in paths:
        total.merge(parse_file(path, window_s))
    return total
