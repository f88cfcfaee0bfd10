"""The same store tests run on SQLite (a tmp file) and on the real PostgreSQL server.

Each PostgreSQL test gets a fresh, uniquely named schema in the test database
(first on the connection's search_path, dropped afterwards), so tests never see
each other's rows and migrations always start from empty.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from stackaudit.storage.store import default_url


def _fresh_pg_schema(pg_url: str) -> Iterator[str]:
    """A uniquely named, empty schema first on the search_path: cheaper than a database."""
    name = f"sa_store_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    try:
        url = sa.make_url(pg_url).update_query_dict({"options": f"-csearch_path={name}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield default_url(tmp_path)
        return
    pg_url: str = request.getfixturevalue("pg_url")
    yield from _fresh_pg_schema(pg_url)


@pytest.fixture
def pg_store_url(pg_url: str) -> Iterator[str]:
    """A fresh PostgreSQL store only, for behaviour SQLite does not have."""
    yield from _fresh_pg_schema(pg_url)
