"""Bad input: each case gets a clear message; partial results are kept and marked."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from stackaudit.config.sections.runtime import LoadConfig, SLOConfig
from stackaudit.runtime.load import k6, script
from stackaudit.runtime.load.cpu import ProcessProbe
from stackaudit.runtime.load.model import Mode, StepSpec
from stackaudit.runtime.load.slo import step_ladder

from ..servers import Server
from .conftest import run_load

Spawn = Callable[..., tuple[subprocess.Popen[str], str]]
SLOS = {"root": SLOConfig(endpoint="GET /", p95_ms=500, error_budget=0.05)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_target_down_is_reported_without_running_k6(tmp_path: Path) -> None:
    report, _ = run_load(
        tmp_path, f"http://127.0.0.1:{_free_port()}", Mode.STEP, step_ladder(10, 20, 2, 1), slos=SLOS
    )
    assert report.partial and not report.steps
    assert "not reachable" in report.problems[0] and "Connection refused" in report.problems[0]
    assert not (tmp_path / "work" / "step_0.seg0.json").exists()


def test_non_http_answers_are_errors_and_stop_the_step_run(
    tmp_path: Path, serve: Callable[..., Server]
) -> None:
    server = serve(kind="garbage")
    report, _ = run_load(tmp_path, server.url, Mode.STEP, step_ladder(10, 30, 3, 1), slos=SLOS)
    assert len(report.steps) == 1 and report.steps[0].error_rate == 1.0
    assert report.stopped_early and "errors 100.0% against a 5.0% budget" in report.stopped_early
    assert any("not HTTP" in p for p in report.problems)
    assert not report.verdicts[0].passed


@pytest.mark.slow
def test_timeouts_are_counted_as_errors(tmp_path: Path, serve: Callable[..., Server]) -> None:
    server = serve(kind="fixed", service_ms=1500)
    load = LoadConfig(request_timeout_s=0.3)
    report, _ = run_load(tmp_path, server.url, Mode.CONSTANT, (StepSpec(0, 10, 1.0),), load=load, slos=SLOS)
    step = report.steps[0]
    assert step.errors == step.requests > 0
    assert any("request timed out" in p for p in report.problems)
    assert 290 <= step.p50_ms <= 600  # the client gave up at its timeout


def test_k6_crash_is_an_incomplete_run_not_a_measurement(
    tmp_path: Path, serve: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve(kind="fixed", service_ms=2)
    real = script.render

    def broken_from_step_1(plan: object, steps: list[StepSpec]) -> str:
        text = real(plan, steps)  # type: ignore[arg-type]
        return text + "\nthrow new Error('boom');\n" if steps[0].index >= 1 else text

    monkeypatch.setattr(script, "render", broken_from_step_1)
    report, _ = run_load(tmp_path, server.url, Mode.STEP, step_ladder(10, 30, 3, 1), slos=SLOS)
    assert report.partial and [s.partial for s in report.steps] == [False, True]
    assert report.steps[0].requests in (10, 11)  # k6 also starts one at the step's end
    assert any("the k6 script raised an exception" in p for p in report.problems), report.problems
    assert report.incomplete is not None and "step 1" in report.incomplete
    assert not report.verdicts and report.knee_rps is None and report.cost is None
    assert report.stopped_early is None


def test_real_k6_exit_code_for_a_script_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.js"
    bad.write_text("export default function () { }\nthrow new Error('boom');\n")
    (outcome,) = k6.run_jobs([k6.K6Job(k6.find_k6(), bad, tmp_path / "o.json", tmp_path, 60)])
    assert outcome.returncode == 107 and not outcome.ok
    assert "boom" in (outcome.problem() or "")


@pytest.mark.slow
def test_pid_exiting_mid_soak_is_partial(tmp_path: Path, spawn: Spawn) -> None:
    proc, url = spawn("fixed", "--service-ms", "2")
    timer = threading.Timer(1.5, proc.kill)  # our own child, by its handle
    timer.start()
    try:
        report, _ = run_load(
            tmp_path,
            url,
            Mode.SOAK,
            (StepSpec(0, 20, 3.0),),
            slos=SLOS,
            load=LoadConfig(soak_window_seconds=0.5),
            probe=ProcessProbe(proc.pid),
        )
    finally:
        timer.cancel()
    assert report.partial and report.incomplete is not None
    assert any(f"process {proc.pid} is gone" in p for p in report.problems), report.problems
    assert report.steps and report.steps[0].requests > 0  # what was sent is shown ...
    assert not report.verdicts and not report.trends  # ... but judged as nothing


@pytest.mark.slow
def test_server_killed_mid_step_run_gives_no_break_point_and_no_cost(tmp_path: Path, spawn: Spawn) -> None:
    proc, url = spawn("fixed", "--service-ms", "2")
    timer = threading.Timer(2.5, proc.kill)  # our own child, by its handle: dies in step 1
    timer.start()
    try:
        report, _ = run_load(
            tmp_path,
            url,
            Mode.STEP,
            step_ladder(20, 60, 3, 2.0),
            slos=SLOS,
            load=LoadConfig(cpu_second_price=0.0001),
            probe=ProcessProbe(proc.pid),
        )
    finally:
        timer.cancel()
    assert report.incomplete is not None, report.problems
    assert not report.verdicts and report.cost is None and report.knee is None
    assert not any("breaks at" in p for p in report.problems) and report.stopped_early is None


def test_too_few_vus_drop_iterations_and_say_so(tmp_path: Path, serve: Callable[..., Server]) -> None:
    server = serve(kind="fixed", service_ms=200)
    report, _ = run_load(tmp_path, server.url, Mode.STEP, (StepSpec(3, 50, 1.0),), load=LoadConfig(max_vus=2))
    step = report.steps[0]
    assert step.index == 3 and step.dropped > 20 and step.achieved_rps < step.offered_rps / 2
    assert any("dropped" in p and "all 2 VUs (load.max_vus = 2) were busy" in p for p in report.problems)


def test_dropped_iterations_with_vus_to_spare_do_not_blame_max_vus() -> None:
    from stackaudit.runtime.load.runner import _dropped_advice

    text = _dropped_advice(12, 40, 500)
    assert "at most 40 of its 500 VUs" in text and "raise load.max_vus" not in text
    assert "raise load.max_vus" in _dropped_advice(12, 500, 500)


def test_without_slos_a_high_error_rate_fails_on_the_default_budget(
    tmp_path: Path, serve: Callable[..., Server]
) -> None:
    server = serve(kind="garbage")
    report, _ = run_load(tmp_path, server.url, Mode.CONSTANT, (StepSpec(0, 10, 1.0),))
    assert report.incomplete is None
    (verdict,) = report.verdicts
    assert not verdict.passed and "against a 5.0% budget" in verdict.summary
    off, _ = run_load(
        tmp_path / "off",
        server.url,
        Mode.CONSTANT,
        (StepSpec(0, 10, 1.0),),
        load=LoadConfig(default_error_budget=1),
    )
    assert not off.verdicts
