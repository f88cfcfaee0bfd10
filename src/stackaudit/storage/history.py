"""Fingerprint history: upserts from a saved run, reads, and triage.

The engine decides each Assessment's status (it reads ``Store.history`` first);
the store writes it, with one protection: a fingerprint accepted by triage
(``set_triage`` with an expiry or a decider) stays accepted while its acceptance
is valid (no expiry, or expiry on/after the run's date), so a run never silently
drops an acceptance. After the expiry the run's
status wins and the ``accepted_*`` fields stay as a record of the old decision.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from stackaudit.model import Assessment, AuditResult, FixedFinding, Status
from stackaudit.storage.base import HistoryEntry, StoreError
from stackaudit.storage.tables import history, triage_log

CHUNK = 500
_PRESENT = frozenset({Status.NEW, Status.OPEN, Status.REOPENED})


def chunks[T](items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def entry_from_row(row: sa.Row[Any]) -> HistoryEntry:
    return HistoryEntry(
        fingerprint=row.fingerprint,
        rule_id=row.rule_id,
        path=row.path,
        first_seen=row.first_seen,
        first_run=row.first_run,
        last_seen=row.last_seen,
        last_run=row.last_run,
        status=Status(row.status),
        owner=row.owner,
        owner_from_triage=bool(row.owner_from_triage),
        accepted_until=row.accepted_until,
        accepted_by=row.accepted_by,
        reason=row.reason,
    )


def read(conn: sa.Connection, project: str) -> dict[str, HistoryEntry]:
    rows = conn.execute(sa.select(history).where(history.c.project == project))
    return {row.fingerprint: entry_from_row(row) for row in rows}


def _existing(conn: sa.Connection, project: str, fingerprints: Sequence[str]) -> dict[str, sa.Row[Any]]:
    found: dict[str, sa.Row[Any]] = {}
    if len(fingerprints) > CHUNK:  # a large run: one scan of the project beats many IN lists
        wanted = set(fingerprints)
        rows = conn.execute(sa.select(history).where(history.c.project == project))
        return {row.fingerprint: row for row in rows if row.fingerprint in wanted}
    for part in chunks(fingerprints):
        query = sa.select(history).where(history.c.project == project, history.c.fingerprint.in_(part))
        found.update((row.fingerprint, row) for row in conn.execute(query))
    return found


def _keeps_acceptance(row: sa.Row[Any], status: Status, run_date: date) -> bool:
    """A triage acceptance (it has an expiry or a decider) that is still valid on the run's date.

    An acceptance the engine made from config (no ``accepted_*`` fields) is the engine's to
    renew on every run, so it is not kept here.
    """
    if row.status != Status.ACCEPTED or status not in _PRESENT:
        return False
    until: date | None = row.accepted_until
    if until is None and row.accepted_by is None:
        return False
    return until is None or until >= run_date


def _new_row(ctx: AuditResult, fingerprint: str, rule_id: str, path: str) -> dict[str, Any]:
    run = ctx.run
    return {
        "project": run.project,
        "fingerprint": fingerprint,
        "rule_id": rule_id,
        "path": path,
        "first_seen": run.started_at,
        "first_run": run.id,
        "last_seen": run.started_at,
        "last_run": run.id,
        "status": Status.NEW.value,
        "owner": None,
        "owner_from_triage": False,
        "accepted_until": None,
        "accepted_by": None,
        "reason": None,
        "updated_at": run.finished_at,
        "score": None,
    }


def _seen(row: sa.Row[Any] | None, item: Assessment, ctx: AuditResult) -> dict[str, Any]:
    run, finding = ctx.run, item.finding
    if row is None:
        out = _new_row(ctx, finding.fingerprint, finding.rule_id, finding.location.path)
        out.update(
            first_seen=min(item.first_seen, run.started_at),
            status=item.status.value,
            owner=item.owner,
            score=item.score.value,
        )
        return out
    keep = _keeps_acceptance(row, item.status, run.started_at.date())
    newer = run.started_at >= row.last_seen  # a run saved out of order does not move last_seen back
    out = dict(row._mapping)
    out.update(
        rule_id=finding.rule_id,
        path=finding.location.path,
        last_seen=run.started_at if newer else row.last_seen,
        last_run=run.id if newer else row.last_run,
        status=Status.ACCEPTED.value if keep else item.status.value,
        owner=row.owner if row.owner_from_triage or item.owner is None else item.owner,
        updated_at=run.finished_at,
        score=item.score.value if newer or row.score is None else row.score,
    )
    return out


def _fixed(row: sa.Row[Any] | None, item: FixedFinding, ctx: AuditResult) -> dict[str, Any]:
    if row is None:  # the engine knew it, the store did not (e.g. a baseline file): record it
        out = _new_row(ctx, item.fingerprint, item.rule_id, item.path)
        out.update(first_seen=item.first_seen, last_seen=item.first_seen)
    else:
        out = dict(row._mapping)
        out["updated_at"] = ctx.run.finished_at
    out["status"] = Status.FIXED.value
    return out


def _write(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Upsert whole rows: one batched INSERT … ON CONFLICT on SQLite and PostgreSQL."""
    name = conn.dialect.name
    if name not in ("sqlite", "postgresql"):
        keys = [(r["project"], r["fingerprint"]) for r in rows]
        for project, fp in keys:
            conn.execute(history.delete().where(history.c.project == project, history.c.fingerprint == fp))
        conn.execute(history.insert(), rows)
        return
    insert = sqlite.insert if name == "sqlite" else postgresql.insert
    statement = insert(history)
    statement = statement.on_conflict_do_update(
        index_elements=[history.c.project, history.c.fingerprint],
        set_={c.name: statement.excluded[c.name] for c in history.c if not c.primary_key},
    )
    for part in chunks(rows):
        conn.execute(statement, list(part))


def upsert(conn: sa.Connection, result: AuditResult) -> None:
    """Record every assessment (active and suppressed) and every fixed finding of a run."""
    present: dict[str, Assessment] = {a.finding.fingerprint: a for a in result.suppressed}
    present.update((a.finding.fingerprint, a) for a in result.findings)  # active wins
    fixed = {f.fingerprint: f for f in result.fixed if f.fingerprint not in present}
    existing = _existing(conn, result.run.project, [*present, *fixed])
    rows = [_seen(existing.get(fp), item, result) for fp, item in present.items()]
    rows += [_fixed(existing.get(fp), gone, result) for fp, gone in fixed.items()]
    if rows:
        _write(conn, rows)


@dataclass(frozen=True, slots=True)
class Triage:
    """One triage decision on one fingerprint; ``None`` fields are left as they are."""

    status: Status | None = None
    owner: str | None = None
    until: date | None = None
    by: str | None = None
    reason: str | None = None


def _match(conn: sa.Connection, project: str, fingerprint: str) -> str:
    exact = sa.select(history.c.fingerprint).where(
        history.c.project == project, history.c.fingerprint == fingerprint
    )
    if conn.execute(exact).first() is not None:
        return fingerprint
    if len(fingerprint) >= 8 and all(c in "0123456789abcdef" for c in fingerprint):
        like = sa.select(history.c.fingerprint).where(
            history.c.project == project, history.c.fingerprint.startswith(fingerprint)
        )
        hits = conn.execute(like.limit(2)).scalars().all()
        if len(hits) == 1:
            return str(hits[0])
        if len(hits) > 1:
            raise StoreError(f"fingerprint prefix {fingerprint!r} is ambiguous in project {project!r}")
    raise StoreError(f"no fingerprint {fingerprint!r} in the history of project {project!r}")


def triage(conn: sa.Connection, project: str, fingerprint: str, decision: Triage, now: datetime) -> None:
    """Apply a triage decision to a fingerprint known to the history (exact id or unique prefix)."""
    if decision.status is not None and decision.status not in (
        Status.ACCEPTED,
        Status.OPEN,
        Status.FIXED,
    ):
        raise StoreError(f"triage status must be accepted, open or fixed, not {decision.status.value!r}")
    fp = _match(conn, project, fingerprint)
    values: dict[str, Any] = {"updated_at": now}
    if decision.status is not None:
        values["status"] = decision.status.value
        if decision.status is not Status.ACCEPTED:
            values.update(accepted_until=None, accepted_by=None)
    if decision.owner is not None:
        values.update(owner=decision.owner, owner_from_triage=True)
    if decision.until is not None:
        values["accepted_until"] = decision.until
    if decision.by is not None:
        values["accepted_by"] = decision.by
    if decision.reason is not None:
        values["reason"] = decision.reason
    conn.execute(
        history.update().where(history.c.project == project, history.c.fingerprint == fp).values(values)
    )
    conn.execute(  # the record of who decided what, when (``history`` keeps only the latest)
        triage_log.insert().values(
            project=project,
            fingerprint=fp,
            at=now,
            by=decision.by,
            status=None if decision.status is None else decision.status.value,
            owner=decision.owner,
            accepted_until=decision.until,
            reason=decision.reason,
        )
    )
