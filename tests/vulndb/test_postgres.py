"""The vulnerability tables on the real PostgreSQL server (migration 0002_vulndb, bulk import, matching)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from stackaudit.inventory.deps.model import Dependency, Ecosystem
from stackaudit.vulndb.audit import audit_dependencies
from stackaudit.vulndb.connect import open_engine
from stackaudit.vulndb.importer import ImportOptions, import_path
from stackaudit.vulndb.query import VulnDatabase

FIX = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_schema_url(pg_url: str) -> Iterator[str]:
    name = f"sa_vuln_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    try:
        yield (
            sa.make_url(pg_url)
            .update_query_dict({"options": f"-csearch_path={name}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        admin.dispose()


def test_import_and_match_on_postgres(pg_schema_url: str) -> None:
    engine = open_engine(pg_schema_url)
    with engine.connect() as conn:
        heads = set(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    assert "0002_vulndb" in heads or any(h > "0002" for h in heads)  # migrated, not create_all
    assert import_path(engine, FIX / "osv", ImportOptions(jobs=1)).records == 4
    import_path(engine, FIX / "kev.json")
    import_path(engine, FIX / "epss_semicolon.csv", ImportOptions(snapshot="2026-08-16"))
    outcome = audit_dependencies(
        VulnDatabase(engine), [Dependency("demo-pkg", Ecosystem.PYPI, "r.txt", version="1.0")]
    )
    (match,) = outcome.matches
    assert (
        match.info.kev and match.info.kev_ransomware and match.info.epss == 0.6 and match.upgrade == "1.2.3"
    )
    engine.dispose()
