"""Runs: save a finished AuditResult in one transaction, load it back exactly, list and resolve.

The findings of a run live in ``spans`` (stored once, referenced by ranges of runs).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from stackaudit.model import (
    AnalyzerRecord,
    AnalyzerState,
    AuditResult,
    FixedFinding,
    GateVerdict,
    NotAnalysed,
    NotAnalysedReason,
    Run,
    Status,
)
from stackaudit.storage import facts, history, spans
from stackaudit.storage.base import RunSummary, StoreError
from stackaudit.storage.fastcodec import decode, encode
from stackaudit.storage.tables import fixed_findings, run_analyzers, run_not_analysed, run_risk, runs

MIN_PREFIX = 4


def dumps(value: object) -> str:
    return json.dumps(encode(value), separators=(",", ":"), ensure_ascii=False)


def _run_row(result: AuditResult) -> dict[str, Any]:
    run = result.run
    core = dataclasses.replace(run, analyzers=(), not_analysed=())
    return {
        "id": run.id,
        "project": run.project,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "commit": run.commit,
        "branch": run.branch,
        "findings": len(result.findings),
        "new": sum(1 for a in result.findings if a.status is Status.NEW),
        "fixed": len(result.fixed),
        "suppressed": len(result.suppressed),
        "gate_passed": None if result.gate is None else result.gate.passed,
        "run_json": dumps(core),
        "gate_json": None if result.gate is None else dumps(result.gate),
        "saved_at": datetime.now(UTC),
    }


def _child_rows(result: AuditResult) -> list[tuple[sa.Table, list[dict[str, Any]]]]:
    run = result.run
    analyzers = [
        {"run_id": run.id, "ordinal": i, **{f.name: getattr(r, f.name) for f in dataclasses.fields(r)}}
        for i, r in enumerate(run.analyzers)
    ]
    for row in analyzers:
        row["state"] = row["state"].value
    not_analysed = [
        {
            "run_id": run.id,
            "ordinal": i,
            "path": n.path,
            "reason": n.reason.value,
            "detail": n.detail,
            "analyzer": n.analyzer,
        }
        for i, n in enumerate(run.not_analysed)
    ]
    fixed = [
        {
            "run_id": run.id,
            "ordinal": i,
            "fingerprint": f.fingerprint,
            "rule_id": f.rule_id,
            "path": f.path,
            "first_seen": f.first_seen,
        }
        for i, f in enumerate(result.fixed)
    ]
    return [
        (run_analyzers, analyzers),
        (run_not_analysed, not_analysed),
        (fixed_findings, fixed),
    ]


def save(conn: sa.Connection, result: AuditResult) -> None:
    """Insert the run, its children and the history changes (the caller holds the transaction)."""
    run = result.run
    if not run.id or not run.project:
        raise StoreError("a run needs an id and a project to be stored")
    if conn.execute(sa.select(runs.c.seq).where(runs.c.id == run.id)).first() is not None:
        raise StoreError(f"run {run.id} is already stored; runs are immutable")
    conn.execute(runs.insert(), _run_row(result))
    seq = conn.execute(sa.select(runs.c.seq).where(runs.c.id == run.id)).scalar_one()
    for table, rows in _child_rows(result):
        if rows:
            conn.execute(table.insert(), rows)
    previous = spans.previous_seq(conn, run.project, seq)
    blob = spans.save(conn, (seq, run.project, run.started_at), previous, result.findings, result.suppressed)
    if blob is not None:
        conn.execute(runs.update().where(runs.c.seq == seq).values(order_blob=blob))
    facts.fill(conn, run.project, (*result.findings, *result.suppressed))
    facts.save_run_risk(conn, run.id, result.findings)
    history.upsert(conn, result)


def _load_run(conn: sa.Connection, run_id: str) -> tuple[Run, GateVerdict | None, sa.Row[Any]]:
    columns = (runs.c.seq, runs.c.project, runs.c.order_blob, runs.c.run_json, runs.c.gate_json)
    row: sa.Row[Any] | None = conn.execute(sa.select(*columns).where(runs.c.id == run_id)).first()  # type: ignore[assignment]
    if row is None:
        raise StoreError(f"no stored run {run_id!r}")
    analyzers = tuple(
        AnalyzerRecord(
            name=r.name,
            version=r.version,
            state=AnalyzerState(r.state),
            reason=r.reason,
            duration_s=r.duration_s,
            findings=r.findings,
            cached=r.cached,
        )
        for r in conn.execute(
            sa.select(run_analyzers).where(run_analyzers.c.run_id == run_id).order_by(run_analyzers.c.ordinal)
        )
    )
    not_analysed = tuple(
        NotAnalysed(path=r.path, reason=NotAnalysedReason(r.reason), detail=r.detail, analyzer=r.analyzer)
        for r in conn.execute(
            sa.select(run_not_analysed)
            .where(run_not_analysed.c.run_id == run_id)
            .order_by(run_not_analysed.c.ordinal)
        )
    )
    run = dataclasses.replace(
        decode(Run, json.loads(row.run_json)), analyzers=analyzers, not_analysed=not_analysed
    )
    gate = None if row.gate_json is None else decode(GateVerdict, json.loads(row.gate_json))
    return run, gate, row


def load(conn: sa.Connection, run_id: str) -> AuditResult:
    try:
        run, gate, row = _load_run(conn, run_id)
        blob = None if row.order_blob is None else bytes(row.order_blob)
        active, hidden = spans.load(conn, (row.seq, row.project, run.started_at), blob)
        fixed = tuple(
            FixedFinding(fingerprint=r.fingerprint, rule_id=r.rule_id, path=r.path, first_seen=r.first_seen)
            for r in conn.execute(
                sa.select(fixed_findings)
                .where(fixed_findings.c.run_id == run_id)
                .order_by(fixed_findings.c.ordinal)
            )
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"stored run {run_id!r} cannot be decoded by this stackaudit: {exc}") from None
    return AuditResult(run=run, findings=active, suppressed=hidden, fixed=fixed, gate=gate)


def _newest_first(project: str) -> sa.Select[Any]:
    return (
        sa.select(runs).where(runs.c.project == project).order_by(runs.c.started_at.desc(), runs.c.seq.desc())
    )


def summaries(conn: sa.Connection, project: str, limit: int) -> list[RunSummary]:
    return [
        RunSummary(
            id=r.id,
            project=r.project,
            started_at=r.started_at,
            commit=r.commit,
            branch=r.branch,
            findings=r.findings,
            new=r.new,
            fixed=r.fixed,
            gate_passed=r.gate_passed,
        )
        for r in conn.execute(_newest_first(project).limit(limit))
    ]


def resolve(conn: sa.Connection, project: str, ref: str) -> str | None:
    """A run id from a full id, a unique prefix (at least 4 characters), "latest" or "previous"."""
    ref = ref.strip()
    if ref in ("latest", "previous"):
        ids = conn.execute(_newest_first(project).with_only_columns(runs.c.id).limit(2)).scalars().all()
        index = 0 if ref == "latest" else 1
        return ids[index] if len(ids) > index else None
    scoped = sa.select(runs.c.id).where(runs.c.project == project)
    if conn.execute(scoped.where(runs.c.id == ref)).first() is not None:
        return ref
    if len(ref) < MIN_PREFIX:
        return None
    hits = conn.execute(scoped.where(runs.c.id.startswith(ref, autoescape=True)).limit(2)).scalars().all()
    return hits[0] if len(hits) == 1 else None


def fingerprints(conn: sa.Connection, run_id: str) -> set[str]:
    """Every fingerprint present in the run, active or suppressed."""
    row = conn.execute(sa.select(runs.c.seq, runs.c.project).where(runs.c.id == run_id)).first()
    return set() if row is None else spans.fingerprints(conn, row.seq, row.project)


def latest_for_commit(conn: sa.Connection, project: str, commit: str) -> str | None:
    """The newest run of a commit given in full or as a short sha (7+ characters, one commit only)."""
    commit = commit.strip()
    if not commit:
        return None
    match = runs.c.commit == commit
    if 7 <= len(commit) < 40:
        prefixed = runs.c.commit.startswith(commit, autoescape=True)
        commits = sa.select(runs.c.commit).where(runs.c.project == project, prefixed).distinct().limit(2)
        if len(conn.execute(commits).all()) == 1:
            match = sa.or_(match, prefixed)
    query = _newest_first(project).with_only_columns(runs.c.id).where(match).limit(1)
    found: str | None = conn.execute(query).scalar()
    return found


def projects(conn: sa.Connection) -> list[tuple[str, int, datetime]]:
    """(project, number of runs, newest run start) for every project, by name."""
    query = (
        sa.select(runs.c.project, sa.func.count(), sa.func.max(runs.c.started_at))
        .group_by(runs.c.project)
        .order_by(runs.c.project)
    )
    return [(p, int(n), _utc(last)) for p, n, last in conn.execute(query)]


def _utc(value: datetime | str) -> datetime:
    # max() over a column loses the column type on SQLite: restore the UTC datetime
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def prune(conn: sa.Connection, project: str, keep: int | None = None, before: datetime | None = None) -> int:
    """Delete a project's runs beyond the newest ``keep`` and/or started before ``before``.

    Children go with their run; spans and bodies no remaining run uses are collected;
    the fingerprint history stays. Returns how many runs were deleted.
    """
    doomed: set[str] = set()
    if keep is not None:
        newest = _newest_first(project).with_only_columns(runs.c.id).limit(max(keep, 0))
        kept = set(conn.execute(newest).scalars())
        everything = conn.execute(sa.select(runs.c.id).where(runs.c.project == project)).scalars()
        doomed.update(rid for rid in everything if rid not in kept)
    if before is not None:
        old = sa.select(runs.c.id).where(runs.c.project == project, runs.c.started_at < before)
        doomed.update(conn.execute(old).scalars())
    ordered = sorted(doomed)
    for part in history.chunks(ordered):
        for table in (run_analyzers, run_not_analysed, fixed_findings, run_risk):
            conn.execute(table.delete().where(table.c.run_id.in_(part)))
        conn.execute(runs.delete().where(runs.c.id.in_(part)))
    if ordered:
        spans.collect(conn, project)
    return len(ordered)
