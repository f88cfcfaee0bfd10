"""The performance regression gate: planted regressions fail, reruns never fail, noise is
inconclusive; allocation growth of 10+ % fails."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from stackaudit.commands import regress
from stackaudit.config.sections.runtime import LoadConfig, RegressionConfig
from stackaudit.runtime.load import report as load_report
from stackaudit.runtime.load import runner, slo
from stackaudit.runtime.load.model import Mode, StepSpec
from stackaudit.runtime.regression import (
    Outcome,
    PerfSample,
    SampleError,
    combine,
    compare,
    measure_allocations,
    read_sample,
    sample_from_dict,
    sample_to_json,
)

from .servers import Behaviour, Server, high_priority, overloaded

CFG = RegressionConfig()
BASE = (20.0, 20.3, 19.8, 20.1, 20.2)


def test_planted_20_percent_p95_regression_fails() -> None:
    v = compare(PerfSample("x", BASE), PerfSample("x", tuple(b * 1.2 for b in BASE)), CFG)
    assert v.outcome is Outcome.FAIL and v.metrics[0].change == pytest.approx(0.2, abs=0.01)
    assert v.metrics[0].ci_low > 1.05 and v.metrics[0].p_value < 0.05


def test_small_significant_drift_is_inconclusive_not_a_failure() -> None:
    # the report's case: +7.6 %, ratio interval 1.035-1.127, Mann-Whitney p = 0.004 was a FAIL
    base = (20.0, 20.4, 19.7, 20.2, 20.1, 19.9)
    cur = (20.8, 22.9, 21.1, 22.6, 20.9, 21.9)
    v = compare(PerfSample("x", base), PerfSample("x", cur), CFG)
    m = v.metrics[0]
    assert 1.0 < m.ci_low < 1.05 and m.p_value < 0.05
    assert v.outcome is Outcome.INCONCLUSIVE and "does not clear +5%" in m.reason


def test_sessions_widen_the_interval_with_the_drift_between_them() -> None:
    one = combine([PerfSample("b", (20.0, 20.1, 19.9, 20.0, 20.2, 22.0, 22.1, 21.9, 22.0, 22.2))])
    two = combine(
        [PerfSample("b", (20.0, 20.1, 19.9, 20.0, 20.2)), PerfSample("b", (22.0, 22.1, 21.9, 22.0, 22.2))]
    )
    assert two.sessions == (0,) * 5 + (1,) * 5 and not one.sessions
    cur = PerfSample("c", (25.0, 25.2, 24.9, 25.1, 25.0))
    flat, nested = compare(one, cur, CFG).metrics[0], compare(two, cur, CFG).metrics[0]
    assert nested.ci_high - nested.ci_low > flat.ci_high - flat.ci_low


def test_rerun_within_noise_passes() -> None:
    v = compare(PerfSample("x", BASE), PerfSample("x", (20.1, 19.9, 20.2, 20.0, 20.3)), CFG)
    assert v.outcome is Outcome.PASS


def test_difference_inside_the_spread_is_inconclusive() -> None:
    noisy = (15.0, 25.0, 19.0, 28.0, 17.0)
    v = compare(PerfSample("x", noisy), PerfSample("x", (16.0, 27.0, 21.0, 29.0, 18.0)), CFG)
    assert v.outcome is Outcome.INCONCLUSIVE and "inside the spread" in v.metrics[0].reason


def test_too_few_repeats_is_inconclusive() -> None:
    v = compare(PerfSample("x", (20.0,)), PerfSample("x", (40.0,)), CFG)
    assert v.outcome is Outcome.INCONCLUSIVE and "too few repeats" in v.metrics[0].reason


def test_improvement_passes_and_worst_metric_decides() -> None:
    faster = PerfSample("x", tuple(b * 0.8 for b in BASE), (1000.0,) * 3)
    base = PerfSample("x", BASE, (1000.0,) * 3)
    assert compare(base, faster, CFG).outcome is Outcome.PASS
    fatter = PerfSample("x", tuple(b * 0.8 for b in BASE), (1200.0,) * 3)
    v = compare(base, fatter, CFG)
    assert v.outcome is Outcome.FAIL and [m.outcome for m in v.metrics] == [Outcome.PASS, Outcome.FAIL]


def _allocator(n: int) -> Callable[[], object]:
    def work() -> object:
        return [str(i) for i in range(n)]

    return work


@pytest.mark.parametrize(
    ("growth", "expected"),
    [(1.0, Outcome.PASS), (1.05, Outcome.PASS), (1.15, Outcome.FAIL), (1.3, Outcome.FAIL)],
)
def test_allocation_growth_measured_with_tracemalloc(growth: float, expected: Outcome) -> None:
    base = measure_allocations(_allocator(20_000), repeats=3)
    cur = measure_allocations(_allocator(int(20_000 * growth)), repeats=3)
    v = compare(PerfSample("alloc", (), base), PerfSample("alloc", (), cur), CFG)
    print(f"[alloc] growth x{growth}: change {v.metrics[0].change:+.1%} -> {v.outcome.label}")
    assert v.outcome is expected


def test_every_outcome_has_a_label() -> None:
    assert [o.label for o in Outcome] == ["pass", "inconclusive", "fail"]
    assert Outcome.FAIL > Outcome.INCONCLUSIVE > Outcome.PASS


def test_sample_from_load_report_and_perf_sample(tmp_path: Path) -> None:
    doc = {
        "schema": "stackaudit.load",
        "target": "http://h",
        "repeats_p95_ms": {"all": [1, 2, 3]},
        "steps": [],
    }
    assert sample_from_dict(doc).p95_ms == (1.0, 2.0, 3.0)
    path = tmp_path / "s.json"
    path.write_text(sample_to_json(PerfSample("b", (1.0, 2.0), (10.0,))))
    assert read_sample(path) == PerfSample("b", (1.0, 2.0), (10.0,))
    with pytest.raises(SampleError, match="GET /x"):
        sample_from_dict(doc, "GET /x", "f.json")
    (tmp_path / "bad.json").write_text("[1]")
    with pytest.raises(SampleError, match=r"bad\.json"):
        read_sample(tmp_path / "bad.json")


# -- against real servers, through k6 ------------------------------------------------------------
@pytest.fixture
def server_of() -> Iterator[Callable[[float], Server]]:
    started: list[Server] = []

    def start(service_ms: float) -> Server:
        started.append(Server(Behaviour(kind="fixed", service_ms=service_ms)).start())
        return started[-1]

    yield start
    for s in started:
        s.stop()


def _repeat(work: Path, url: str, name: str) -> Path:
    """`stackaudit load --rate 200 --duration 1 --format json` (one repeat) as a library call."""
    load = LoadConfig()
    plan = slo.build_plan(url, {}, load)
    report, _ = runner.run(
        runner.RunOptions(plan, Mode.CONSTANT, (StepSpec(0, 200, 1.0),), load, work / name)
    )
    out = work / f"{name}.json"
    out.write_text(load_report.to_json(report))
    return out


def _gate(baseline: list[Path], current: list[Path], *extra: str) -> tuple[int, dict[str, object]]:
    app = typer.Typer()
    regress.register(app)
    app.command("noop")(lambda: None)
    args = [x for p in baseline for x in ("--baseline", str(p))] + [
        x for p in current for x in ("--current", str(p))
    ]
    res = CliRunner().invoke(app, ["gate-perf", *args, "--format", "json", *extra])
    return res.exit_code, json.loads(res.stdout)


@pytest.mark.slow
def test_gate_on_real_runs(tmp_path: Path, server_of: Callable[[float], Server]) -> None:
    """Interleaved runs, as the docs recommend: a rerun never fails, on any attempt; the
    planted +20 % fails.  On this shared 2-core machine a run can be too noisy to call
    (inconclusive, as designed): one retry."""
    slower_outcome = ""
    for attempt in range(2):
        with high_priority():
            slower_outcome = _gate_attempt(tmp_path / str(attempt), server_of)
        if slower_outcome == "fail":
            break
    if slower_outcome != "fail" and overloaded():  # the rerun property was still checked
        pytest.skip(f"planted regression not judged: {overloaded()}")
    assert slower_outcome == "fail"


def _gate_attempt(work: Path, server_of: Callable[[float], Server]) -> str:
    """One round of 10 interleaved repeats: baseline, +20 % and rerun in turn; asserts the
    rerun never fails; returns the +20 % outcome."""
    urls = {"baseline": server_of(20.0).url, "slower": server_of(24.0).url, "rerun": server_of(20.0).url}
    files: dict[str, list[Path]] = {name: [] for name in urls}
    for i in range(10):
        for name, url in urls.items():
            files[name].append(_repeat(work, url, f"{name}{i}"))
    code, doc = _gate(files["baseline"], files["rerun"])
    print(f"[gate] rerun: {doc['outcome']} - {doc['metrics']}")
    assert doc["outcome"] in ("pass", "inconclusive") and code == 0
    if doc["outcome"] == "inconclusive":
        assert _gate(files["baseline"], files["rerun"], "--strict")[0] == 1
    code, doc = _gate(files["baseline"], files["slower"])
    print(f"[gate] planted +20 %: {doc['outcome']} - {doc['metrics']}")
    assert (code == 1) is (doc["outcome"] == "fail")
    assert "interleaved pairs" in str(doc["metrics"])
    return str(doc["outcome"])


def test_gate_unreadable_input_exits_2(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text("{}")
    app = typer.Typer()
    regress.register(app)
    app.command("noop")(lambda: None)
    res = CliRunner().invoke(
        app,
        ["gate-perf", "--baseline", str(tmp_path / "b.json"), "--current", str(tmp_path / "missing.json")],
    )
    assert res.exit_code == 2 and "b.json" in res.output


def test_interleaved_runs_are_compared_pair_by_pair() -> None:
    """The machine slows down over the session (drift shared by each back-to-back pair):
    independent bootstrap cannot call a +20 % change; the paired one can, and an identical
    interleaved pair stays a pass or inconclusive."""
    drift = [1.0, 1.25, 0.9, 1.4, 1.1, 0.95]
    base = tuple(20.0 * d for d in drift)
    slower = tuple(24.0 * d * (1 + 0.01 * (-1) ** i) for i, d in enumerate(drift))
    same = tuple(20.0 * d * (1 + 0.01 * (-1) ** i) for i, d in enumerate(drift))
    t_base = tuple(100.0 + 10 * i for i in range(6))
    t_cur = tuple(105.0 + 10 * i for i in range(6))
    b = PerfSample("b", base, started_at=t_base)
    assert compare(PerfSample("b", base), PerfSample("c", slower), CFG).outcome is Outcome.INCONCLUSIVE
    v = compare(b, PerfSample("c", slower, started_at=t_cur), CFG)
    assert v.outcome is Outcome.FAIL and "interleaved pairs" in v.metrics[0].reason
    assert compare(b, PerfSample("c", same, started_at=t_cur), CFG).outcome is not Outcome.FAIL
    # runs that do not alternate in time are not paired
    late = tuple(1000.0 + 10 * i for i in range(6))
    assert "interleaved" not in compare(b, PerfSample("c", slower, started_at=late), CFG).metrics[0].reason


def test_interleaved_load_reports_pair_through_gate_perf(tmp_path: Path) -> None:
    def report(values: list[float], starts: list[float]) -> dict[str, object]:
        return {
            "schema": "stackaudit.load",
            "target": "t",
            "repeats_p95_ms": {"all": values},
            "repeats_started_at": starts,
        }

    files = []
    for i, (b, c) in enumerate([(20.0, 24.2), (25.0, 30.1), (18.0, 21.5), (28.0, 33.9)]):
        for side, value, t in (("b", b, 10.0 * i), ("c", c, 10.0 * i + 5)):
            path = tmp_path / f"{side}{i}.json"
            path.write_text(json.dumps(report([value], [t])))
            files.append((side, path))
    args = [x for side, p in files for x in (("--baseline" if side == "b" else "--current"), str(p))]
    app = typer.Typer()
    regress.register(app)
    app.command("noop")(lambda: None)
    res = CliRunner().invoke(app, ["gate-perf", *args, "--format", "json"])
    doc = json.loads(res.stdout)
    assert res.exit_code == 1 and doc["outcome"] == "fail", doc
    assert "interleaved pairs" in doc["metrics"][0]["reason"]
