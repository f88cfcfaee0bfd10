"""Fleet benchmark: 50 small generated repositories, `stackaudit fleet --local 2` against a
sequential loop of the same audits (the same ``audit_repo`` the workers run) into the same kind
of store. Both sides are timed from a fresh process (imports included) into a fresh store.

Prints the median of --repeat runs of each side, the ratio sequential / fleet, and the size of
the store each side leaves (they must be close: the same runs stored).

    PYTHONPATH=src .venv/bin/python bench/bench_fleet.py [--repos 50] [--repeat 3] [--workers 2]
    ... [--pg postgresql+psycopg://USER@HOST/DB]   # also into PostgreSQL (a fresh schema per run)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.fleet.repos import make_fleet  # noqa: E402

SEQUENTIAL = """
import sys
from stackaudit.fleet.sources import read_list
from stackaudit.fleet.task import TaskSettings, audit_repo
specs = read_list(__import__("pathlib").Path(sys.argv[1]))
settings = TaskSettings(sys.argv[2])
print(sum(audit_repo(spec, settings).findings for spec in specs))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}


def fleet(listing: Path, db: str, workers: int) -> tuple[float, int]:
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "stackaudit", "fleet", str(listing), "--db", db, "--local", str(workers)]
    proc = subprocess.run([*cmd, "--format", "json"], env=_env(), capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if proc.returncode not in (0, 1) or not proc.stdout:
        raise SystemExit(f"fleet failed ({proc.returncode}): {proc.stderr[-2000:]}")
    summary = json.loads(proc.stdout)
    if summary["failed"]:
        raise SystemExit(f"fleet: {summary['failures']}")
    return took, int(summary["findings"])


def sequential(listing: Path, db: str) -> tuple[float, int]:
    started = time.perf_counter()
    cmd = [sys.executable, "-c", SEQUENTIAL, str(listing), db]
    proc = subprocess.run(cmd, env=_env(), capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"sequential loop failed: {proc.stderr[-2000:]}")
    return took, int(proc.stdout.strip().splitlines()[-1])


@contextmanager
def fresh_store(kind: str, work: Path, pg: str | None) -> Iterator[str]:
    if kind == "sqlite":
        path = work / f"store-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        return
    import sqlalchemy as sa

    assert pg is not None
    name = f"bench_fleet_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    try:
        yield (
            sa.make_url(pg)
            .update_query_dict({"options": f"-csearch_path={name}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        admin.dispose()


def store_size(db: str) -> int:
    """SQLite: the pages in use (read through a WAL not yet checkpointed); PostgreSQL: the schema."""
    if db.startswith("sqlite:///"):
        from stackaudit.storage.store import Store

        with Store.open(db) as store:
            return store.size_bytes() or 0
    import sqlalchemy as sa

    engine = sa.create_engine(db, poolclass=sa.NullPool)
    with engine.connect() as conn:
        query = "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relkind = 'r' "
        query += "AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
        size = conn.exec_driver_sql(query).scalar() or 0
    engine.dispose()
    return int(size)


def measure(kind: str, listing: Path, work: Path, args: argparse.Namespace) -> None:
    times: dict[str, list[float]] = {"fleet": [], "sequential": []}
    sizes: dict[str, int] = {}
    findings: dict[str, int] = {}
    for i in range(args.repeat):
        order = ("fleet", "sequential") if i % 2 == 0 else ("sequential", "fleet")
        for side in order:
            with fresh_store(kind, work, args.pg) as db:
                took, found = fleet(listing, db, args.workers) if side == "fleet" else sequential(listing, db)
                times[side].append(took)
                sizes[side], findings[side] = store_size(db), found
    med = {side: statistics.median(values) for side, values in times.items()}
    print(f"\n{kind}: {args.repos} repositories, medians of {args.repeat} runs (fresh process, fresh store)")
    for side in ("sequential", "fleet"):
        runs = ", ".join(f"{t:.1f}" for t in times[side])
        label = f"fleet --local {args.workers}" if side == "fleet" else "sequential loop"
        print(
            f"  {label:<18} {med[side]:6.1f} s  [{runs}]  {findings[side]} findings  store {sizes[side] / 1e6:.2f} MB"
        )
    print(f"  ratio sequential / fleet: {med['sequential'] / med['fleet']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repos", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg", default=None, help="Also measure into this PostgreSQL (a schema per run).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        work = Path(tmp)
        repos = make_fleet(work / "repos", args.repos)
        listing = work / "fleet.txt"
        listing.write_text("\n".join(map(str, repos)) + "\n", encoding="utf-8")
        print(f"cores: {os.cpu_count()} (load average {os.getloadavg()[0]:.1f} at start: shared machine)")
        for kind in ("sqlite", *(["postgresql"] if args.pg else [])):
            measure(kind, listing, work, args)


if __name__ == "__main__":
    main()
