"""0005 on a store saved before it: ``history.score`` is filled from the bodies of open spans."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from stackaudit.storage import migrate
from stackaudit.storage.store import Store
from stackaudit.storage.tables import history
from tests.web.conftest import seed


def _scores(url: str) -> list[tuple[str, str, float | None]]:
    with Store.open(url) as store, store.engine.connect() as conn:
        h = history.c
        rows = conn.execute(sa.select(h.fingerprint, h.status, h.score).order_by(h.fingerprint)).all()
    return [(fp, status, None if s is None else round(float(s), 2)) for fp, status, s in rows]


def test_downgrade_then_upgrade_fills_history_score_as_save_run_did(store_url: str) -> None:
    seed(store_url)
    saved = _scores(store_url)
    open_rows = [row for row in saved if row[1] != "fixed"]
    assert len(open_rows) == 32 and all(score is not None for *_, score in open_rows)
    assert len({score for *_, score in open_rows}) > 5  # the scores differ: a real comparison
    with Store.open(store_url) as store, store.engine.begin() as conn:
        cfg = migrate.alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004_dashboard")
        assert "score" not in {c["name"] for c in sa.inspect(conn).get_columns("history")}
    rebuilt = _scores(store_url)  # open migrates to head again, filling the column
    assert [row for row in rebuilt if row[1] != "fixed"] == open_rows
    assert all(score is None for _, status, score in rebuilt if status == "fixed")
