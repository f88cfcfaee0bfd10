"""DORA results in the store: one ``dora_results`` row per computation, its periods beside it.

The figures are stored as computed (seconds, shares, band labels), never recomputed on read:
a later stackaudit may change a definition or a band table, and a stored result must keep
meaning what it meant. That is why the band year and the definitions version travel with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from stackaudit.governance.dora.model import Band, DoraResult, Metrics
from stackaudit.storage.tables import dora_periods, dora_results

WINDOW = "window"
# metric key of ``Metrics.bands`` -> column of ``dora_periods``
BAND_COLUMNS = (
    ("deployment_frequency", "band_frequency"),
    ("lead_time", "band_lead_time"),
    ("change_failure_rate", "band_failure_rate"),
    ("recovery_time", "band_recovery"),
)


@dataclass(frozen=True, slots=True)
class StoredDora:
    """A stored DORA result and where it came from (``run_id``: the audit that computed it)."""

    id: int
    project: str
    run_id: str | None
    computed_at: datetime
    definitions_version: str
    definitions: dict[str, str]
    result: DoraResult  # failures are not stored: ``result.failures`` is empty


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _delta(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


def _period_row(result_id: int, ordinal: int, m: Metrics) -> dict[str, Any]:
    bands = dict(m.bands)
    row: dict[str, Any] = {
        "result_id": result_id,
        "ordinal": ordinal,
        "period": m.label,
        "days": m.days,
        "deployments": m.deployments,
        "deploys_per_day": m.deploys_per_day,
        "changes": m.changes,
        "lead_time_median_s": _seconds(m.lead_time_median),
        "lead_time_p90_s": _seconds(m.lead_time_p90),
        "failed_deployments": m.failed_deployments,
        "change_failure_rate": m.change_failure_rate,
        "recovery_median_s": _seconds(m.recovery_median),
        "unrecovered": m.unrecovered,
    }
    for key, column in BAND_COLUMNS:
        band = bands.get(key)
        row[column] = None if band is None else band.label
    return row


def save(
    conn: sa.Connection,
    project: str,
    result: DoraResult,
    *,
    computed_at: datetime,
    definitions: dict[str, str],
    definitions_version: str,
    run_id: str | None = None,
) -> int:
    """Insert the result and its periods (window first, then months); returns its id."""
    inserted = conn.execute(
        dora_results.insert().values(
            project=project,
            run_id=run_id,
            computed_at=computed_at,
            band_year=result.band_year,
            definitions_version=definitions_version,
            source=result.source,
            failure_source=result.failure_source,
            since=result.since,
            until=result.until,
            definitions_json=json.dumps(definitions, ensure_ascii=False),
            notes_json=json.dumps(list(result.notes), ensure_ascii=False),
        )
    )
    key = inserted.inserted_primary_key
    assert key is not None
    result_id = int(key[0])
    periods = [result.window, *result.months]
    conn.execute(dora_periods.insert(), [_period_row(result_id, i, m) for i, m in enumerate(periods)])
    return result_id


def _band(label: str | None) -> Band | None:
    return None if label is None else Band[label.upper()]


def _metrics(row: sa.Row[Any]) -> Metrics:
    return Metrics(
        label=row.period,
        days=float(row.days),
        deployments=int(row.deployments),
        deploys_per_day=float(row.deploys_per_day),
        changes=int(row.changes),
        lead_time_median=_delta(row.lead_time_median_s),
        lead_time_p90=_delta(row.lead_time_p90_s),
        failed_deployments=int(row.failed_deployments),
        change_failure_rate=row.change_failure_rate,
        recovery_median=_delta(row.recovery_median_s),
        unrecovered=int(row.unrecovered),
        bands=tuple((key, _band(getattr(row, column))) for key, column in BAND_COLUMNS),
    )


def latest(conn: sa.Connection, project: str, run_id: str | None = None) -> StoredDora | None:
    """The project's newest stored result (of ``run_id`` when given), or None."""
    d = dora_results.c
    query = sa.select(dora_results).where(d.project == project)
    if run_id is not None:
        query = query.where(d.run_id == run_id)
    head = conn.execute(query.order_by(d.computed_at.desc(), d.id.desc()).limit(1)).first()
    if head is None:
        return None
    p = dora_periods.c
    rows = conn.execute(sa.select(dora_periods).where(p.result_id == head.id).order_by(p.ordinal)).all()
    window, *months = [_metrics(row) for row in rows]
    result = DoraResult(
        source=head.source,
        failure_source=head.failure_source,
        band_year=int(head.band_year),
        since=head.since,
        until=head.until,
        window=window,
        months=tuple(months),
        failures=(),
        notes=tuple(json.loads(head.notes_json)),
    )
    return StoredDora(
        id=int(head.id),
        project=head.project,
        run_id=head.run_id,
        computed_at=head.computed_at,
        definitions_version=head.definitions_version,
        definitions=dict(json.loads(head.definitions_json)),
        result=result,
    )
