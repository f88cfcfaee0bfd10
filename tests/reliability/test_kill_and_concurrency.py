"""The reliability campaign, end to end through the CLI: audits killed with SIGKILL at random
points while they write, and eight audits writing one store at once, on SQLite and on the real
PostgreSQL server. Nothing stored before is lost, the store opens, and the next audit works."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stackaudit.storage.project import project_key
from stackaudit.storage.store import Store
from tests.storage.conftest import _fresh_pg_schema

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20
CONCURRENT = 8


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        (tmp_path / "store").mkdir()
        yield f"sqlite:///{tmp_path / 'store' / 'stackaudit.db'}"
        return
    yield from _fresh_pg_schema(request.getfixturevalue("pg_url"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", target)
    return target


def _audit(repo: Path, db: str, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    args = [sys.executable, "-m", "stackaudit", "audit", str(repo), "--db", db, "--fail-on", "none"]
    args += ["--format", "json", "--output", str(out)]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _runs(db: str, project: str) -> set[str]:
    with Store.open(db) as store:
        return {r.id for r in store.runs(project, limit=10_000)}


def _integrity(db: str) -> None:
    if db.startswith("sqlite:///"):
        with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_audits_killed_mid_write_lose_nothing_stored_before(store: str, repo: Path, tmp_path: Path) -> None:
    project = project_key(repo)
    started = time.monotonic()
    first = _audit(repo, store, tmp_path / "first.json")
    assert first.wait(300) == 0, first.stdout.read() if first.stdout else ""
    duration = time.monotonic() - started
    rng = random.Random(20261207)
    stored = _runs(store, project)
    killed = 0
    for i in range(KILLS):
        proc = _audit(repo, store, tmp_path / f"k{i}.json")
        time.sleep(rng.uniform(0.05, duration * 1.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait(60)
        _integrity(store)
        now = _runs(store, project)
        assert stored <= now, f"kill {i} lost runs {stored - now}"
        stored = now
    last = _audit(repo, store, tmp_path / "last.json")
    output = last.communicate(timeout=300)[0].decode()
    assert last.returncode == 0, output
    assert len(_runs(store, project)) == len(stored) + 1
    print(
        f"\nkill -9 campaign ({store.split(':')[0]}): {killed} of {KILLS} audits killed mid-run; store intact"
    )


@pytest.mark.slow
def test_eight_audits_at_once_all_stored(store: str, repo: Path, tmp_path: Path) -> None:
    project = project_key(repo)
    procs = [_audit(repo, store, tmp_path / f"c{i}.json") for i in range(CONCURRENT)]
    outputs = [p.communicate(timeout=600)[0].decode() for p in procs]
    for proc, output in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, output
        assert "database is locked" not in output and "Traceback" not in output
    _integrity(store)
    assert len(_runs(store, project)) == CONCURRENT
