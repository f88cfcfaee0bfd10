"""Vulnerability database: OSV advisories, affected ranges, aliases, CISA KEV, EPSS, sources.

Revision ID: 0002_vulndb
Revises: 0001_core

Mirrors ``stackaudit.vulndb.schema`` as of this revision (a migration is a frozen
snapshot: later schema changes get their own revision).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_vulndb"
down_revision: str | None = "0001_core"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "vuln_source",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("snapshot", sa.String(40), nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.String(40), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
    )
    op.create_table(
        "vuln_advisory",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("source", sa.String(200), nullable=False, index=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("published", sa.String(40)),
        sa.Column("modified", sa.String(40)),
        sa.Column("aliases", sa.Text, nullable=False),
        sa.Column("cvss_vector", sa.Text),
        sa.Column("cvss_score", sa.Float),
    )
    op.create_table(
        "vuln_affected",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("advisory_id", sa.String(100), nullable=False, index=True),
        sa.Column("ecosystem", sa.String(40), nullable=False),
        sa.Column("package", sa.String(300), nullable=False),
        sa.Column("ranges", sa.Text, nullable=False),
        sa.Column("versions", sa.Text, nullable=False),
    )
    op.create_index("ix_vuln_affected_pkg", "vuln_affected", ["ecosystem", "package"])
    op.create_table(
        "vuln_alias",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alias", sa.String(100), nullable=False, index=True),
        sa.Column("advisory_id", sa.String(100), nullable=False, index=True),
    )
    op.create_table(
        "vuln_kev",
        sa.Column("cve", sa.String(40), primary_key=True),
        sa.Column("ransomware", sa.Boolean, nullable=False),
        sa.Column("date_added", sa.String(20), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
    )
    op.create_table(
        "vuln_epss",
        sa.Column("cve", sa.String(40), primary_key=True),
        sa.Column("epss", sa.Float, nullable=False),
        sa.Column("percentile", sa.Float, nullable=False),
    )
    op.create_table(
        "vuln_rejected",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(200), nullable=False, index=True),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_table(
        "vuln_online_cache",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("fetched_at", sa.String(40), nullable=False),
        sa.Column("ids", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for name in (
        "vuln_online_cache",
        "vuln_rejected",
        "vuln_epss",
        "vuln_kev",
        "vuln_alias",
        "vuln_affected",
        "vuln_advisory",
        "vuln_source",
    ):
        op.drop_table(name)
