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
class Changed:
    """A fingerprint around two runs: its score in each (None: absent) and its history."""

    fingerprint: str
    before: float | None
    after: float | None
    rule_id: str | None
    path: str | None
    first_seen: datetime | None


@dataclass(frozen=True, slots=True)
class RunDiff:
    new: list[DiffItem]
    fixed: list[DiffItem]
    reopened: list[DiffItem]
    changed: list[DiffItem]
    counts: dict[str, int]


def _changed(conn: sa.Connection, project: str, a: int, b: int) -> list[Changed]:
    """Every fingerprint whose presence or score may differ between runs ``a`` and ``b``.

    A finding present in both runs with one body has a span covering both, so only the spans
    that start or end between the two runs can differ: those are found on the (project,
    first_seq) and (project, last_seq) indexes, and their fingerprints' spans around the two
    runs are then read by index. The cost follows what changed, not the size of the runs (a
    Python set difference of two 70,000-finding runs took over a second). Sorted by fingerprint.
    """
    s, fb, h = finding_spans.c, finding_bodies.c, history.c
    lo, hi = min(a, b), max(a, b)
    if conn.dialect.name == "postgresql":
        # The default cost of a random page (4, for spinning disks) makes the planner hash whole
        # bodies and history tables rather than look up a few thousand keys by index; 1.1 is the
        # usual value for SSDs and cached data (the dashboard's case). For this transaction only.
        conn.exec_driver_sql("SET LOCAL random_page_cost = 1.1")
    started = sa.select(s.body_id).where(s.project == project, s.first_seq > lo, s.first_seq <= hi)
    ended = sa.select(s.body_id).where(s.project == project, s.last_seq >= lo, s.last_seq < hi)
    moved = sa.union(started, ended).subquery()
    fps = sa.select(fb.fingerprint).join(moved, moved.c.body_id == fb.id).distinct().subquery()
    around = sa.and_(
        s.body_id == fb.id,
        s.suppressed == sa.false(),
        s.first_seq <= hi,
        sa.or_(s.last_seq.is_(None), s.last_seq >= lo),
    )
    query = (
        sa.select(fps.c.fingerprint, fb.score, s.first_seq, s.last_seq, h.rule_id, h.path, h.first_seen)
        .select_from(fps)
        .join(finding_bodies, sa.and_(fb.project == project, fb.fingerprint == fps.c.fingerprint))
        .outerjoin(finding_spans, around)
        .outerjoin(history, sa.and_(h.project == project, h.fingerprint == fps.c.fingerprint))
    )
    found: dict[str, list[Any]] = {}
    for fp, score, first, last, rule, path, seen in conn.execute(query):
        slot = found.get(fp)
        if slot is None:
            slot = found[fp] = [None, None, rule, path, seen]
        if first is not None:
            if first <= a and (last is None or last >= a):
                slot[0] = float(score or 0.0)
            if first <= b and (last is None or last >= b):
                slot[1] = float(score or 0.0)
    return [Changed(fp, *found[fp]) for fp in sorted(found)]


def diff(conn: sa.Connection, project: str, a: sa.Row[Any], b: sa.Row[Any]) -> RunDiff:
    """What changed from run ``a`` to ``b``: new, fixed, reopened (new but seen before ``a``), rescored."""
    rows = _changed(conn, project, a.seq, b.seq)
    before = {r.fingerprint: r.before for r in rows if r.before is not None}
    after = {r.fingerprint: r.after for r in rows if r.after is not None}
    known = {r.fingerprint: (r.rule_id, r.path or "?", r.first_seen) for r in rows if r.rule_id is not None}
    added = [r.fingerprint for r in rows if r.before is None and r.after is not None]
    gone = [r.fingerprint for r in rows if r.before is not None and r.after is None]
    both = [r.fingerprint for r in rows if None not in (r.before, r.after) and r.before != r.after]

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
        changed=sorted((item(fp) for fp in both), key=lambda d: -abs((d.after or 0) - (d.before or 0)))[
            :DIFF_SHOWN
        ],
        counts=counts,
    )
