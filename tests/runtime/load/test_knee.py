"""Knees only where the curve bends.

Unit cases: the report's flat-but-noisy page (p95 8-14 ms, CPU 6-61 %), a straight line, a
hockey stick, a single spike.  Real runs (slow): k6 against loopback servers of known
shape, each over several step ranges, so the knee or its absence must not depend on the
range: a fixed 20 ms route (flat: never a knee, up to 250 req/s and beyond), a server whose
latency is linear in load (no knee), and a one-worker server of 100 req/s capacity (the
knee within one step of 100 whatever the range)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stackaudit.config.sections.runtime import LoadConfig
from stackaudit.runtime.load import knee
from stackaudit.runtime.load.cpu import ProcessProbe
from stackaudit.runtime.load.model import LoadReport, Mode, StepResult
from stackaudit.runtime.load.slo import step_ladder

from ..servers import high_priority
from .conftest import run_load

Spawn = Callable[..., tuple[subprocess.Popen[str], str]]


def _step(i: int, rps: float, p95: float, util: float | None = None, ci: float = 0.0) -> StepResult:
    return StepResult(
        i,
        rps,
        1.0,
        rps,
        rps,
        p95 / 2,
        p95,
        p95 * 1.2,
        0.0,
        0,
        100,
        0,
        (),
        cpu_utilisation=util,
        p95_low_ms=p95 - ci,
        p95_high_ms=p95 + ci,
    )


def _ladder(points: list[tuple[float, float]], utils: list[float] | None = None) -> list[StepResult]:
    return [_step(i, r, p, utils[i] if utils else None) for i, (r, p) in enumerate(points)]


def test_flat_noisy_page_has_no_knee_and_says_how_far_it_held() -> None:
    # the report's page: p95 8-14 ms, CPU 6-61 %: knees were claimed at 30, 50 and 80 req/s
    steps = _ladder(
        [(10, 8.1), (20, 9.0), (30, 13.8), (40, 9.5), (50, 12.0), (60, 10.2), (70, 11.5), (80, 14.0)],
        [0.06, 0.12, 0.19, 0.25, 0.33, 0.41, 0.52, 0.61],
    )
    for lo in range(0, 4):
        for hi in range(lo + 3, len(steps) + 1):
            found = knee.find(steps[lo:hi])
            assert found.knee_rps is None, (lo, hi, found)
    found = knee.find(steps)
    assert found.flat_up_to_rps == 80 and "no knee up to 80 req/s" in found.reason
    assert found.headroom is not None and "CPU 61 % at 80 req/s".replace(" %", "%") in found.headroom


def test_a_straight_line_has_no_knee() -> None:
    steps = _ladder([(r, 20 + 0.1 * r) for r in range(50, 301, 50)])
    assert knee.find(steps).knee_rps is None


def test_hockey_stick_knee_is_the_same_over_every_range_that_contains_it() -> None:
    curve = [(25, 12), (50, 12.5), (75, 14), (100, 30), (125, 400), (150, 1200)]
    full = knee.find(_ladder(curve))
    assert full.knee_rps in (75.0, 100.0) and full.bend_rps == 100
    assert knee.find(_ladder(curve[1:])).knee_rps == full.knee_rps
    assert knee.find(_ladder(curve[:5])).knee_rps == full.knee_rps


def test_a_single_spike_is_not_a_knee() -> None:
    assert knee.find(_ladder([(10, 10), (20, 10.5), (30, 40), (40, 10.2), (50, 10.8)])).knee_rps is None


def test_a_rise_only_at_the_last_step_needs_backing() -> None:
    curve = [(10, 10.0), (20, 10.4), (30, 10.2), (40, 17.0)]
    assert knee.find(_ladder(curve)).knee_rps is None  # +70 %, nothing else says saturation
    backed = knee.find(_ladder(curve, [0.2, 0.4, 0.6, 0.9]))
    assert backed.knee_rps is not None and "CPU 90%" in backed.backing


def test_the_p95_own_noise_widens_the_flat_band() -> None:
    tight = [
        _step(i, r, p, ci=0.2) for i, (r, p) in enumerate([(10, 10), (20, 10), (30, 10), (40, 30), (50, 90)])
    ]
    loose = [
        _step(i, r, p, ci=9.0) for i, (r, p) in enumerate([(10, 10), (20, 10), (30, 10), (40, 30), (50, 35)])
    ]
    assert knee.find(tight).knee_rps is not None
    assert knee.find(loose).knee_rps is None


# -- real runs -------------------------------------------------------------------------------


@pytest.fixture
def _priority() -> Iterator[None]:
    with high_priority():
        yield


def _run(tmp: Path, url: str, lo: float, hi: float, probe: ProcessProbe | None = None) -> LoadReport:
    report, _ = run_load(tmp, url, Mode.STEP, step_ladder(lo, hi, 5, 1.5), load=LoadConfig(), probe=probe)
    rows = [(s.offered_rps, round(s.p95_ms, 1), s.cpu_utilisation) for s in report.steps]
    print(f"[knee] {url} {lo:g}->{hi:g}: {rows}; knee {report.knee}")
    return report


@pytest.mark.slow
@pytest.mark.usefixtures("_priority")
@pytest.mark.parametrize(("lo", "hi"), [(50, 250), (20, 120), (100, 300)])
def test_fixed_20ms_route_never_has_a_knee(tmp_path: Path, spawn: Spawn, lo: float, hi: float) -> None:
    proc, url = spawn("fixed", "--service-ms", "20")
    report = _run(tmp_path, url, lo, hi, ProcessProbe(proc.pid))
    assert report.incomplete is None, report.problems
    assert report.knee is not None and report.knee.knee_rps is None, report.knee
    assert report.knee.flat_up_to_rps == pytest.approx(hi, rel=0.01)


@pytest.mark.slow
@pytest.mark.usefixtures("_priority")
@pytest.mark.parametrize(("lo", "hi"), [(50, 250), (100, 300)])
def test_latency_linear_in_load_has_no_knee(tmp_path: Path, spawn: Spawn, lo: float, hi: float) -> None:
    _, url = spawn("linear", "--service-ms", "10", "--per-rps-ms", "0.1")
    report = _run(tmp_path, url, lo, hi)
    assert report.knee is not None and report.knee.knee_rps is None, report.knee


@pytest.mark.slow
@pytest.mark.usefixtures("_priority")
@pytest.mark.parametrize(("lo", "hi"), [(40, 160), (60, 140), (20, 180)])
def test_saturating_server_knee_does_not_move_with_the_range(
    tmp_path: Path, spawn: Spawn, lo: float, hi: float
) -> None:
    _, url = spawn("capacity", "--service-ms", "10")
    report = _run(tmp_path, url, lo, hi)
    gap = (hi - lo) / 4
    assert report.knee is not None and report.knee.knee_rps is not None, report.knee
    assert abs(report.knee.knee_rps - 100) <= gap, report.knee
