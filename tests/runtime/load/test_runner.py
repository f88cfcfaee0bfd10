"""Runner details that need a real k6 run but no timing judgement."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from stackaudit.runtime.load import runner
from stackaudit.runtime.load.model import Mode, StepSpec

from ..servers import Server
from .conftest import run_load


def test_long_runs_write_gzipped_raw_samples(
    tmp_path: Path, serve: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "GZIP_ABOVE_REQUESTS", 0)
    server = serve(kind="fixed", service_ms=2)
    report, _ = run_load(tmp_path, server.url, Mode.CONSTANT, (StepSpec(0, 20, 1.0),))
    assert (tmp_path / "work" / "step_0.seg0.json.gz").is_file()
    assert report.steps[0].requests == len(server.latencies_ms) > 0
    assert (tmp_path / "work" / "plan.json").is_file()  # for a later `load merge`
