"""0003 converts a store made by the previous schema in place: runs, findings and history intact."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command

from stackaudit.model import Assessment, AuditResult, Status
from stackaudit.storage import connect, history, migrate, runs
from stackaudit.storage.store import Store

from .factories import PROJECT, T0, assess, make_run, nplus, result, rich_result, sqli

PREVIOUS_HEAD = "0002_vulndb"

_old_assessments = sa.table(
    "assessments",
    *(sa.column(n) for n in ("run_id", "ordinal", "suppressed", "fingerprint", "rule_id", "path")),
    *(sa.column(n) for n in ("severity", "score", "status", "data_json")),
)


def _old_rows(run_id: str, items: tuple[Assessment, ...], suppressed: bool) -> list[dict[str, Any]]:
    """Rows exactly as the 0001/0002 store wrote them (one JSON document per assessment per run)."""
    return [
        {
            "run_id": run_id,
            "ordinal": i,
            "suppressed": suppressed,
            "fingerprint": a.finding.fingerprint,
            "rule_id": a.finding.rule_id,
            "path": a.finding.location.path,
            "severity": int(a.finding.severity),
            "score": a.score.value,
            "status": a.status.value,
            "data_json": runs.dumps(a),
        }
        for i, a in enumerate(items)
    ]


def _old_save(conn: sa.Connection, res: AuditResult) -> None:
    conn.execute(runs.runs.insert(), runs._run_row(res))
    for table, rows in runs._child_rows(res):
        if rows:
            conn.execute(table.insert(), rows)
    for rows in (_old_rows(res.run.id, res.findings, False), _old_rows(res.run.id, res.suppressed, True)):
        if rows:
            conn.execute(_old_assessments.insert(), rows)
    history.upsert(conn, res)


def _results() -> list[AuditResult]:
    a, b = sqli(), nplus()
    day = T0 + timedelta(days=1)
    return [
        result(make_run("old-1", T0), (assess(a, Status.NEW), assess(b, Status.NEW))),
        result(
            make_run("old-2", day), (assess(b, Status.OPEN, age_days=1), assess(a, Status.OPEN, age_days=1))
        ),
        replace(
            rich_result("old-3"), run=replace(rich_result("old-3").run, started_at=T0 + timedelta(days=2))
        ),
        result(make_run("other-1", T0, project="other"), (assess(a, Status.NEW),)),
    ]


def test_upgrade_converts_old_runs_in_place(store_url: str) -> None:
    parsed = connect.parse_url(store_url)
    path = connect.sqlite_file(parsed)
    if path is not None:
        connect.preflight_sqlite(path)  # makes the .stackaudit folder, as Store.open does
    engine = connect.create(parsed, 5.0)
    try:
        with engine.begin() as conn:
            cfg = migrate.alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, PREVIOUS_HEAD)
            # Today's history code writes ``score`` (0005): give the old schema the column while
            # it writes, and take it away again, so the store is as that version left it.
            conn.exec_driver_sql("ALTER TABLE history ADD COLUMN score FLOAT")
            for res in _results():
                _old_save(conn, res)
            hist_before = history.read(conn, PROJECT)
            conn.exec_driver_sql("ALTER TABLE history DROP COLUMN score")
    finally:
        engine.dispose()
    with Store.open(store_url) as store:  # migrates 0002 -> head
        with store.engine.connect() as conn:
            assert migrate.current_heads(conn) == migrate.known_heads()[1]
        assert "assessments" not in sa.inspect(store.engine).get_table_names()
        assert [r.id for r in store.runs(PROJECT)] == ["old-3", "old-2", "old-1"]
        for res in _results():
            assert store.load_result(res.run.id) == res, res.run.id
        assert store.history(PROJECT) == hist_before
        assert store.run_fingerprints("old-1") == {sqli().fingerprint, nplus().fingerprint}
        nxt = result(make_run("new-1", T0 + timedelta(days=3)), _results()[1].findings)
        store.save_run(nxt)  # a run after the conversion continues the converted spans
        assert store.load_result("new-1") == nxt


def test_downgrade_writes_runs_back(store_url: str) -> None:
    saved = _results()
    with Store.open(store_url) as store:
        for res in saved:
            store.save_run(res)
        with store.engine.begin() as conn:
            cfg = migrate.alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, PREVIOUS_HEAD)
            count = conn.execute(sa.select(sa.func.count()).select_from(_old_assessments)).scalar_one()
    assert count == sum(len(r.findings) + len(r.suppressed) for r in saved)
    with Store.open(store_url) as store:  # and up again
        for res in saved:
            assert store.load_result(res.run.id) == res
