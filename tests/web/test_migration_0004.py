"""0004 on a store saved before it: the dashboard columns and ``run_risk`` are rebuilt exactly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from stackaudit.storage import migrate
from stackaudit.storage.store import Store
from stackaudit.storage.tables import finding_bodies, run_risk
from tests.web.conftest import seed


def _snapshot(url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with Store.open(url) as store, store.engine.connect() as conn:
        b, r = finding_bodies.c, run_risk.c
        bodies = conn.execute(sa.select(b.digest, b.category, b.severity, b.score).order_by(b.digest)).all()
        risk = conn.execute(
            sa.select(r.run_id, r.category, r.findings, r.risk).order_by(r.run_id, r.category)
        ).all()
    return [tuple(x) for x in bodies], [tuple(x) for x in risk]


def test_downgrade_then_upgrade_rebuilds_what_save_run_wrote(store_url: str) -> None:
    seed(store_url)
    saved = _snapshot(store_url)
    assert saved[0] and all(score is not None for *_, score in saved[0])
    assert {row[1] for row in saved[1]} == {"security", "supply-chain", "performance"}
    with Store.open(store_url) as store, store.engine.begin() as conn:
        cfg = migrate.alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003_finding_spans")
        inspector = sa.inspect(conn)
        assert not inspector.has_table("run_risk") and not inspector.has_table("triage_log")
        assert "score" not in {c["name"] for c in inspector.get_columns("finding_bodies")}
    with Store.open(store_url) as store, store.engine.connect() as conn:  # open migrates to head again
        assert conn.execute(sa.select(sa.func.count()).select_from(run_risk)).scalar() == len(saved[1])
    rebuilt = _snapshot(store_url)
    assert rebuilt[0] == saved[0]
    assert [(r, c, n, round(float(x), 2)) for r, c, n, x in rebuilt[1]] == [
        (r, c, n, round(float(x), 2)) for r, c, n, x in saved[1]
    ]
