"""The Alembic chain run from code: SQLite pragmas, later revisions, offline SQL."""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from stackaudit.storage import connect, migrate
from stackaudit.storage.store import Store, default_url

LATER_REVISION = '''
"""A later revision, as the vuln-db teammate's 0002_vulndb would be."""
import pytest
import sqlalchemy as sa
from alembic import op

revision = "0099_probe"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("vuln_probe", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("vuln_probe")
'''


def test_sqlite_runs_in_wal_mode_with_normal_sync_and_busy_timeout(tmp_path: Path) -> None:
    with Store.open(default_url(tmp_path), busy_timeout_s=7.5) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7500
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / ".stackaudit").is_dir()


@pytest.mark.parametrize("name", ["my repo%", "a?b", "c#d", "e@f:g", "h%20i", "ünï"])
def test_default_url_points_into_dot_stackaudit(tmp_path: Path, name: str) -> None:
    root = tmp_path / name
    root.mkdir()
    url = default_url(root)
    assert sa.make_url(url).get_backend_name() == "sqlite"
    Store.open(url).close()
    assert (root / ".stackaudit" / "stackaudit.db").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing created elsewhere


def test_the_env_picks_up_later_revisions(tmp_path: Path) -> None:
    location = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, location, ignore=shutil.ignore_patterns("__pycache__"))
    _, (head,) = migrate.known_heads()
    (location / "versions" / "0099_probe.py").write_text(LATER_REVISION.format(down=head))
    url = default_url(tmp_path)
    Store.open(url).close()  # at the package's head first, then the later revision on top
    engine = connect.create(sa.make_url(url), 5.0)
    try:
        migrate.upgrade(engine, "test", location)
        with engine.connect() as conn:
            assert migrate.current_heads(conn) == {"0099_probe"}
        assert "vuln_probe" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_offline_sql_can_be_generated_for_a_dba() -> None:
    out = io.StringIO()
    cfg = migrate.alembic_config(url="postgresql+psycopg://u@h/db")
    cfg.stdout = out
    with redirect_stdout(out):
        command.upgrade(cfg, "heads", sql=True)
    sql = out.getvalue()
    assert "CREATE TABLE runs" in sql
    assert "CREATE TABLE history" in sql
    assert "TIMESTAMP WITH TIME ZONE" in sql
    assert "INSERT INTO alembic_version" in sql


def test_the_chain_downgrades_to_empty_and_upgrades_again(store_url: str) -> None:
    with Store.open(store_url) as store:
        with store.engine.begin() as conn:
            cfg = migrate.alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        tables = set(sa.inspect(store.engine).get_table_names())
        assert tables <= {"alembic_version"}
    with Store.open(store_url) as store:  # the next open migrates from empty again
        store.cache_put_many({"k": b"v"})
        with store.engine.connect() as conn:
            assert migrate.current_heads(conn) == migrate.known_heads()[1]
