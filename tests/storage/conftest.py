"""The same store tests run on SQLite (a tmp file) and on the real PostgreSQL server.

Each PostgreSQL test gets a fresh, uniquely named database (created with the
admin URL from scripts/services.sh, dropped afterwards), so tests never see each
other's rows and migrations always start from empty.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from stackaudit.storage.store import default_url


def _fresh_pg_database(pg_url: str) -> Iterator[str]:
    admin_url = sa.make_url(os.environ.get("STACKAUDIT_TEST_PG_ADMIN_URL") or pg_url)
    name = f"sa_store_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    owner = sa.make_url(pg_url).username or "postgres"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER "{owner}"')
    try:
        yield sa.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield default_url(tmp_path)
        return
    pg_url: str = request.getfixturevalue("pg_url")
    yield from _fresh_pg_database(pg_url)
