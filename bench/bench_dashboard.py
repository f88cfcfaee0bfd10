"""Server time of the dashboard on a generated store: 100,000 findings over 50 runs.

The store is written row by row in the current schema (bodies with their dashboard columns,
one span per finding's life, its history row), the way 50 weekly audits of a large service
leave it: 60 % of the findings exist from the first run, the rest arrive evenly, and a third
of all findings are fixed at some later run. Requests go through the ASGI app in process
(Starlette's TestClient), so the figure is server time: routing, SQL, templates.

Figures: the overview cold (its aggregates computed: first request after a store change)
and warm (served from the per-store-version cache), and a filtered findings page with its
count uncached (every request recomputed) and warm; the run diff of the two newest runs (the
Runs page's default) and of runs ten apart, computed per request (never cached); the owners
page cold; the CSV export of the filtered findings; the DORA page (a stored result of 24
months). Median of ``--repeat`` requests (``--repeat`` // 3 for the export and the wide diff).

    .venv/bin/python bench/bench_dashboard.py [--findings 100000] [--runs 50] [--repeat 15]
    STACKAUDIT_TEST_PG_URL=postgresql+psycopg://... adds the same on PostgreSQL (a fresh schema,
    VACUUM ANALYZE after generation, as autovacuum leaves a store that has lived a while; SQLite
    gets no ANALYZE, as stackaudit never runs one).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from starlette.testclient import TestClient

from stackaudit.storage.store import Store, default_url
from stackaudit.storage.tables import finding_bodies, finding_spans, history, run_risk, runs
from stackaudit.web.app import Settings, create_app

PROJECT = "bench-service"
RULES = (
    ("sec.sql-injection", "security", 3),
    ("sec.path-traversal", "security", 3),
    ("perf.n-plus-one", "performance", 2),
    ("perf.select-star", "performance", 1),
    ("scale.no-timeout", "scalability", 2),
    ("sca.vulnerable-dependency", "supply-chain", 4),
    ("proc.missing-test", "process", 1),
)
OWNERS = [f"@team-{n}" for n in range(20)] + [None]
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
FILTERED = "/findings?category=security&severity=high&min_age=30"


def _body(i: int, rng: random.Random) -> dict[str, Any]:
    rule, category, severity = RULES[i % len(RULES)]
    impact, likelihood, effort = rng.randint(2, 10), rng.randint(1, 10), rng.choice((0.5, 1, 2, 3, 5))
    path = f"src/module_{i % 900}/file_{i % 37}.py"
    prim = {
        "finding": {
            "rule_id": rule,
            "message": f"finding {i}",
            "location": {"path": path, "line": 10 + i % 300, "column": 4, "end_line": 0, "end_column": 0},
            "category": category,
            "severity": severity,
            "snippet": f"value_{i} = call(request.args['q'])",
        },
        "score": {
            "impact": {"value": impact, "reasons": ["rule default"]},
            "likelihood": {"value": likelihood, "reasons": ["handler code"]},
            "effort": {"value": effort, "reasons": []},
        },
        "status": "open",
        "first_seen": T0.isoformat(),
        "age_days": 0,
    }
    return {
        "project": PROJECT,
        "digest": f"{i:032x}",
        "fingerprint": f"{i:016x}{i * 7919 % 10**9:016x}",
        "data_json": json.dumps(prim),
        "category": category,
        "severity": severity,
        "score": round(impact * likelihood / effort, 2),
        "_path": path,
        "_rule": rule,
    }


def generate(url: str, findings: int, run_count: int, seed: int = 7) -> None:
    """Write the store directly (50 real audits of 100,000 findings would take an hour)."""
    rng = random.Random(seed)
    with Store.open(url) as store, store.engine.begin() as conn:
        started = [T0 + timedelta(days=7 * k) for k in range(run_count)]
        base = int(findings * 0.6)
        first = [
            0 if i < base else 1 + (i - base) * (run_count - 1) // (findings - base) for i in range(findings)
        ]
        last: list[int | None] = [
            rng.randint(first[i], run_count - 2) if rng.random() < 0.33 and first[i] < run_count - 1 else None
            for i in range(findings)
        ]
        run_rows = []
        for k in range(run_count):
            present = sum(1 for i in range(findings) if first[i] <= k and (last[i] is None or last[i] >= k))
            run_rows.append(
                {
                    "id": uuid.UUID(int=k + 1).hex,
                    "project": PROJECT,
                    "started_at": started[k],
                    "finished_at": started[k] + timedelta(minutes=4),
                    "commit": f"{k:040x}",
                    "branch": "main",
                    "findings": present,
                    "new": sum(1 for f in first if f == k),
                    "fixed": sum(1 for x in last if x is not None and x == k - 1),
                    "suppressed": 0,
                    "gate_passed": k % 5 != 0,
                    "run_json": "{}",
                    "saved_at": started[k],
                }
            )
        conn.execute(runs.insert(), run_rows)
        seqs = dict(conn.execute(sa.select(runs.c.id, runs.c.seq)).all())
        seq_of = [seqs[r["id"]] for r in run_rows]
        bodies = [_body(i, rng) for i in range(findings)]
        for start in range(0, findings, 5000):
            part = bodies[start : start + 5000]
            conn.execute(
                finding_bodies.insert(), [{k: v for k, v in b.items() if not k.startswith("_")} for b in part]
            )
        ids = dict(conn.execute(sa.select(finding_bodies.c.digest, finding_bodies.c.id)).all())
        span_rows, history_rows = [], []
        for i, b in enumerate(bodies):
            gone = last[i]
            span_rows.append(
                {
                    "project": PROJECT,
                    "body_id": ids[b["digest"]],
                    "suppressed": False,
                    "status": "open",
                    "age_offset": 0,
                    "first_seq": seq_of[first[i]],
                    "last_seq": None if gone is None else seq_of[gone],
                }
            )
            status = "fixed" if gone is not None else ("new" if first[i] == run_count - 1 else "open")
            history_rows.append(
                {
                    "project": PROJECT,
                    "fingerprint": b["fingerprint"],
                    "rule_id": b["_rule"],
                    "path": b["_path"],
                    "first_seen": started[first[i]],
                    "first_run": run_rows[first[i]]["id"],
                    "last_seen": started[gone if gone is not None else -1],
                    "last_run": run_rows[gone if gone is not None else -1]["id"],
                    "status": status,
                    "owner": OWNERS[i % len(OWNERS)],
                    "owner_from_triage": False,
                    "updated_at": started[-1],
                    "score": b["score"],
                }
            )
        for start in range(0, findings, 5000):
            conn.execute(finding_spans.insert(), span_rows[start : start + 5000])
            conn.execute(history.insert(), history_rows[start : start + 5000])
        conn.execute(run_risk.insert(), _run_risk(bodies, first, last, run_rows))


def _run_risk(
    bodies: list[dict[str, Any]], first: list[int], last: list[int | None], run_rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """What ``Store.save_run`` writes per run and category, from each finding's life (difference arrays)."""
    count = len(run_rows)
    deltas: dict[str, list[list[float]]] = {}
    for i, b in enumerate(bodies):
        slot = deltas.setdefault(b["category"], [[0.0] * (count + 1), [0.0] * (count + 1)])
        end = count if last[i] is None else last[i] + 1  # type: ignore[operator]
        slot[0][first[i]] += 1
        slot[0][end] -= 1
        slot[1][first[i]] += b["score"]
        slot[1][end] -= b["score"]
    rows = []
    for category, (ns, rs) in deltas.items():
        n = r = 0.0
        for k in range(count):
            n, r = n + ns[k], r + rs[k]
            rows.append(
                {"run_id": run_rows[k]["id"], "category": category, "findings": int(n), "risk": round(r, 2)}
            )
    return rows


def _median_ms(
    call: Callable[[], Any], repeat: int, before: Callable[[], None] | None = None
) -> tuple[float, int]:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text[:500]
    return statistics.median(times), repeat


def _store_dora(url: str, months: int = 24) -> None:
    """A DORA result of ``months`` months over the runs' time, as ``stackaudit dora`` stores it."""
    from stackaudit.governance.dora.model import Band, DoraResult, Metrics
    from stackaudit.governance.dora.render import DEFINITIONS, DEFINITIONS_VERSION

    keys = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery_time")

    def period(label: str, days: float, k: int) -> Metrics:
        deployments, failed = 10 + k % 7, k % 4
        return Metrics(
            label, days, deployments, deployments / days, deployments * 3, timedelta(hours=5 + k),
            timedelta(hours=20 + k), failed, failed / deployments, timedelta(hours=1 + k % 5), 0,
            tuple(zip(keys, (Band.HIGH, Band.ELITE, Band.MEDIUM, Band.HIGH), strict=True)),
        )  # fmt: skip

    labels = [f"{2025 + (k // 12)}-{k % 12 + 1:02d}" for k in range(months)]
    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025 + months // 12, 1, 1, tzinfo=UTC)
    result = DoraResult(
        "annotated git tags matching 'v*'", "incident file incidents.csv", 2024, start, end,
        period("window", (end - start).days, 0), tuple(period(m, 30, k) for k, m in enumerate(labels)), (),
    )  # fmt: skip
    with Store.open(url) as store:
        store.save_dora(PROJECT, result, definitions=DEFINITIONS, definitions_version=DEFINITIONS_VERSION)


def measure(url: str, repeat: int) -> dict[str, tuple[float, int]]:
    app = create_app(Settings(url=url, allowed_hosts=("testserver",)))
    dash = app.state.dashboard
    with dash.conn() as conn:
        ids = list(conn.execute(sa.select(runs.c.id).order_by(runs.c.seq)).scalars())
    diff_newest = f"/runs/diff?a={ids[-2]}&b={ids[-1]}"
    diff_wide = f"/runs/diff?a={ids[-11]}&b={ids[-1]}"
    with TestClient(app) as client:
        client.get("/static/dashboard.css")  # start-up and the first connection are not the page's time

        def clear() -> None:
            dash._cache.clear()

        few = max(3, repeat // 3)
        return {
            "overview cold": _median_ms(lambda: client.get("/"), repeat, clear),
            "overview warm": _median_ms(lambda: client.get("/"), repeat),
            "findings filtered, uncached": _median_ms(lambda: client.get(FILTERED), repeat, clear),
            "findings filtered, warm": _median_ms(lambda: client.get(FILTERED), repeat),
            "findings page 2 (keyset)": _median_ms(lambda: client.get("/findings?after=20.0:0"), repeat),
            "run diff, two newest runs": _median_ms(lambda: client.get(diff_newest), repeat),
            "run diff, runs 10 apart": _median_ms(lambda: client.get(diff_wide), few),
            "owners cold": _median_ms(lambda: client.get("/owners"), repeat, clear),
            f"CSV export ({_rows(client)} rows)": _median_ms(
                lambda: client.get("/findings.csv?" + FILTERED.partition("?")[2]), few
            ),
            "DORA page (24 months)": _median_ms(lambda: client.get("/dora"), repeat),
        }


def _rows(client: TestClient) -> int:
    return client.get("/findings.csv?" + FILTERED.partition("?")[2]).text.count("\n") - 1


@contextmanager
def _pg_schema(pg_url: str) -> Iterator[str]:
    name = f"sa_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    try:
        yield (
            sa.make_url(pg_url)
            .update_query_dict({"options": f"-csearch_path={name}"})
            .render_as_string(False)
        )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        admin.dispose()


def run_one(label: str, url: str, args: argparse.Namespace) -> None:
    start = time.perf_counter()
    generate(url, args.findings, args.runs)
    _store_dora(url)
    if url.startswith("postgresql"):  # what autovacuum does to a store that has lived a while
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        engine.dispose()
    print(
        f"{label}: generated {args.findings} findings over {args.runs} runs in {time.perf_counter() - start:.0f} s"
    )
    for name, (ms, n) in measure(url, args.repeat).items():
        print(f"  {name:32s} {ms:7.1f} ms (median of {n})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_one("SQLite", default_url(Path(tmp)), args)
    pg = os.environ.get("STACKAUDIT_TEST_PG_URL")
    if pg:
        with _pg_schema(pg) as url:
            run_one("PostgreSQL", url, args)


if __name__ == "__main__":
    main()
