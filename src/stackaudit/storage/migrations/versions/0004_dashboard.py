"""Dashboard columns and indexes, and the triage log.

Revision ID: 0004_dashboard
Revises: 0003_finding_spans

``finding_bodies`` gets ``category``, ``severity`` and ``score`` (copied from ``data_json`` by
``storage.facts``; existing bodies are filled here) with an index on (project, score, fingerprint), so
``stackaudit serve`` filters and pages by score in SQL. ``history`` gets an index on
(project, updated_at) for the dashboard's cache key. ``triage_log`` records every triage
decision (who, when, what, why). ``run_risk`` holds each run's findings and summed score per
category (filled for stored runs here, by ``Store.save_run`` after), and ``history`` gets
indexes on (project, rule_id) and (project, status, owner, first_seen) for the
dashboard's filters and aging.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stackaudit.storage import facts
from stackaudit.storage.tables import UTCDateTime

revision = "0004_dashboard"
down_revision: str | None = "0003_finding_spans"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    op.add_column("finding_bodies", sa.Column("category", sa.String(32)))
    op.add_column("finding_bodies", sa.Column("severity", sa.Integer))
    op.add_column("finding_bodies", sa.Column("score", sa.Float))
    op.create_index("ix_finding_bodies_project_score", "finding_bodies", ["project", "score", "fingerprint"])
    op.create_index(
        "ix_finding_bodies_project_fingerprint", "finding_bodies", ["project", "fingerprint", "score"]
    )
    op.create_index("ix_history_project_updated", "history", ["project", "updated_at"])
    op.create_table(
        "triage_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("by", sa.Text),
        sa.Column("status", sa.String(32)),
        sa.Column("owner", sa.Text),
        sa.Column("accepted_until", sa.Date),
        sa.Column("reason", sa.Text),
    )
    op.create_index("ix_triage_log_project_fingerprint", "triage_log", ["project", "fingerprint"])
    op.create_index("ix_history_project_rule", "history", ["project", "rule_id"])
    op.create_index(
        "ix_history_project_status_owner", "history", ["project", "status", "owner", "first_seen"]
    )
    op.create_table(
        "run_risk",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("category", sa.String(32), primary_key=True),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("risk", sa.Float, nullable=False),
    )
    if not op.get_context().as_sql:  # offline SQL for a DBA: a new store has no bodies to fill
        facts.fill(op.get_bind())
        facts.backfill_run_risk(op.get_bind())


def downgrade() -> None:
    op.drop_table("run_risk")
    op.drop_index("ix_history_project_status_owner", table_name="history")
    op.drop_index("ix_history_project_rule", table_name="history")
    op.drop_index("ix_triage_log_project_fingerprint", table_name="triage_log")
    op.drop_table("triage_log")
    op.drop_index("ix_history_project_updated", table_name="history")
    op.drop_index("ix_finding_bodies_project_score", table_name="finding_bodies")
    op.drop_index("ix_finding_bodies_project_fingerprint", table_name="finding_bodies")
    # Not a batch "move and copy" on SQLite (see 0003): plain DROP COLUMN, SQLite >= 3.35.
    for column in ("score", "severity", "category"):
        op.execute(f"ALTER TABLE finding_bodies DROP COLUMN {column}")
