"""Step runs against a server of known capacity (one worker, 10 ms of CPU per request:
100 req/s): the knee, early stop at the breach, CPU utilisation, cost per request."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stackaudit.config.sections.runtime import LoadConfig, SLOConfig
from stackaudit.runtime.load.cpu import ProcessProbe
from stackaudit.runtime.load.model import LoadReport, Mode
from stackaudit.runtime.load.slo import step_ladder

from ..servers import high_priority, overloaded
from .conftest import run_load

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _quiet_machine() -> Iterator[None]:
    reason = overloaded()
    if reason:
        pytest.skip(reason)
    with high_priority():
        yield
CAPACITY = 100.0  # req/s: 1000 ms / 10 ms
STEP = 20.0
ATTEMPTS = 2

Spawn = Callable[..., tuple[subprocess.Popen[str], str]]


def _attempt(tmp_path: Path, spawn: Spawn) -> LoadReport:
    proc, url = spawn("capacity", "--service-ms", "10")
    slos = {"orders": SLOConfig(endpoint="GET /orders", p95_ms=150, error_budget=0.01)}
    load = LoadConfig(cpu_second_price=0.0001)
    ladder = step_ladder(40, 160, 7, 2.0)  # 40, 60, ..., 160 req/s
    report, _ = run_load(tmp_path, url, Mode.STEP, ladder, slos=slos, load=load,
                         probe=ProcessProbe(proc.pid))
    rows = [(s.offered_rps, round(s.p95_ms, 1), s.cpu_utilisation, s.nonlinear) for s in report.steps]
    print(f"[knee] steps {rows}; knee {report.knee_rps}; stopped: {report.stopped_early}")
    return report


def _judge(report: LoadReport) -> list[str]:
    """Every expectation this report misses (empty = all met)."""
    missed = []
    if report.partial:
        missed.append(f"partial: {report.problems}")
    if report.stopped_early is None:
        missed.append("did not stop at the breach")
    if report.knee_rps is None or abs(report.knee_rps - CAPACITY) > STEP:
        missed.append(f"knee {report.knee_rps} not within one step of {CAPACITY}")
    below = [s for s in report.steps if s.offered_rps <= 0.6 * CAPACITY]
    if not below or any(s.p95_ms >= 50 for s in below):
        missed.append("latency already high below 60 % of capacity")
    # the worker is busy 10 ms per request: utilisation tracks offered / capacity
    if any(s.cpu_utilisation is None or abs(s.cpu_utilisation - s.offered_rps / CAPACITY) > 0.25
           for s in below):
        missed.append("CPU utilisation does not track offered / capacity")
    if not any(s.nonlinear for s in report.steps) or any(s.nonlinear for s in below):
        missed.append("non-linear growth past 70 % utilisation not flagged where expected")
    verdict = report.verdicts[0] if report.verdicts else None
    if verdict is None or not verdict.passed or verdict.at_rps >= CAPACITY + STEP:
        missed.append(f"verdict {verdict}")
    if report.cost is None or not 0.005 < report.cost.cpu_seconds_per_request < 0.02:
        missed.append(f"cost {report.cost}")
    return missed


def test_step_run_finds_the_planted_knee_and_stops(tmp_path: Path, spawn: Spawn) -> None:
    """Capacity is only "known" when the server has a core: on this shared 2-core machine a
    starved attempt is retried (ATTEMPTS), every attempt printed."""
    missed: list[str] = []
    for attempt in range(ATTEMPTS):
        missed = _judge(_attempt(tmp_path / str(attempt), spawn))
        print(f"[knee] attempt {attempt}: missed {missed}")
        if not missed:
            break
    assert not missed
