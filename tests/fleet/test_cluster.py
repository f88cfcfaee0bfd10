"""The fleet end to end on a real LocalCluster (2 worker processes) and a real store.

20 generated repositories: 18 good, one broken (not a git repository), one whose worker is
killed with SIGKILL while it audits it, every time (so Dask gives up on it after its retries).
A second fleet run, through the CLI on a fresh cluster, skips the 18 stored and audits the one
that was killed; the broken one fails again with its reason. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import pytest
from distributed import LocalCluster, WorkerPlugin

from stackaudit.fleet.run import FleetOptions, connect, run_fleet, task_key
from stackaudit.fleet.sources import RepoSpec, read_list
from stackaudit.fleet.view import read_fleet
from stackaudit.storage.store import Store
from tests.fleet.repos import expected_rules, make_fleet, make_repo
from tests.storage.conftest import _fresh_pg_schema

ROOT = Path(__file__).resolve().parents[2]
REPOS = 20
VICTIM = 7  # the repository whose worker is killed mid-audit
KILL_AFTER_S = 0.2


class KillWhileAuditing(WorkerPlugin):  # type: ignore[misc]
    """Kills its own worker process (SIGKILL) shortly after the victim's task starts executing."""

    name = "kill-while-auditing"

    def __init__(self, key: str) -> None:
        self.key = key

    def transition(self, key: str, start: str, finish: str, **kwargs: Any) -> None:
        if key == self.key and finish == "executing":
            threading.Timer(KILL_AFTER_S, os.kill, (os.getpid(), signal.SIGKILL)).start()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        (tmp_path / "store").mkdir()
        yield f"sqlite:///{tmp_path / 'store' / 'fleet.db'}"
        return
    yield from _fresh_pg_schema(request.getfixturevalue("pg_url"))


def _fleet_list(tmp_path: Path) -> Path:
    repos = make_fleet(tmp_path / "repos", REPOS - 2)
    # 150 files: an audit that lasts well past KILL_AFTER_S even on an idle machine
    victim = make_repo(tmp_path / "repos" / "victim", VICTIM, extra_files=150)
    broken = tmp_path / "repos" / "broken"
    broken.mkdir()
    (broken / "app.py").write_text("import os\n", encoding="utf-8")
    listing = tmp_path / "fleet.txt"
    lines = ["# generated fleet", *map(str, repos[:9]), str(broken), str(victim), *map(str, repos[9:])]
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return listing


def _first_run(listing: Path, db: str) -> None:
    """Through ``--scheduler``: a scheduler started here, as a cluster's would be, outside the fleet."""
    specs = read_list(listing)
    victim = next(s for s in specs if s.source.endswith("victim"))
    settings = {"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}
    with dask.config.set(settings):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    options = FleetOptions(db_url=db, scheduler=cluster.scheduler_address, retries=1)
    try:
        with connect(options) as client:
            client.register_plugin(KillWhileAuditing(task_key(victim)))
            report = run_fleet(specs, options, client=client)
    finally:
        cluster.close()
    tally = report.tally
    assert (tally.done, tally.skipped, tally.failed) == (18, 0, 2), report.failures
    reasons = {Path(f.spec.source).name: f.reason for f in report.failures}
    assert reasons["victim"].startswith("its worker died while auditing it, 2 times")
    assert reasons["broken"].startswith("not a git repository")
    _check_store(db, {f"svc{i:02d}": expected_rules(i) for i in range(REPOS - 2)})


def _check_store(db: str, expected: dict[str, list[str]]) -> None:
    """One run per repository, holding exactly the planted findings (ci.* rules aside)."""
    with Store.open(db) as store:
        projects = {name: runs for name, runs, _ in store.projects()}
        assert projects == dict.fromkeys(expected, 1)
        for name, rules in expected.items():
            run_id = store.resolve_run(name, "latest")
            assert run_id is not None
            found = sorted(a.finding.rule_id for a in store.load_result(run_id).findings)
            assert [r for r in found if not r.startswith("ci.")] == rules, name


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1", "COLUMNS": "200"}
    command = [sys.executable, "-m", "stackaudit", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_fleet_of_twenty_one_broken_one_killed_then_resumed(db: str, tmp_path: Path) -> None:
    listing = _fleet_list(tmp_path)
    _first_run(listing, db)

    second = _cli("fleet", str(listing), "--db", db, "--local", "2", "--retries", "1", "--format", "json")
    assert second.returncode == 1, second.stderr  # the broken repository, and failed gates
    summary = json.loads(second.stdout)
    assert (summary["done"], summary["skipped"], summary["failed"]) == (1, 18, 1), second.stderr
    (done,) = [r for r in summary["results"] if r["state"] == "done"]
    assert done["project"] == "victim"
    assert [f["repository"] for f in summary["failures"]] == [str(tmp_path / "repos" / "broken")]
    assert "skipped" in second.stderr and "stored run" in second.stderr
    assert "stackaudit fleet: 20 repositories · 1 audited · 18 skipped" in second.stderr
    assert "dashboard: http" in second.stderr

    expected = {f"svc{i:02d}": expected_rules(i) for i in range(REPOS - 2)}
    _check_store(db, {**expected, "victim": expected_rules(VICTIM)})
    view = read_fleet(db)  # the CLI's rendering of it is tested in test_cli.py
    assert {p.project for p in view.projects} == {*expected, "victim"}
    assert {o.owner for o in view.owners} >= {"fleet@example.org"}
    assert view.top[0].assessment.score.value == max(r.assessment.score.value for r in view.top)


def test_spec_keys_are_stable_and_distinct() -> None:
    a, b = RepoSpec("/srv/a"), RepoSpec("/srv/a", "v2")
    assert task_key(a) == task_key(RepoSpec("/srv/a")) and task_key(a) != task_key(b)
