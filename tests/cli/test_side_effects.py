"""Read-only commands have no side effects; small traps become clear errors; exit codes hold.

Exit codes for every command: 0 fine, 1 findings over the threshold, 2 an error.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stackaudit.cli import build_app

RUNNER = CliRunner()
RISKY = "import requests\n\n\ndef ping(url):\n    return requests.get(url)\n"
SRC = Path(__file__).resolve().parents[2] / "src"


def _invoke(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(build_app(), list(args))
    return result.exit_code, result.output


def _entries(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize(
    "args",
    [["history"], ["report"], ["triage", "0123456789abcdef", "--owner", "x"], ["db", "status"]],
)
def test_read_only_commands_create_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    vulndb = tmp_path / "user" / "vulndb.db"
    monkeypatch.setenv("STACKAUDIT_VULNDB", str(vulndb))
    code, out = _invoke(*args)
    assert _entries(tmp_path) == set(), out
    if args[0] == "db":
        assert code == 0 and f"{vulndb} does not exist" in out
    else:
        assert code == 2
        assert str(tmp_path / ".stackaudit" / "stackaudit.db") in out  # where it looked


def test_history_of_an_unaudited_project_in_a_store_is_an_error(tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    repo.mkdir()
    (repo / "a.py").write_text(RISKY)
    db = str(tmp_path / "h.db")
    args = ["audit", str(repo), "--only", "python-rules", "--fail-on", "medium", "--db", db]
    assert _invoke(*args)[0] == 1
    other = tmp_path / "other"
    other.mkdir()
    code, out = _invoke("history", "--root", str(other), "--db", db)
    assert code == 2 and "no stored runs of project 'other'" in out
    code, out = _invoke("history", "--root", str(repo), "--db", db)
    assert code == 0 and "Runs of svc" in out


def test_a_mistyped_db_path_creates_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "svc"
    repo.mkdir()
    (repo / "a.py").write_text(RISKY)
    monkeypatch.chdir(repo)
    before = _entries(repo)
    code, out = _invoke("audit", ".", "--only", "python-rules", "--db", "sqlite:///tmp/nowhere/x.db")
    assert code == 2 and "does not exist (nothing was created)" in out
    assert _entries(repo) == before


def test_a_plain_path_is_a_sqlite_store(tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    repo.mkdir()
    (repo / "a.py").write_text(RISKY)
    db = tmp_path / "stores" / "h.db"
    db.parent.mkdir()
    code, out = _invoke("audit", str(repo), "--only", "python-rules", "--fail-on", "medium", "--db", str(db))
    assert code == 1, out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_triage_accepts_a_unique_short_fingerprint(tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    repo.mkdir()
    (repo / "a.py").write_text(RISKY)
    db, out = str(tmp_path / "h.db"), tmp_path / "r.json"
    _invoke("audit", str(repo), "--only", "python-rules", "--db", db, "-f", "json", "-o", str(out))
    fingerprint = json.loads(out.read_text())["findings"][0]["fingerprint"]
    code, text = _invoke("triage", fingerprint[:12], "--owner", "@team", "--root", str(repo), "--db", db)
    assert code == 0, text
    _invoke("audit", str(repo), "--only", "python-rules", "--db", db, "-f", "json", "-o", str(out))
    finding = json.loads(out.read_text())["findings"][0]
    assert (finding["owner"], finding["owner_source"]) == ("@team", "triage")
    code, text = _invoke("triage", "ffffffffffff", "--owner", "@team", "--root", str(repo), "--db", db)
    assert code == 2 and "no fingerprint" in text


def test_rules_category_accepts_prefixes_and_aliases() -> None:
    code, out = _invoke("rules", "--category", "perf")
    assert code == 0 and "perf.n-plus-one" in out and "sec." not in out
    code, out = _invoke("rules", "--category", "nonsense")
    assert code == 2 and "performance" in out and "supply-chain" in out


def test_explain_is_plain_text_with_one_fix() -> None:
    code, out = _invoke("explain", "scale.no-timeout")
    assert code == 0
    assert "``" not in out and "::" not in out
    assert out.count("Fix:") == 1


def test_db_update_offline_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "stackaudit.toml"
    closed = "http://127.0.0.1:9"  # discard port: nothing listens
    config.write_text(
        f'[supply_chain]\nosv_export_url = "{closed}"\nkev_url = "{closed}/k"\nepss_url = "{closed}/e"\n'
    )
    code, out = _invoke(
        "db", "update", str(tmp_path), "--config", str(config), "--db", str(tmp_path / "v.db")
    )
    assert code == 2 and "could not download" in out


def test_a_run_writing_only_files_prints_a_verdict_and_the_files(tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    repo.mkdir()
    (repo / "a.py").write_text(RISKY)
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    args = [
        "audit",
        str(repo),
        "--only",
        "python-rules",
        "--fail-on",
        "medium",
        "--db",
        str(tmp_path / "h.db"),
    ]
    result = RUNNER.invoke(
        build_app(), [*args, "-f", "json", "-o", str(out_json), "-f", "markdown", "-o", str(out_md)]
    )
    assert result.exit_code == 1
    lines = result.output.splitlines()
    verdict = next(line for line in lines if line.startswith("stackaudit: "))
    assert "1 findings (1 new since the last run)" in verdict and "gate FAILED" in verdict
    assert f"wrote {out_json}" in result.output and f"wrote {out_md}" in result.output


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["audit", "/nonexistent"], 2),
        (["gate", ".", "--baseline", "HEAD", "--fail-on", "hihg"], 2),
        (["explain", "nope"], 2),
        (["rules", "--category", "zz"], 2),
        (["report", "--root", "."], 2),
        (["history", "--root", "."], 2),
        (["triage", "0123456789ab", "--owner", "x", "--root", "."], 2),
        (["db", "import", "/nonexistent"], 2),
        (["db", "status", "--db", "postgresql+psycopg://x@127.0.0.1:9/none"], 2),
        (["sbom", "/nonexistent"], 2),
        (["secrets", "/nonexistent"], 2),
        (["secrets", ".", "--fail-on", "hihg"], 2),
        (["profile", "--pid", "999999999"], 2),
        (["metrics"], 2),
        (["load", "merge"], 2),
        (["audit", ".", "--config", "missing.toml"], 2),
    ],
)
def test_every_command_exits_2_on_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], code: int
) -> None:
    monkeypatch.chdir(tmp_path)
    result = RUNNER.invoke(build_app(), args)
    assert result.exit_code == code, result.output
    assert "internal error" not in result.output
    assert not (tmp_path / ".stackaudit").exists()


def test_fail_on_typo_in_config_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "stackaudit.toml").write_text('fail_on = "hihg"\n')
    code, out = _invoke("audit", str(tmp_path), "--db", str(tmp_path / "h.db"))
    assert code == 2 and "internal error" not in out
    assert "stackaudit.toml" in out and "fail_on: unknown severity 'hihg'" in out


def test_ctrl_c_says_nothing_was_stored_and_exits_130(tmp_path: Path) -> None:
    repo = tmp_path / "big"
    repo.mkdir()
    for i in range(600):
        (repo / f"m{i}.py").write_text(RISKY * 20)
    db = tmp_path / "h.db"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    cmd = [sys.executable, "-m", "stackaudit", "audit", str(repo), "--db", str(db), "-j", "1", "--no-cache"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not db.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "nothing was stored" in err and "Traceback" not in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_stages_after_the_file_bar_are_reported_with_counts(tmp_path: Path) -> None:
    from stackaudit.config.schema import Config
    from stackaudit.engine.pipeline import AuditOptions, run_audit

    (tmp_path / "a.py").write_text(RISKY)
    seen: list[tuple[str, int]] = []
    options = AuditOptions(
        tmp_path, Config(), db_url=str(tmp_path / "h.db"), jobs=1, only_analyzers=frozenset({"python-rules"})
    )
    run_audit(options, None, lambda name, count: seen.append((name, count)))
    assert [name for name, _ in seen] == ["merging", "scoring", "owners", "storing"]
    assert all(count == 1 for _, count in seen)


def test_an_interrupt_python_swallowed_still_stops_the_run() -> None:
    """A KeyboardInterrupt that lands in a destructor is "ignored" by Python: the run must still
    stop with 130 at the next checkpoint rather than go on to be stored."""
    import typer

    from stackaudit.commands import common

    class Swallowing:
        def __del__(self) -> None:
            common._on_sigint(signal.SIGINT, None)

    reached: list[str] = []
    with pytest.raises(typer.Exit) as info, common.interrupt_notice(lambda: False):
        Swallowing()  # Python prints "Exception ignored in ..." and goes on
        reached.append("after the destructor")
        common.Feedback().stage("storing", 1)
        reached.append("stored")
    assert info.value.exit_code == 130 and reached == ["after the destructor"]


def test_an_interrupt_in_a_gc_callback_is_not_printed_as_a_traceback() -> None:
    """Under load a Ctrl-C lands in a GC or weakref callback (SQLAlchemy's ``_collection_gced``)
    and Python prints "Exception ignored ... Traceback"; the stop itself is held by the flag."""
    from types import SimpleNamespace

    from stackaudit.commands.common import _quiet_interrupts

    seen: list[object] = []
    hook = _quiet_interrupts(seen.append)
    hook(SimpleNamespace(exc_value=KeyboardInterrupt()))
    other = SimpleNamespace(exc_value=ValueError("x"))
    hook(other)
    assert seen == [other]
