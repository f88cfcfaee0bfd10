"""Store growth per run on a generated 50,000-finding project, before and after 0003.

"Before" is the previous schema (revision 0002: every assessment stored again as JSON
in every run), built with that schema's own row layout; "after" is the current store
(a finding once, runs as spans of what changed). Each store records: run 1 (all new),
run 2 (new -> open: a real change of every status), then unchanged re-runs, and one
re-run where 1 % of the findings changed. Sizes are SQLite pages in use (after a WAL
checkpoint), so they do not depend on when SQLite happens to grow or shrink the file.

    .venv/bin/python bench/bench_store_growth.py [--size 50000] [--unchanged 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_storage import make_result

from stackaudit.model import AuditResult
from stackaudit.storage import connect, history, migrate, runs
from stackaudit.storage.store import Store, default_url

_old_assessments = sa.table(
    "assessments",
    *(sa.column(n) for n in ("run_id", "ordinal", "suppressed", "fingerprint", "rule_id", "path")),
    *(sa.column(n) for n in ("severity", "score", "status", "data_json")),
)


def result_for(run_number: int, size: int) -> AuditResult:
    """Run ``run_number`` (0-based) of the project: ages as the engine computes them."""
    base = make_result(f"run-{run_number}", size, run_number)
    items = tuple(replace(a, age_days=run_number) for a in base.findings)
    return replace(base, findings=items)


def changed(result: AuditResult, share: float) -> AuditResult:
    """``share`` of the findings with a new score (a changed finding)."""
    step = int(1 / share)
    items = tuple(
        replace(a, score=replace(a.score, impact=replace(a.score.impact, value=7))) if i % step == 0 else a
        for i, a in enumerate(result.findings)
    )
    return replace(result, findings=items)


def used_bytes(conn: Any) -> int:
    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    free = conn.exec_driver_sql("PRAGMA freelist_count").scalar()
    size = conn.exec_driver_sql("PRAGMA page_size").scalar()
    return int((pages - free) * size)


def old_save(conn: sa.Connection, res: AuditResult) -> None:
    """How revision 0002 stored a run: every assessment's JSON again, per run."""
    conn.execute(runs.runs.insert(), runs._run_row(res))
    for table, rows in runs._child_rows(res):
        if rows:
            conn.execute(table.insert(), rows)
    rows = [
        {
            "run_id": res.run.id,
            "ordinal": i,
            "suppressed": False,
            "fingerprint": a.finding.fingerprint,
            "rule_id": a.finding.rule_id,
            "path": a.finding.location.path,
            "severity": int(a.finding.severity),
            "score": a.score.value,
            "status": a.status.value,
            "data_json": runs.dumps(a),
        }
        for i, a in enumerate(res.findings)
    ]
    for start in range(0, len(rows), 1000):
        conn.execute(_old_assessments.insert(), rows[start : start + 1000])
    history.upsert(conn, res)


def plan(size: int, unchanged: int) -> list[tuple[str, AuditResult]]:
    steps = [("run 1 (all new)", result_for(0, size)), ("run 2 (new -> open)", result_for(1, size))]
    steps += [(f"run {n + 1} (unchanged)", result_for(n, size)) for n in range(2, 2 + unchanged)]
    last = 2 + unchanged
    steps.append((f"run {last + 1} (1 % changed)", changed(result_for(last, size), 0.01)))
    return steps


def measure_old(folder: Path, steps: list[tuple[str, AuditResult]]) -> list[int]:
    url = default_url(folder)
    parsed = connect.parse_url(url)
    path = connect.sqlite_file(parsed)
    assert path is not None
    connect.preflight_sqlite(path)
    engine = connect.create(parsed, 30.0)
    sizes = []
    with engine.begin() as conn:
        cfg = migrate.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002_vulndb")
    for _, res in steps:
        with engine.begin() as conn:
            old_save(conn, res)
        with engine.connect() as conn:
            sizes.append(used_bytes(conn))
    engine.dispose()
    return sizes


def measure_new(folder: Path, steps: list[tuple[str, AuditResult]]) -> tuple[list[int], list[float]]:
    sizes, seconds = [], []
    with Store.open(default_url(folder)) as store:
        for _, res in steps:
            start = time.perf_counter()
            store.save_run(res)
            seconds.append(time.perf_counter() - start)
            with store.engine.connect() as conn:
                sizes.append(used_bytes(conn))
        last = steps[-1][1]
        assert store.load_result(last.run.id) == last  # the last run still loads exactly
    return sizes, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--unchanged", type=int, default=2)
    args = parser.parse_args()
    steps = plan(args.size, args.unchanged)
    with tempfile.TemporaryDirectory() as old_dir, tempfile.TemporaryDirectory() as new_dir:
        before = measure_old(Path(old_dir), steps)
        after, seconds = measure_new(Path(new_dir), steps)
    print(f"{args.size} findings per run; store size (SQLite pages in use) and growth per run")
    print(f"  {'':24s} {'before (0002)':>24s} {'after (0003)':>24s}")
    previous = (0, 0)
    for (label, _), old, new, took in zip(steps, before, after, seconds, strict=True):
        print(
            f"  {label:24s} {old / 1e6:8.1f} MB (+{(old - previous[0]) / 1e6:6.2f})"
            f" {new / 1e6:8.1f} MB (+{(new - previous[1]) / 1e6:6.2f})  save {took:.1f} s"
        )
        previous = (old, new)


if __name__ == "__main__":
    main()
