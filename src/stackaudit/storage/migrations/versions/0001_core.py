"""Core history store: runs, assessments, history, cache, evidence.

Revision ID: 0001_core
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision: str | None = None
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None

_TS = sa.DateTime(timezone=True)


def _run_fk() -> sa.Column[str]:
    return sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("project", sa.String(255), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=False),
        sa.Column("commit", sa.String(128)),
        sa.Column("branch", sa.Text),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("new", sa.Integer, nullable=False),
        sa.Column("fixed", sa.Integer, nullable=False),
        sa.Column("suppressed", sa.Integer, nullable=False),
        sa.Column("gate_passed", sa.Boolean),
        sa.Column("run_json", sa.Text, nullable=False),
        sa.Column("gate_json", sa.Text),
        sa.Column("saved_at", _TS, nullable=False),
    )
    op.create_index("ix_runs_project_started", "runs", ["project", "started_at"])
    op.create_index("ix_runs_project_commit", "runs", ["project", "commit"])
    op.create_table(
        "run_analyzers",
        _run_fk(),
        sa.Column("ordinal", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("version", sa.String(255), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("cached", sa.Boolean, nullable=False),
    )
    op.create_table(
        "run_not_analysed",
        _run_fk(),
        sa.Column("ordinal", sa.Integer, primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("analyzer", sa.String(255)),
    )
    _findings_tables()
    _history_cache_evidence()


def _findings_tables() -> None:
    op.create_table(
        "assessments",
        _run_fk(),
        sa.Column("ordinal", sa.Integer, primary_key=True),
        sa.Column("suppressed", sa.Boolean, primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(255), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("data_json", sa.Text, nullable=False),
    )
    op.create_index("ix_assessments_fingerprint", "assessments", ["fingerprint"])
    op.create_table(
        "fixed_findings",
        _run_fk(),
        sa.Column("ordinal", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(255), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("first_seen", _TS, nullable=False),
    )


def _history_cache_evidence() -> None:
    op.create_table(
        "history",
        sa.Column("project", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("rule_id", sa.String(255), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("first_seen", _TS, nullable=False),
        sa.Column("first_run", sa.String(64), nullable=False),
        sa.Column("last_seen", _TS, nullable=False),
        sa.Column("last_run", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("owner", sa.Text),
        sa.Column("owner_from_triage", sa.Boolean, nullable=False),
        sa.Column("accepted_until", sa.Date),
        sa.Column("accepted_by", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_history_project_status", "history", ["project", "status"])
    op.create_table(
        "cache_entries",
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("stored_at", _TS, nullable=False),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Column("endpoint", sa.Text),
        sa.Column("path", sa.Text),
        sa.Column("rule_hint", sa.String(255)),
        sa.Column("data_json", sa.Text, nullable=False),
    )
    op.create_index("ix_evidence_project_recorded", "evidence", ["project", "recorded_at"])


def downgrade() -> None:
    for table in (
        "evidence",
        "cache_entries",
        "history",
        "fixed_findings",
        "assessments",
        "run_not_analysed",
        "run_analyzers",
        "runs",
    ):
        op.drop_table(table)
