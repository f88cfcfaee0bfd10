"""Step runs against a server of known capacity (one worker, 10 ms per request: 100 req/s):
the knee within one step, early stop at the breach; with --pid, CPU utilisation per step,
the non-linear flag past 70 % and the cost per request."""

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
CAPACITY = 100.0  # req/s: 1000 ms / 10 ms
STEP = 20.0
ATTEMPTS = 2
Spawn = Callable[..., tuple[subprocess.Popen[str], str]]
SLOS = {"orders": SLOConfig(endpoint="GET /orders", p95_ms=150, error_budget=0.01)}


@pytest.fixture(autouse=True)
def _quiet_machine() -> Iterator[None]:
    reason = overloaded()
    if reason:
        pytest.skip(reason)
    with high_priority():
        yield


def _run(tmp_path: Path, spawn: Spawn, cpu_ms: float, ladder_top: float) -> LoadReport:
    proc, url = spawn("capacity", "--service-ms", "10", "--cpu-ms", str(cpu_ms))
    ladder = step_ladder(40, ladder_top, int((ladder_top - 40) / STEP) + 1, 2.0)  # 40, 60, ...
    report, _ = run_load(
        tmp_path,
        url,
        Mode.STEP,
        ladder,
        slos=SLOS,
        load=LoadConfig(cpu_second_price=0.0001),
        probe=ProcessProbe(proc.pid),
    )
    rows = [(s.offered_rps, round(s.p95_ms, 1), s.cpu_utilisation, s.nonlinear) for s in report.steps]
    print(f"[knee] steps {rows}; knee {report.knee_rps}; stopped: {report.stopped_early}")
    return report


def _knee_missed(report: LoadReport) -> list[str]:
    missed = []
    if report.partial:
        missed.append(f"partial: {report.problems}")
    if report.stopped_early is None or len(report.steps) == 7:
        missed.append("did not stop at the breach")
    if report.knee_rps is None or abs(report.knee_rps - CAPACITY) > STEP:
        missed.append(f"knee {report.knee_rps} not within one step of {CAPACITY}")
    below = [s for s in report.steps if s.offered_rps <= 0.6 * CAPACITY]
    if not below or any(s.p95_ms >= 50 for s in below):
        missed.append("latency already high below 60 % of capacity")
    verdict = report.verdicts[0] if report.verdicts else None
    if verdict is None or not verdict.passed or verdict.at_rps >= CAPACITY + STEP:
        missed.append(f"verdict {verdict}")
    return missed


def _cpu_missed(report: LoadReport) -> list[str]:
    missed = []
    below = [s for s in report.steps if s.offered_rps <= 0.6 * CAPACITY]
    # 9 ms of CPU per request: utilisation tracks 0.9 x offered / capacity
    if not below or any(
        s.cpu_utilisation is None or abs(s.cpu_utilisation - 0.9 * s.offered_rps / CAPACITY) > 0.2
        for s in below
    ):
        missed.append("CPU utilisation does not track offered load")
    if not any(s.nonlinear for s in report.steps) or any(s.nonlinear for s in below):
        missed.append("non-linear growth past 70 % utilisation not flagged where expected")
    if report.cost is None or not 0.006 < report.cost.cpu_seconds_per_request < 0.015:
        missed.append(f"cost {report.cost}")
    return missed


def _attempts(tmp_path: Path, spawn: Spawn, cpu_ms: float, judge: Callable[[LoadReport], list[str]]) -> None:
    """The shared 2-core machine can starve a run: retry, printing every attempt."""
    missed: list[str] = []
    for attempt in range(ATTEMPTS):
        missed = judge(_run(tmp_path / str(attempt), spawn, cpu_ms, 160))
        print(f"[knee] attempt {attempt}: missed {missed}")
        if not missed:
            return
    assert not missed


def test_step_run_finds_the_planted_knee_and_stops(tmp_path: Path, spawn: Spawn) -> None:
    _attempts(tmp_path, spawn, 0.0, _knee_missed)


def test_cpu_utilisation_nonlinear_flag_and_cost(tmp_path: Path, spawn: Spawn) -> None:
    _attempts(tmp_path, spawn, 9.0, _cpu_missed)
