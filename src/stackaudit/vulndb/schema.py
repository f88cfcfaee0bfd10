"""The vulnerability tables, in the shared store (same database as the history).

Alembic revision ``0002_vulndb`` creates the same tables; ``ensure_schema`` creates
them directly when the store has not been migrated (tests, a fresh SQLite file).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Engine

metadata = MetaData()

sources = Table(
    "vuln_source",
    metadata,
    Column("name", String(200), primary_key=True),  # osv:PyPI, kev, epss
    Column("kind", String(20), nullable=False),  # osv | kev | epss
    Column("snapshot", String(40), nullable=False),  # the data's own date (ISO)
    Column("records", Integer, nullable=False),
    Column("rejected", Integer, nullable=False, default=0),
    Column("imported_at", String(40), nullable=False),
    Column("location", Text, nullable=False, default=""),
)

advisories = Table(
    "vuln_advisory",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("source", String(200), nullable=False, index=True),
    Column("summary", Text, nullable=False, default=""),
    Column("published", String(40)),
    Column("modified", String(40)),
    Column("aliases", Text, nullable=False, default="[]"),  # JSON list
    Column("cvss_vector", Text),
    Column("cvss_score", Float),
)

affected = Table(
    "vuln_affected",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("advisory_id", String(100), nullable=False, index=True),
    Column("ecosystem", String(40), nullable=False),
    Column("package", String(300), nullable=False),  # normalised name
    Column("ranges", Text, nullable=False, default="[]"),  # JSON [{type, events:[{k: v}]}]
    Column("versions", Text, nullable=False, default="[]"),  # JSON list
    Index("ix_vuln_affected_pkg", "ecosystem", "package"),
)

aliases = Table(
    "vuln_alias",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("alias", String(100), nullable=False, index=True),
    Column("advisory_id", String(100), nullable=False, index=True),
)

kev = Table(
    "vuln_kev",
    metadata,
    Column("cve", String(40), primary_key=True),
    Column("ransomware", Boolean, nullable=False, default=False),
    Column("date_added", String(20), nullable=False, default=""),
    Column("name", Text, nullable=False, default=""),
)

epss = Table(
    "vuln_epss",
    metadata,
    Column("cve", String(40), primary_key=True),
    Column("epss", Float, nullable=False),
    Column("percentile", Float, nullable=False),
)

rejected = Table(
    "vuln_rejected",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("source", String(200), nullable=False, index=True),
    Column("record", Text, nullable=False),  # file name or advisory id
    Column("reason", Text, nullable=False),
)

cache = Table(
    "vuln_online_cache",
    metadata,
    Column("key", String(300), primary_key=True),  # ecosystem/package@version
    Column("fetched_at", String(40), nullable=False),
    Column("ids", Text, nullable=False, default="[]"),  # JSON list of advisory ids
)

ALL_TABLES = (sources, advisories, affected, aliases, kev, epss, rejected, cache)


def ensure_schema(engine: Engine) -> None:
    """Create the vulnerability tables that do not exist yet (idempotent)."""
    metadata.create_all(engine, tables=list(ALL_TABLES), checkfirst=True)
