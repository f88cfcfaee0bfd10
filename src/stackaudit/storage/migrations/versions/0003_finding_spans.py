"""Findings stored once: ``finding_bodies`` and ``finding_spans`` replace per-run ``assessments``.

Revision ID: 0003_finding_spans
Revises: 0002_vulndb

Converts a store in place: every stored run, oldest first per project, is read from
``assessments`` and written as bodies and spans (``stackaudit.storage.spans``, the code
that saves new runs, so old and new runs are stored alike); then ``assessments`` goes.
Downgrade writes every run back into ``assessments``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from stackaudit.model import Assessment
from stackaudit.storage import spans
from stackaudit.storage.fastcodec import decode
from stackaudit.storage.runs import dumps

revision = "0003_finding_spans"
down_revision: str | None = "0002_vulndb"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None

_runs = sa.table(
    "runs",
    sa.column("seq", sa.Integer),
    sa.column("id", sa.String),
    sa.column("project", sa.String),
    sa.column("run_json", sa.Text),
    sa.column("order_blob", sa.LargeBinary),
)
_assessments = sa.table(
    "assessments",
    sa.column("run_id", sa.String),
    sa.column("ordinal", sa.Integer),
    sa.column("suppressed", sa.Boolean),
    sa.column("fingerprint", sa.String),
    sa.column("rule_id", sa.String),
    sa.column("path", sa.Text),
    sa.column("severity", sa.Integer),
    sa.column("score", sa.Float),
    sa.column("status", sa.String),
    sa.column("data_json", sa.Text),
)


def _create() -> None:
    op.create_table(
        "finding_bodies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(255), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("data_json", sa.Text, nullable=False),
        sa.UniqueConstraint("project", "digest", name="uq_finding_bodies_project_digest"),
    )
    op.create_table(
        "finding_spans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(255), nullable=False),
        sa.Column("body_id", sa.Integer, sa.ForeignKey("finding_bodies.id"), nullable=False),
        sa.Column("suppressed", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("age_offset", sa.Integer, nullable=False),
        sa.Column("first_seq", sa.Integer, nullable=False),
        sa.Column("last_seq", sa.Integer),
    )
    op.create_index("ix_finding_spans_project_last", "finding_spans", ["project", "last_seq"])
    op.create_index("ix_finding_spans_project_first", "finding_spans", ["project", "first_seq"])
    op.create_index("ix_finding_spans_body", "finding_spans", ["body_id"])
    op.add_column("runs", sa.Column("order_blob", sa.LargeBinary))


def _started(run_json: str) -> datetime:
    return datetime.fromisoformat(json.loads(run_json)["started_at"])


def upgrade() -> None:
    _create()
    if not op.get_context().as_sql:  # offline SQL for a DBA: a new store has no runs to convert
        _convert()
    op.drop_index("ix_assessments_fingerprint", table_name="assessments")
    op.drop_table("assessments")


def _convert() -> None:
    conn = op.get_bind()
    previous: dict[str, int] = {}
    query = sa.select(_runs.c.seq, _runs.c.id, _runs.c.project, _runs.c.run_json).order_by(_runs.c.seq)
    for seq, run_id, project, run_json in conn.execute(query).all():
        query = (
            sa.select(_assessments.c.suppressed, _assessments.c.data_json)
            .where(_assessments.c.run_id == run_id)
            .order_by(_assessments.c.suppressed, _assessments.c.ordinal)
        )
        active: list[Assessment] = []
        hidden: list[Assessment] = []
        for row in conn.execute(query):
            (hidden if row.suppressed else active).append(decode(Assessment, json.loads(row.data_json)))
        run = (seq, project, _started(run_json))
        blob = spans.save(conn, run, previous.get(project), active, hidden)
        if blob is not None:
            conn.execute(_runs.update().where(_runs.c.seq == seq).values(order_blob=blob))
        previous[project] = seq


def _rows(run_id: str, items: tuple[Assessment, ...], suppressed: bool) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "ordinal": i,
            "suppressed": suppressed,
            "fingerprint": a.finding.fingerprint,
            "rule_id": a.finding.rule_id,
            "path": a.finding.location.path,
            "severity": int(a.finding.severity),
            "score": a.score.value,
            "status": a.status.value,
            "data_json": dumps(a),
        }
        for i, a in enumerate(items)
    ]


def downgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
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
    conn = op.get_bind()
    query = sa.select(_runs.c.seq, _runs.c.id, _runs.c.project, _runs.c.run_json, _runs.c.order_blob)
    for seq, run_id, project, run_json, blob in conn.execute(query.order_by(_runs.c.seq)).all():
        run = (seq, project, _started(run_json))
        active, hidden = spans.load(conn, run, None if blob is None else bytes(blob))
        for part in (_rows(run_id, active, False), _rows(run_id, hidden, True)):
            if part:
                conn.execute(_assessments.insert(), part)
    # Not a batch "move and copy" on SQLite: re-creating ``runs`` would cascade-delete its children.
    op.execute("ALTER TABLE runs DROP COLUMN order_blob")
    op.drop_table("finding_spans")
    op.drop_table("finding_bodies")
