"""Table definitions used by queries (the migrations in ``migrations/versions`` own the DDL).

Model values are stored as JSON text made by ``stackaudit.model.codec``; the
columns beside the JSON are the ones queries filter or sort on, and are indexed.
A finding is stored once per distinct content (``finding_bodies``); runs refer to it
through spans of consecutive runs (``finding_spans``), so an unchanged re-run adds
a run row and nothing per finding (see ``storage/spans.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on every backend.

    SQLite keeps no time zone: values are stored as naive UTC and get ``UTC``
    back on read. A naive value passed in is taken to be UTC already.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # a driver that hands back text
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()

# Tables of earlier schema revisions that a not-yet-migrated store still holds (0003 drops
# ``assessments``): such a file is still recognised as ours, and then migrated.
RETIRED_TABLES = frozenset({"assessments"})

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(64), nullable=False, unique=True),
    sa.Column("project", sa.String(255), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=False),
    sa.Column("commit", sa.String(128)),
    sa.Column("branch", sa.Text),
    sa.Column("findings", sa.Integer, nullable=False),
    sa.Column("new", sa.Integer, nullable=False),
    sa.Column("fixed", sa.Integer, nullable=False),
    sa.Column("suppressed", sa.Integer, nullable=False),
    sa.Column("gate_passed", sa.Boolean),
    sa.Column("run_json", sa.Text, nullable=False),
    sa.Column("gate_json", sa.Text),
    sa.Column("saved_at", UTCDateTime, nullable=False),
    sa.Column("order_blob", sa.LargeBinary),  # rank order when it is not the canonical one
)

run_analyzers = sa.Table(
    "run_analyzers",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("ordinal", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("version", sa.String(255), nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("duration_s", sa.Float, nullable=False),
    sa.Column("findings", sa.Integer, nullable=False),
    sa.Column("cached", sa.Boolean, nullable=False),
)

run_not_analysed = sa.Table(
    "run_not_analysed",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("ordinal", sa.Integer, primary_key=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("analyzer", sa.String(255)),
)

finding_bodies = sa.Table(
    "finding_bodies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project", sa.String(255), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("data_json", sa.Text, nullable=False),
    # Copied out of data_json (0004) so the dashboard filters and sorts in SQL; NULL until
    # ``facts.fill`` runs after the save that inserted the body.
    sa.Column("category", sa.String(32)),
    sa.Column("severity", sa.Integer),
    sa.Column("score", sa.Float),
    sa.UniqueConstraint("project", "digest", name="uq_finding_bodies_project_digest"),
)

# A span: one body, unchanged (same status, suppression, age offset) over consecutive runs of
# its project, from run ``first_seq`` to ``last_seq`` (NULL: still present in the latest run).
finding_spans = sa.Table(
    "finding_spans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project", sa.String(255), nullable=False),
    sa.Column("body_id", sa.Integer, sa.ForeignKey("finding_bodies.id"), nullable=False),
    sa.Column("suppressed", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("age_offset", sa.Integer, nullable=False),
    sa.Column("first_seq", sa.Integer, nullable=False),
    sa.Column("last_seq", sa.Integer),
)

fixed_findings = sa.Table(
    "fixed_findings",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("ordinal", sa.Integer, primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("rule_id", sa.String(255), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("first_seen", UTCDateTime, nullable=False),
)

history = sa.Table(
    "history",
    metadata,
    sa.Column("project", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("rule_id", sa.String(255), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("first_run", sa.String(64), nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    sa.Column("last_run", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("owner", sa.Text),
    sa.Column("owner_from_triage", sa.Boolean, nullable=False),
    sa.Column("accepted_until", sa.Date),
    sa.Column("accepted_by", sa.Text),
    sa.Column("reason", sa.Text),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # The finding's score in the newest run that saw it (0005), so the dashboard's owners page
    # sums open risk from ``history`` alone, along an index, instead of joining every body.
    sa.Column("score", sa.Float),
)

# Every triage decision as it was made (0004): who, when, what, why. ``history`` holds only the
# current state; this is the record the dashboard's finding page shows.
triage_log = sa.Table(
    "triage_log",
    metadata,
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

# Per run and category: how many active findings and their summed score (0004). Written when
# the run is saved, so the dashboard's "open risk by category over runs" is one small query.
run_risk = sa.Table(
    "run_risk",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category", sa.String(32), primary_key=True),
    sa.Column("findings", sa.Integer, nullable=False),
    sa.Column("risk", sa.Float, nullable=False),
)

cache_entries = sa.Table(
    "cache_entries",
    metadata,
    sa.Column("key", sa.String(512), primary_key=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("stored_at", UTCDateTime, nullable=False),
)

evidence = sa.Table(
    "evidence",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project", sa.String(255), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("endpoint", sa.Text),
    sa.Column("path", sa.Text),
    sa.Column("rule_hint", sa.String(255)),
    sa.Column("data_json", sa.Text, nullable=False),
)

# One DORA computation (0005): ``stackaudit dora``, or an audit with a ``[dora]`` config section
# (then ``run_id`` names its run). The band year and definitions version change what a figure
# means, so they are stored with it.
dora_results = sa.Table(
    "dora_results",
    metadata,
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

# Its metrics: one row per month (``period`` "YYYY-MM") and one for the window ("window").
dora_periods = sa.Table(
    "dora_periods",
    metadata,
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

sa.Index("ix_runs_project_started", runs.c.project, runs.c.started_at)
sa.Index("ix_runs_project_commit", runs.c.project, runs.c.commit)
sa.Index("ix_history_project_status", history.c.project, history.c.status)
# (0005: with body_id, so a run diff reads the spans that ended between two runs from the index)
sa.Index(
    "ix_finding_spans_project_last_body",
    finding_spans.c.project,
    finding_spans.c.last_seq,
    finding_spans.c.body_id,
)
sa.Index("ix_finding_spans_project_first", finding_spans.c.project, finding_spans.c.first_seq)
sa.Index("ix_finding_spans_body", finding_spans.c.body_id)
# (0005: with category and severity, so filtered lists and exports never read a body's row,
# whose JSON pushes those columns onto overflow pages.)
sa.Index(
    "ix_finding_bodies_project_score_facts",
    finding_bodies.c.project,
    finding_bodies.c.score,
    finding_bodies.c.fingerprint,
    finding_bodies.c.category,
    finding_bodies.c.severity,
)
sa.Index(
    "ix_finding_bodies_project_fingerprint",
    finding_bodies.c.project,
    finding_bodies.c.fingerprint,
    finding_bodies.c.score,
)
sa.Index("ix_history_project_updated", history.c.project, history.c.updated_at)
sa.Index("ix_history_project_rule", history.c.project, history.c.rule_id)
sa.Index(
    "ix_history_project_status_owner_score",
    history.c.project,
    history.c.status,
    history.c.owner,
    history.c.first_seen,
    history.c.score,
)
sa.Index("ix_triage_log_project_fingerprint", triage_log.c.project, triage_log.c.fingerprint)
sa.Index("ix_evidence_project_recorded", evidence.c.project, evidence.c.recorded_at)
sa.Index("ix_dora_results_project_computed", dora_results.c.project, dora_results.c.computed_at)
sa.Index("ix_dora_results_run", dora_results.c.run_id)
sa.Index(
    "ix_finding_spans_project_life",
    finding_spans.c.project,
    finding_spans.c.first_seq,
    finding_spans.c.last_seq,
    finding_spans.c.body_id,
)
