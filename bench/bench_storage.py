"""History-store benchmark: save/load/history/cache at audit scale, SQLite and PostgreSQL.

Anchor, in the same run: the same JSON rows (encoded with the store's own fast
encoder) written with the bare ``sqlite3`` module (one ``executemany`` per table,
one transaction, WAL) — the floor any store on SQLite pays. Prints medians of REPEAT runs and the ratio to the floor.

    .venv/bin/python bench/bench_storage.py            # SQLite only
    eval "$(scripts/services.sh)"; .venv/bin/python bench/bench_storage.py --pg "$STACKAUDIT_TEST_PG_ADMIN_URL"
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from stackaudit.model import (
    Assessment,
    AuditResult,
    Category,
    CodeContext,
    Factor,
    Location,
    RuleMeta,
    Run,
    Score,
    Severity,
    Status,
    TraceStep,
)
from stackaudit.storage.fastcodec import encode
from stackaudit.storage.store import Store, default_url

RULE = RuleMeta("perf.n-plus-one", "N+1", Category.PERFORMANCE, Severity.MEDIUM, "doc")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_result(run_id: str, findings: int, day: int) -> AuditResult:
    started = T0 + timedelta(days=day)
    run = Run(run_id, "bench", "/srv/bench", started, started + timedelta(seconds=30), "0.1", "cfg")
    score = Score(Factor(6, ("rule default",)), Factor(5, ("handler",)), Factor(1, ()))
    items = []
    for i in range(findings):
        loc = Location(f"pkg/mod{i // 20}.py", i % 500 + 1, 4, symbol=f"mod.fn{i}")
        trace = (TraceStep(loc, "source", "source"), TraceStep(loc, "sink", "sink"))
        finding = RULE.finding(
            loc,
            "query in a loop",
            f"for o in orders{i}: o.customer",
            trace=trace,
            context=CodeContext.HANDLER,
            endpoint="GET /orders",
        )
        items.append(Assessment(finding, score, Status.NEW if day == 0 else Status.OPEN, T0))
    return AuditResult(run=run, findings=tuple(items))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def floor_sqlite(result: AuditResult, path: Path) -> None:
    """The same rows, bare sqlite3: one transaction, executemany, no ORM, no history logic."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS a (run TEXT, ord INT, fp TEXT, rule TEXT, path TEXT, data TEXT)")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS h (project TEXT, fp TEXT, rule TEXT, path TEXT, seen TEXT,"
        " PRIMARY KEY (project, fp))"
    )
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO a VALUES (?,?,?,?,?,?)", (result.run.id, -1, "", "", "", json.dumps(encode(result.run)))
    )
    conn.executemany(
        "INSERT INTO a VALUES (?,?,?,?,?,?)",
        [
            (
                result.run.id,
                i,
                x.finding.fingerprint,
                x.finding.rule_id,
                x.finding.location.path,
                json.dumps(encode(x), separators=(",", ":")),
            )
            for i, x in enumerate(result.findings)
        ],
    )
    conn.executemany(
        "INSERT INTO h VALUES (?,?,?,?,?) ON CONFLICT (project, fp) DO UPDATE SET seen = excluded.seen",
        [
            (
                "bench",
                x.finding.fingerprint,
                x.finding.rule_id,
                x.finding.location.path,
                result.run.started_at.isoformat(),
            )
            for x in result.findings
        ],
    )
    conn.execute("COMMIT")
    conn.close()


def bench_store(url: str, findings: int, cache_items: int) -> dict[str, float]:
    first, second = make_result(uuid.uuid4().hex, findings, 0), make_result(uuid.uuid4().hex, findings, 1)
    blobs = {f"ruff:0.6:{i:064x}": bytes(2048) for i in range(cache_items)}
    with Store.open(url) as store:
        out = {
            "open (migrated)": timed(lambda: Store.open(url).close()),
            "save_run (new history)": timed(lambda: store.save_run(first)),
            "save_run (history update)": timed(lambda: store.save_run(second)),
            "load_result": timed(lambda: store.load_result(second.run.id)),
            "history": timed(lambda: store.history("bench")),
            "cache_put_many": timed(lambda: store.cache_put_many(blobs)),
            "cache_get_many": timed(lambda: store.cache_get_many(list(blobs))),
        }
    return out


def pg_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--findings", type=int, default=5000)
    parser.add_argument("--cache", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg", help="PostgreSQL admin URL (a database is created and dropped per repeat)")
    args = parser.parse_args()
    samples: dict[str, dict[str, list[float]]] = {}
    floors: list[float] = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            floor_result, floor_db = make_result("floor", args.findings, 0), Path(tmp) / "floor.db"
            start = time.perf_counter()
            floor_sqlite(floor_result, floor_db)
            floors.append(time.perf_counter() - start)
            for key, value in bench_store(default_url(Path(tmp)), args.findings, args.cache).items():
                samples.setdefault("sqlite", {}).setdefault(key, []).append(value)
        if args.pg:
            url, drop = pg_database(args.pg)
            try:
                for key, value in bench_store(url, args.findings, args.cache).items():
                    samples.setdefault("postgresql", {}).setdefault(key, []).append(value)
            finally:
                drop()
    floor = statistics.median(floors)
    print(f"findings per run: {args.findings}, cache entries: {args.cache} x 2 KiB, repeats: {args.repeat}")
    print(f"floor: bare sqlite3 insert of the same rows: {floor * 1000:8.1f} ms (median)")
    for backend, rows in samples.items():
        for key, values in rows.items():
            med = statistics.median(values)
            ratio = (
                f"  {med / floor:5.2f}x floor" if key.startswith("save_run") and backend == "sqlite" else ""
            )
            print(f"{backend:10s} {key:28s} {med * 1000:8.1f} ms{ratio}")


if __name__ == "__main__":
    main()
