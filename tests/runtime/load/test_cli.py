"""`stackaudit load`, `load script` + real k6 segments + `load merge`, and exit codes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from stackaudit.commands import load as load_cmd
from stackaudit.runtime.load import k6
from stackaudit.storage.store import Store

from ..servers import Server

CONFIG = """\
[slo.orders]
endpoint = "GET /orders"
p95_ms = {p95}
error_budget = 0.01

[load]
cpu_second_price = 0.00005
"""


def _app() -> typer.Typer:
    app = typer.Typer()
    load_cmd.register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps "load" a sub-command
        pass

    return app


def _config(tmp_path: Path, p95: float) -> Path:
    path = tmp_path / "stackaudit.toml"
    path.write_text(CONFIG.format(p95=p95))
    return path


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default store lives under the working directory


def test_constant_run_json_report_and_pass(tmp_path: Path, serve: Callable[..., Server]) -> None:
    server = serve(kind="fixed", service_ms=5)
    out = tmp_path / "r.json"
    res = CliRunner().invoke(
        _app(),
        [
            "load",
            "--target",
            server.url,
            "--rate",
            "40",
            "--duration",
            "1",
            "--config",
            str(_config(tmp_path, 200)),
            "--no-store",
            "--format",
            "json",
            "--output",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["schema"] == "stackaudit.load" and doc["version"] == 1 and doc["mode"] == "constant"
    row = doc["steps"][0]["endpoints"][0]
    assert row["endpoint"] == "GET /orders"
    assert set(row) >= {"offered_rps", "achieved_rps", "p50_ms", "p95_ms", "p99_ms", "error_rate"}
    assert 5 <= row["p95_ms"] < 100 and row["requests"] == len(server.latencies_ms)
    assert doc["verdicts"][0]["verdict"] == "pass" and "knee_rps" in doc
    assert doc["repeats_p95_ms"]["GET /orders"][0] == row["p95_ms"]


def test_failing_slo_exits_1_and_stores_evidence(tmp_path: Path, serve: Callable[..., Server]) -> None:
    server = serve(kind="fixed", service_ms=30)
    db = f"sqlite:///{tmp_path / 'ev.db'}"
    res = CliRunner().invoke(
        _app(),
        [
            "load",
            "--target",
            server.url,
            "--rate",
            "30",
            "--duration",
            "1",
            "--config",
            str(_config(tmp_path, 10)),
            "--db",
            db,
        ],
    )
    assert res.exit_code == 1, res.output
    assert "FAIL" in res.output and "against a 10 ms SLO" in res.output
    store = Store.open(db)
    try:
        (ev,) = [e for p in _projects(store) for e in store.evidence(p)]
    finally:
        store.close()
    assert ev.kind.value == "load" and ev.endpoint == "GET /orders" and "10 ms SLO" in ev.summary


def _projects(store: Store) -> list[str]:
    from stackaudit.storage.project import project_key

    return [project_key(Path.cwd())]


def test_target_down_exits_3_with_partial_report(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    res = CliRunner().invoke(
        _app(),
        [
            "load",
            "--target",
            "http://127.0.0.1:9",
            "--step",
            "--steps",
            "2",
            "--no-store",
            "--format",
            "json",
            "--output",
            str(out),
        ],
    )
    assert res.exit_code == 2
    doc = json.loads(out.read_text())
    assert doc["partial"] is True and "not reachable" in doc["problems"][0]


def test_k6_missing_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    res = CliRunner().invoke(_app(), ["load", "--target", "http://127.0.0.1:9", "--no-store"])
    assert res.exit_code == 2 and "k6 not found" in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "ftp://x"], "--target"),
        (["--target", "http://h", "--step", "--soak"], "exclude"),
        (["--target", "http://h", "--pid", "999999999"], "no such process"),
        ([], "--target URL is required"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    res = CliRunner().invoke(_app(), ["load", *args, "--no-store"])
    assert res.exit_code == 2 and message in res.output


def test_impossible_slo_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "stackaudit.toml"
    path.write_text('[slo.orders]\nendpoint = "GET /orders"\np95_ms = 300\np99_ms = 100\n')
    res = CliRunner().invoke(_app(), ["load", "--target", "http://h", "--config", str(path)])
    assert res.exit_code == 2 and "slo.orders" in res.output and "p99_ms" in res.output


@pytest.mark.slow
def test_script_segments_on_two_hosts_then_merge(tmp_path: Path, serve: Callable[..., Server]) -> None:
    """What several hosts do: one script, each host its segment, then `load merge`."""
    server = serve(kind="fixed", service_ms=5)
    script_path = tmp_path / "load.js"
    res = CliRunner().invoke(
        _app(),
        [
            "load",
            "script",
            "--target",
            server.url,
            "--step",
            "--from",
            "20",
            "--to",
            "40",
            "--steps",
            "2",
            "--step-seconds",
            "1",
            "--output",
            str(script_path),
            "--config",
            str(_config(tmp_path, 200)),
        ],
    )
    assert res.exit_code == 0, res.output
    raw = []
    for i, (seg, seq) in enumerate(k6.segments(2)):  # "host" i
        raw.append(tmp_path / f"host{i}.json")
        job = k6.K6Job(k6.find_k6(), script_path, raw[-1], tmp_path, 60, seg, seq)
        subprocess.run(
            k6.command(job), cwd=tmp_path, env=k6.environment(), check=True, capture_output=True, timeout=60
        )
    out = tmp_path / "merged.json"
    res = CliRunner().invoke(
        _app(),
        [
            "load",
            "merge",
            *map(str, raw),
            "--plan",
            str(tmp_path / "load.plan.json"),
            "--no-store",
            "--format",
            "json",
            "--output",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["segments"] == 2 and [s["index"] for s in doc["steps"]] == [0, 1]
    assert sum(s["requests"] for s in doc["steps"]) == len(server.latencies_ms)
    assert doc["steps"][1]["offered_rps"] == 40 and doc["verdicts"][0]["verdict"] == "pass"


def test_merge_of_missing_file_exits_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        _app(), ["load", "merge", str(tmp_path / "nope.json"), "--plan", str(tmp_path / "p.json")]
    )
    assert res.exit_code == 2 and "no such file" in res.output


def test_relative_raw_dir_works_and_keeps_the_raw_samples(
    tmp_path: Path, serve: Callable[..., Server]
) -> None:
    """k6 runs with cwd=raw dir: a relative --raw-dir once made it crash (stored as an SLO failure)."""
    server = serve(kind="fixed", service_ms=2)
    res = CliRunner().invoke(
        _app(),
        [
            "load",
            "--target",
            server.url,
            "--rate",
            "10",
            "--duration",
            "1",
            "--raw-dir",
            "raw/run1",
            "--no-store",
        ],
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "raw" / "run1" / "step_0.seg0.json").stat().st_size > 0
    assert "incomplete" not in res.output.lower()


def test_no_slo_run_at_full_error_rate_exits_1(tmp_path: Path, serve: Callable[..., Server]) -> None:
    server = serve(kind="status", status=500, service_ms=1)
    res = CliRunner().invoke(
        _app(), ["load", "--target", server.url + "/boom", "--rate", "10", "--duration", "1", "--no-store"]
    )
    assert res.exit_code == 1, res.output
    assert "500 Internal Server Error" in res.output


def test_eighty_column_log_keeps_the_cpu_column_and_no_zero_price() -> None:
    import io

    from rich.console import Console

    from stackaudit.runtime.load import report as rep
    from stackaudit.runtime.load.analysis import cost
    from stackaudit.runtime.load.model import EndpointStep, LoadReport, Mode, StepResult

    row = EndpointStep("GET /a-rather-long/endpoint/name/{id}", 120.0, 119.5, 10.0, 20.0, 30.0, 0.0, 1195, 0)
    step = StepResult(
        0,
        120.0,
        10,
        120.0,
        119.5,
        10.0,
        20.0,
        30.0,
        0.0,
        0,
        1195,
        0,
        (row, row),
        cpu_seconds=5.0,
        cpu_utilisation=0.456,
    )
    report = LoadReport(
        Mode.STEP, "http://127.0.0.1:8000", (step,), (), None, cost=cost(5.0, 1195, 0.0, "USD")
    )
    out = io.StringIO()
    rep.render(report, Console(file=out, width=80, color_system=None))
    text = out.getvalue()
    assert "cpu" in text and "46%" in text, text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "USD" not in text and "CPU-ms per request" in text
