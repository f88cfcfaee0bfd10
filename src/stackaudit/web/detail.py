"""One finding in full (its newest stored body, status over runs, triage log) and run diffs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from stackaudit.model import Assessment
from stackaudit.storage.base import HistoryEntry
from stackaudit.storage.fastcodec import decode
from stackaudit.storage.history import entry_from_row
from stackaudit.storage.tables import finding_bodies, finding_spans, history, runs, triage_log

DIFF_SHOWN = 200


class Unreadable(Exception):
    """A stored body this version cannot decode (written by a newer stackaudit, or damaged)."""


@dataclass(frozen=True, slots=True)
class Period:
    """The finding with one status over consecutive runs."""

    status: str
    suppressed: bool
    score: float
    first_run: str
    first_at: datetime
    last_run: str | None  # None: still in the latest run
    last_at: datetime | None


@dataclass(frozen=True, slots=True)
class FindingView:
    assessment: Assessment
    entry: HistoryEntry | None
    periods: list[Period]
    triage: list[sa.Row[Any]]
    present: bool


def finding(conn: sa.Connection, project: str, fingerprint: str) -> FindingView | None:
    s, b = finding_spans.c, finding_bodies.c
    # The fingerprint's bodies first (an index look-up), then their spans: joined in one query
    # a planner may start from the project's spans and read all of them.
    ids = list(
        conn.execute(sa.select(b.id).where(b.project == project, b.fingerprint == fingerprint)).scalars()
    )
    if not ids:
        return None
    query = (
        sa.select(b.data_json, b.score, s.status, s.suppressed, s.first_seq, s.last_seq)
        .join_from(finding_spans, finding_bodies, s.body_id == b.id)
        .where(s.body_id.in_(ids))
        .order_by(s.first_seq.desc())
    )
    spans = conn.execute(query).all()
    if not spans:
        return None
    seqs = {seq for row in spans for seq in (row.first_seq, row.last_seq) if seq is not None}
    when = {
        seq: (rid, at)
        for seq, rid, at in conn.execute(
            sa.select(runs.c.seq, runs.c.id, runs.c.started_at).where(runs.c.seq.in_(seqs))
        )
    }
    periods = []
    for row in spans:
        first = when.get(row.first_seq, ("?", datetime.min))
        last = when.get(row.last_seq) if row.last_seq is not None else None
        periods.append(
            Period(
                row.status,
                bool(row.suppressed),
                float(row.score or 0.0),
                first[0],
                first[1],
                None if last is None else last[0],
                None if last is None else last[1],
            )
        )
    h = history.c
    found = conn.execute(sa.select(history).where(h.project == project, h.fingerprint == fingerprint)).first()
    t = triage_log.c
    log = conn.execute(
        sa.select(triage_log)
        .where(t.project == project, t.fingerprint == fingerprint)
        .order_by(t.at.desc(), t.id.desc())
    ).all()
    try:
        assessment = decode(Assessment, json.loads(spans[0].data_json))
    except (ValueError, KeyError, TypeError) as exc:
        raise Unreadable(
            f"finding {fingerprint} is stored in a form this stackaudit cannot read: {exc}"
        ) from None
    present = spans[0].last_seq is None
    return FindingView(
        assessment, None if found is None else entry_from_row(found), periods, list(log), present
    )


@dataclass(frozen=True, slots=True)
class DiffItem:
    fingerprint: str
    rule_id: str
    path: str
    before: float | None
    after: float | None


@dataclass(frozen=True, slots=True)
class RunDiff:
    new: list[DiffItem]
    fixed: list[DiffItem]
    reopened: list[DiffItem]
    changed: list[DiffItem]
    counts: dict[str, int]


def _items(conn: sa.Connection, project: str, seq: int) -> dict[str, float]:
    s, b = finding_spans.c, finding_bodies.c
    query = (
        sa.select(b.fingerprint, b.score)
        .join_from(finding_spans, finding_bodies, s.body_id == b.id)
        .where(s.project == project, s.first_seq <= seq, sa.or_(s.last_seq.is_(None), s.last_seq >= seq))
        .where(s.suppressed == sa.false())
    )
    return {fp: float(score or 0.0) for fp, score in conn.execute(query)}


def diff(conn: sa.Connection, project: str, a: sa.Row[Any], b: sa.Row[Any]) -> RunDiff:
    """What changed from run ``a`` to ``b``: new, fixed, reopened (new but seen before ``a``), rescored."""
    before, after = _items(conn, project, a.seq), _items(conn, project, b.seq)
    added = sorted(set(after) - set(before))
    gone = sorted(set(before) - set(after))
    both = [fp for fp in after if fp in before and before[fp] != after[fp]]
    h = history.c
    known: dict[str, tuple[str, str, datetime]] = {}
    wanted = list({*added[:5000], *gone[:5000], *both[:5000]})
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        query = sa.select(h.fingerprint, h.rule_id, h.path, h.first_seen).where(
            h.project == project, h.fingerprint.in_(part)
        )
        known.update((fp, (rule, path, seen)) for fp, rule, path, seen in conn.execute(query))

    def item(fp: str) -> DiffItem:
        rule, path, _ = known.get(fp, ("?", "?", datetime.min))
        return DiffItem(fp, rule, path, before.get(fp), after.get(fp))

    reopened = [fp for fp in added if fp in known and known[fp][2] < a.started_at]
    reopened_set = set(reopened)
    fresh = [fp for fp in added if fp not in reopened_set]
    counts = {"new": len(fresh), "fixed": len(gone), "reopened": len(reopened), "changed": len(both)}
    return RunDiff(
        new=[item(fp) for fp in fresh[:DIFF_SHOWN]],
        fixed=[item(fp) for fp in gone[:DIFF_SHOWN]],
        reopened=[item(fp) for fp in reopened[:DIFF_SHOWN]],
        changed=sorted(
            (item(fp) for fp in both[:DIFF_SHOWN]), key=lambda d: -abs((d.after or 0) - (d.before or 0))
        ),
        counts=counts,
    )
