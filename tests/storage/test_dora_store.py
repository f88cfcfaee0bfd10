"""DORA results in the store: a round trip on SQLite and PostgreSQL, runs, pruning, 0005 down and up."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command

from stackaudit.governance.dora.render import DEFINITIONS_VERSION, definitions
from stackaudit.storage import migrate
from stackaudit.storage.store import Store
from stackaudit.storage.tables import dora_periods, dora_results
from tests.storage.dora_factory import dora_result
from tests.storage.factories import PROJECT, T0, make_run, result

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _save(store: Store, run_id: str | None = None, at: datetime = AT, year: int = 2024) -> int:
    made = replace(dora_result(), band_year=year)
    return store.save_dora(
        PROJECT,
        made,
        definitions=definitions(made),
        definitions_version=DEFINITIONS_VERSION,
        run_id=run_id,
        computed_at=at,
    )


def test_round_trip_keeps_every_figure_band_and_year(store_url: str) -> None:
    original = dora_result()
    with Store.open(store_url) as store:
        assert store.latest_dora(PROJECT) is None
        _save(store)
        stored = store.latest_dora(PROJECT)
    assert stored is not None
    assert (stored.project, stored.run_id, stored.computed_at) == (PROJECT, None, AT)
    assert stored.definitions_version == DEFINITIONS_VERSION
    assert stored.definitions == definitions(original)
    assert "reverted or hotfixed" in stored.definitions["change_failure_rate"]  # git signals' wording
    assert stored.result == original  # window, months (order, None figures, bands), year, notes


def test_newest_wins_and_a_run_id_selects_its_result(store_url: str) -> None:
    run_id = "9" * 32
    with Store.open(store_url) as store:
        store.save_run(result(make_run(run_id, T0)))
        _save(store, run_id=run_id, at=AT, year=2023)
        _save(store, at=AT + timedelta(days=1), year=2024)
        newest, of_run = store.latest_dora(PROJECT), store.latest_dora(PROJECT, run_id)
        other = store.latest_dora("another-project")
    assert newest is not None and of_run is not None and other is None
    assert (newest.result.band_year, newest.run_id) == (2024, None)
    assert (of_run.result.band_year, of_run.run_id) == (2023, run_id)


def test_pruning_the_run_keeps_the_metrics(store_url: str) -> None:
    ids = ["1" * 32, "2" * 32]
    with Store.open(store_url) as store:
        store.save_run(result(make_run(ids[0], T0 - timedelta(days=9))))
        store.save_run(result(make_run(ids[1], T0)))
        _save(store, run_id=ids[0])
        assert store.prune_runs(PROJECT, keep=1) == 1
        stored = store.latest_dora(PROJECT)
    assert stored is not None and stored.run_id is None and stored.result == dora_result()


def test_downgrade_to_0004_drops_the_tables_and_upgrade_brings_them_back(store_url: str) -> None:
    with Store.open(store_url) as store:
        _save(store)
    with Store.open(store_url) as store, store.engine.begin() as conn:
        cfg = migrate.alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004_dashboard")
        inspector = sa.inspect(conn)
        assert not inspector.has_table("dora_results") and not inspector.has_table("dora_periods")
        indexes = {i["name"] for i in inspector.get_indexes("finding_spans")}
        assert "ix_finding_spans_project_life" not in indexes
    with Store.open(store_url) as store, store.engine.connect() as conn:  # open migrates to head again
        assert conn.execute(sa.select(sa.func.count()).select_from(dora_results)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(dora_periods)).scalar() == 0
        assert migrate.current_heads(conn) == {"0005_dora"}
        _save(store)
    with Store.open(store_url) as store:
        assert store.latest_dora(PROJECT) is not None
