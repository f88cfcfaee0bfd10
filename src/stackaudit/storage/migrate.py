"""Run the Alembic chain in ``migrations/`` from code, under a lock, refusing newer schemas."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from stackaudit.storage.base import StoreError
from stackaudit.storage.connect import WRITE_OPTION

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 0x5354_4B41  # "STKA": one advisory lock id for every stackaudit migration


def alembic_config(url: str | None = None, location: Path = MIGRATIONS) -> Config:
    """An Alembic config for the store's chain; no alembic.ini is read.

    ``url`` is only needed for offline SQL (``command.upgrade(cfg, "heads", sql=True)``).
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(location).replace("%", "%%"))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def known_heads(location: Path = MIGRATIONS) -> tuple[set[str], set[str]]:
    """(every revision id in the chain, the head revision ids)."""
    script = ScriptDirectory.from_config(alembic_config(location=location))
    revisions = {rev.revision for rev in script.walk_revisions()}
    return revisions, set(script.get_heads())


def current_heads(conn: sa.Connection) -> set[str]:
    return set(MigrationContext.configure(conn).get_current_heads())


def upgrade(engine: sa.Engine, where: str, location: Path = MIGRATIONS) -> None:
    """Migrate to head in one locked transaction; a no-op when already there."""
    revisions, heads = known_heads(location)
    with engine.connect() as conn:
        if _check(conn, where, revisions) == heads:
            conn.rollback()
            return
        conn.rollback()
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_MIGRATION_LOCK})
        if _check(conn, where, revisions) == heads:
            return  # another process migrated while we waited for the lock
        cfg = alembic_config(location=location)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def _check(conn: sa.Connection, where: str, revisions: set[str]) -> set[str]:
    current = current_heads(conn)
    unknown = current - revisions
    if unknown:
        raise StoreError(
            f"{where}: the database was created by a newer stackaudit (schema revision "
            f"{', '.join(sorted(unknown))} is unknown to this version); upgrade stackaudit to use it"
        )
    return current
