"""DORA results; the column and indexes that make the dashboard's diff, owners and exports fast.

Revision ID: 0005_dora
Revises: 0004_dashboard

``dora_results`` holds one row per DORA computation (``stackaudit dora``, or an audit whose
config has a ``[dora]`` section, then tied to its run): the band year and the definitions
version are stored with it, because both change what a figure means. ``dora_periods`` holds
its metrics, one row per month and one for the whole window (``period = 'window'``).

``finding_spans`` gets an index on (project, first_seq, last_seq, body_id), and its (project,
last_seq) index gains body_id: a run diff reads the spans that start or end between two runs
from the indexes alone. ``history`` gets ``score`` (the finding's score in the newest run that
saw it; filled here from the bodies of open spans) and an index on (project, status, owner,
first_seen, score): the owners page's open risk, counts and ages are one pass over that index.
``finding_bodies``' (project, score, fingerprint) index gains category and severity: a filtered
list or export walks the index alone, never the rows (whose JSON pushes those two columns onto
overflow pages).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from stackaudit.storage.tables import UTCDateTime

revision = "0005_dora"
down_revision: str | None = "0004_dashboard"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "dora_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(255), nullable=False),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="SET NULL")),
        sa.Column("computed_at", UTCDateTime, nullable=False),
        sa.Column("band_year", sa.Integer, nullable=False),
        sa.Column("definitions_version", sa.String(16), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("failure_source", sa.Text, nullable=False),
        sa.Column("since", UTCDateTime, nullable=False),
        sa.Column("until", UTCDateTime, nullable=False),
        sa.Column("definitions_json", sa.Text, nullable=False),
        sa.Column("notes_json", sa.Text, nullable=False),
    )
    op.create_index("ix_dora_results_project_computed", "dora_results", ["project", "computed_at"])
    op.create_index("ix_dora_results_run", "dora_results", ["run_id"])
    op.create_table(
        "dora_periods",
        sa.Column(
            "result_id", sa.Integer, sa.ForeignKey("dora_results.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("ordinal", sa.Integer, primary_key=True),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("days", sa.Float, nullable=False),
        sa.Column("deployments", sa.Integer, nullable=False),
        sa.Column("deploys_per_day", sa.Float, nullable=False),
        sa.Column("changes", sa.Integer, nullable=False),
        sa.Column("lead_time_median_s", sa.Float),
        sa.Column("lead_time_p90_s", sa.Float),
        sa.Column("failed_deployments", sa.Integer, nullable=False),
        sa.Column("change_failure_rate", sa.Float),
        sa.Column("recovery_median_s", sa.Float),
        sa.Column("unrecovered", sa.Integer, nullable=False),
        sa.Column("band_frequency", sa.String(16)),
        sa.Column("band_lead_time", sa.String(16)),
        sa.Column("band_failure_rate", sa.String(16)),
        sa.Column("band_recovery", sa.String(16)),
    )
    op.create_index(
        "ix_finding_spans_project_life", "finding_spans", ["project", "first_seq", "last_seq", "body_id"]
    )
    op.drop_index("ix_finding_spans_project_last", table_name="finding_spans")
    op.create_index("ix_finding_spans_project_last_body", "finding_spans", ["project", "last_seq", "body_id"])
    op.drop_index("ix_finding_bodies_project_score", table_name="finding_bodies")
    op.create_index(
        "ix_finding_bodies_project_score_facts",
        "finding_bodies",
        ["project", "score", "fingerprint", "category", "severity"],
    )
    op.add_column("history", sa.Column("score", sa.Float))
    op.drop_index("ix_history_project_status_owner", table_name="history")  # the next one covers it
    op.create_index(
        "ix_history_project_status_owner_score",
        "history",
        ["project", "status", "owner", "first_seen", "score"],
    )
    op.execute(
        "UPDATE history SET score = (SELECT MAX(b.score) FROM finding_bodies b JOIN finding_spans s "
        "ON s.body_id = b.id WHERE b.project = history.project AND b.fingerprint = history.fingerprint "
        "AND s.last_seq IS NULL)"
    )


def downgrade() -> None:
    op.drop_index("ix_history_project_status_owner_score", table_name="history")
    op.create_index(
        "ix_history_project_status_owner", "history", ["project", "status", "owner", "first_seen"]
    )
    # Not a batch "move and copy" on SQLite (see 0003): plain DROP COLUMN, SQLite >= 3.35.
    op.execute("ALTER TABLE history DROP COLUMN score")
    op.drop_index("ix_finding_bodies_project_score_facts", table_name="finding_bodies")
    op.create_index("ix_finding_bodies_project_score", "finding_bodies", ["project", "score", "fingerprint"])
    op.drop_index("ix_finding_spans_project_last_body", table_name="finding_spans")
    op.create_index("ix_finding_spans_project_last", "finding_spans", ["project", "last_seq"])
    op.drop_index("ix_finding_spans_project_life", table_name="finding_spans")
    op.drop_table("dora_periods")
    op.drop_index("ix_dora_results_run", table_name="dora_results")
    op.drop_index("ix_dora_results_project_computed", table_name="dora_results")
    op.drop_table("dora_results")
