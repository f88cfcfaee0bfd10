"""Soak runs: the planted drift (latency growing with uptime, memory kept per request) is
found; a steady server shows none."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from stackaudit.config.sections.runtime import LoadConfig
from stackaudit.runtime.load.cpu import ProcessProbe
from stackaudit.runtime.load.model import LoadReport, Mode, StepSpec

from .conftest import run_load

pytestmark = pytest.mark.slow
Spawn = Callable[..., tuple[subprocess.Popen[str], str]]
LOAD = LoadConfig(soak_window_seconds=1.0)


def _soak(tmp_path: Path, spawn: Spawn, *args: str) -> LoadReport:
    proc, url = spawn(*args)
    report, _ = run_load(
        tmp_path, url, Mode.SOAK, (StepSpec(0, 50, 7.0),), load=LOAD, probe=ProcessProbe(proc.pid)
    )
    for t in report.trends:
        print(
            f"[soak {args[0]}] {t.metric}: drifting={t.drifting} slope={t.slope:.4g}/s "
            f"CI {t.low:.4g}..{t.high:.4g} p={t.p_value:.3g} {t.start:.4g}->{t.end:.4g} ({t.points} pts)"
        )
    assert not report.partial, report.problems
    return report


def test_soak_finds_planted_latency_and_memory_drift(tmp_path: Path, spawn: Spawn) -> None:
    report = _soak(
        tmp_path, spawn, "drift", "--service-ms", "5", "--growth-ms-per-s", "8", "--leak-kb", "100"
    )
    trends = {t.metric: t for t in report.trends}
    assert trends["p95_ms"].drifting and 4 < trends["p95_ms"].slope < 14  # planted: 8 ms per s
    assert trends["rss_bytes"].drifting  # planted: 100 KiB x 50 req/s = ~5 MB/s
    assert not trends["error_rate"].drifting


def test_steady_server_shows_no_drift(tmp_path: Path, spawn: Spawn) -> None:
    report = _soak(tmp_path, spawn, "fixed", "--service-ms", "5")
    assert {t.metric for t in report.trends} >= {"p95_ms", "rss_bytes"}
    assert not any(t.drifting for t in report.trends)
    assert report.cost is None or report.cost.requests > 300


def test_drift_beyond_the_configured_rate_fails_and_is_stored(tmp_path: Path, spawn: Spawn) -> None:
    from stackaudit.runtime.load.verdicts import to_evidence

    report = _soak(tmp_path, spawn, "drift", "--service-ms", "5", "--growth-ms-per-s", "8")
    drift = {v.slo: v for v in report.verdicts if v.slo.startswith("soak drift")}
    assert (
        not drift["soak drift p95_ms"].passed
        and "against a limit of 5 ms/min" in drift["soak drift p95_ms"].summary
    )
    assert drift["soak drift error_rate"].passed
    ev = {e.summary: e for e in to_evidence(report.verdicts, report.target)}
    assert any(s.startswith("soak p95_ms drifting") and e.severity.value >= 2 for s, e in ev.items())


def test_steady_soak_passes_its_drift_verdicts(tmp_path: Path, spawn: Spawn) -> None:
    report = _soak(tmp_path, spawn, "fixed", "--service-ms", "5")
    assert all(v.passed for v in report.verdicts if v.slo.startswith("soak drift"))
