"""Aggregates for the overview, owners, projects and run pages.

Trends over runs read ``run_risk`` (per run and category, written when the run was saved),
not every run's findings.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from stackaudit.storage.tables import history, run_analyzers, run_risk, runs
from stackaudit.web.queries import NO_OWNER, OPEN_STATUSES

AGE_BUCKETS = (("0-30", 0, 30), ("31-90", 31, 90), ("91-180", 91, 180), (">180", 181, None))
SHOWN_RUNS = 50


@dataclass(frozen=True, slots=True)
class RunPoint:
    seq: int
    id: str
    started_at: datetime
    findings: int
    new: int
    fixed: int
    gate_passed: bool | None


@dataclass(frozen=True, slots=True)
class OwnerStats:
    owner: str
    open: int
    open_risk: float
    retired: int
    median_age: float | None
    buckets: tuple[int, ...]  # counts per AGE_BUCKETS


def run_points(conn: sa.Connection, project: str, limit: int = SHOWN_RUNS) -> list[RunPoint]:
    """The newest ``limit`` runs, oldest first."""
    r = runs.c
    query = (
        sa.select(r.seq, r.id, r.started_at, r.findings, r.new, r.fixed, r.gate_passed)
        .where(r.project == project)
        .order_by(r.seq.desc())
        .limit(limit)
    )
    points = [RunPoint(*row) for row in conn.execute(query)]
    return points[::-1]


def risk_by_category(conn: sa.Connection, project: str, points: list[RunPoint]) -> dict[str, list[float]]:
    """Open risk (sum of scores of active findings) per category, one value per run in ``points``."""
    if not points:
        return {}
    index = {p.id: i for i, p in enumerate(points)}
    query = sa.select(run_risk.c.run_id, run_risk.c.category, run_risk.c.risk).where(
        run_risk.c.run_id.in_(list(index))
    )
    out: dict[str, list[float]] = {}
    for run_id, category, risk in conn.execute(query):
        out.setdefault(category, [0.0] * len(points))[index[run_id]] = float(risk)
    return dict(sorted(out.items()))


def aging(conn: sa.Connection, project: str, now: datetime) -> dict[str, list[int]]:
    """Open findings per owner per age bucket (0-30, 31-90, 91-180, >180 days).

    Read from ``history`` alone (its status is new/open/reopened exactly for the findings
    present, unaccepted, in the latest run) along the (project, status, owner, first_seen)
    index, grouped by first-seen time: first_seen is a run's start, so there are few groups,
    and they are put in buckets here rather than by a CASE on every row. One query per status
    keeps the rows in index order, so the database groups them without a sort.
    """
    h = history.c
    out: dict[str, list[int]] = {}
    for status in OPEN_STATUSES:  # one status at a time: rows come in index order, no sort
        query = (
            sa.select(h.owner, h.first_seen, sa.func.count())
            .where(h.project == project, h.status == status)
            .group_by(h.owner, h.first_seen)
        )
        for owner, first_seen, n in conn.execute(query):
            days = max(0, (now - first_seen).days)
            index = next(i for i, (_, _, top) in enumerate(AGE_BUCKETS) if top is None or days <= top)
            out.setdefault(owner or NO_OWNER, [0] * len(AGE_BUCKETS))[index] += int(n)
    return dict(sorted(out.items(), key=lambda item: (-sum(item[1]), item[0])))


def _ages(
    conn: sa.Connection, project: str, statuses: tuple[str, ...], now: datetime
) -> tuple[dict[str, Counter[int]], dict[str, float]]:
    """Per owner: how many findings of these statuses have each age in days, and their summed score.

    One pass per status along the (project, status, owner, first_seen, score) index: the rows
    come in index order (no sort) and the table is never read (``history.score``, 0005).
    """
    h = history.c
    ages: dict[str, Counter[int]] = {}
    risk: dict[str, float] = {}
    for status in statuses:
        query = (
            sa.select(h.owner, h.first_seen, sa.func.count(), sa.func.sum(h.score))
            .where(h.project == project, h.status == status)
            .group_by(h.owner, h.first_seen)
        )
        for owner, first_seen, n, total in conn.execute(query):
            name = owner or NO_OWNER
            ages.setdefault(name, Counter())[max(0, (now - first_seen).days)] += int(n)
            risk[name] = risk.get(name, 0.0) + float(total or 0.0)
    return ages, risk


def _median(counts: Counter[int]) -> float | None:
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts.elements()) if total < 2000 else None
    if ordered is not None:
        return float(statistics.median(ordered))
    seen, middle = 0, (total - 1) / 2
    for age in sorted(counts):  # a weighted median without expanding every finding
        seen += counts[age]
        if seen > middle:
            return float(age)
    return None


def owners(conn: sa.Connection, project: str, now: datetime) -> list[OwnerStats]:
    """Per owner: open findings and risk, findings fixed (debt retired), median age of open ones.

    ``history`` alone: its status is new/open/reopened exactly for the findings present,
    unaccepted, in the latest run, and its score is theirs in that run.
    """
    ages, risk = _ages(conn, project, OPEN_STATUSES, now)
    retired = {o: sum(c.values()) for o, c in _ages(conn, project, ("fixed",), now)[0].items()}
    out = []
    for name in set(ages) | set(retired):
        counts = ages.get(name, Counter())
        buckets = [0] * len(AGE_BUCKETS)
        for age, n in counts.items():
            buckets[next(i for i, (_, _, top) in enumerate(AGE_BUCKETS) if top is None or age <= top)] += n
        out.append(
            OwnerStats(
                owner=name,
                open=sum(counts.values()),
                open_risk=round(risk.get(name, 0.0), 2),
                retired=retired.get(name, 0),
                median_age=_median(counts),
                buckets=tuple(buckets),
            )
        )
    return sorted(out, key=lambda o: (-o.open_risk, o.owner))


@dataclass(frozen=True, slots=True)
class ProjectStats:
    name: str
    runs: int
    last_run: datetime
    findings: list[int]  # per recent run, oldest first


def projects(conn: sa.Connection) -> list[ProjectStats]:
    r = runs.c
    listing = conn.execute(
        sa.select(r.project, sa.func.count(), sa.func.max(r.seq)).group_by(r.project).order_by(r.project)
    ).all()
    out = []
    for name, n, _ in listing:
        points = run_points(conn, name, 20)
        last = points[-1].started_at if points else datetime.min
        out.append(ProjectStats(name, int(n), last, [p.findings for p in points]))
    return out


def project_names(conn: sa.Connection) -> list[str]:
    query = sa.select(runs.c.project).distinct().order_by(runs.c.project)
    return [str(p) for p in conn.execute(query).scalars()]


def analyzers(conn: sa.Connection, run_id: str) -> list[sa.Row[Any]]:
    a = run_analyzers.c
    return list(conn.execute(sa.select(run_analyzers).where(a.run_id == run_id).order_by(a.ordinal)))


def run_row(conn: sa.Connection, project: str, run_id: str) -> sa.Row[Any] | None:
    query = sa.select(runs).where(runs.c.project == project, runs.c.id == run_id)
    found: sa.Row[Any] | None = conn.execute(query).first()
    return found


def run_list(conn: sa.Connection, project: str, limit: int = 200) -> list[sa.Row[Any]]:
    r = runs.c
    columns = (r.seq, r.id, r.started_at, r.finished_at, r.commit, r.branch, r.findings, r.new, r.fixed)
    query = sa.select(*columns, r.gate_passed).where(r.project == project).order_by(r.seq.desc()).limit(limit)
    return list(conn.execute(query))
