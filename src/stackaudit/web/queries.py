"""The findings list of the dashboard: filters, keyset pages and exports, all in SQL.

"Current" findings are those present in the project's latest run: spans still open
(``last_seq`` NULL) and not suppressed, joined to their body (category, severity, score
columns, see ``storage/facts.py``) and to the history row that holds the live status,
owner and age (triage changes those, not the run). Pages are keyset pages over
(score, fingerprint) descending: the URL carries the last row's key, so a page
costs the same at row 50 as at row 50,000 and never shifts when rows are triaged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from stackaudit.model import Category, Severity, Status
from stackaudit.storage.tables import finding_bodies, finding_spans, history, runs

PAGE = 50
COUNT_CAP = 1000
OPEN_STATUSES = (Status.NEW.value, Status.OPEN.value, Status.REOPENED.value)
NO_OWNER = "(none)"


@dataclass(frozen=True, slots=True)
class Row:
    """One current finding as the lists show it."""

    fingerprint: str
    rule_id: str
    path: str
    category: str
    severity: int
    score: float
    status: str
    owner: str | None
    first_seen: datetime
    accepted_until: date | None

    def age_days(self, now: datetime) -> int:
        return max(0, (now - self.first_seen).days)

    @property
    def severity_name(self) -> str:
        try:
            return Severity(self.severity).name.lower()
        except ValueError:
            return str(self.severity)


@dataclass(frozen=True, slots=True)
class Filters:
    """The findings page's query string, parsed; empty strings mean "any"."""

    category: str = ""
    rule: str = ""
    owner: str = ""
    status: str = ""
    severity: str = ""  # at least this severity
    path: str = ""  # a substring of the path
    min_age: int | None = None
    new_since: str = ""  # a run id: first seen after that run started
    after: str = ""  # keyset cursor "score:fingerprint"

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> tuple[Filters, list[str]]:
        """The filters and the problems with the ones that could not be read (they are ignored)."""
        problems: list[str] = []
        values = {f.name: params.get(f.name, "").strip()[:500] for f in fields(cls) if f.name != "min_age"}
        if values["category"] and values["category"] not in {c.value for c in Category}:
            problems.append(f"unknown category {values['category']!r}")
            values["category"] = ""
        if values["severity"] and values["severity"].upper() not in Severity.__members__:
            problems.append(f"unknown severity {values['severity']!r}")
            values["severity"] = ""
        if values["status"] and values["status"] not in {s.value for s in Status}:
            problems.append(f"unknown status {values['status']!r}")
            values["status"] = ""
        age: int | None = None
        raw_age = params.get("min_age", "").strip()
        if raw_age:
            if raw_age.isdigit() and len(raw_age) < 6:
                age = int(raw_age)
            else:
                problems.append(f"min_age must be a number of days, not {raw_age[:40]!r}")
        if values["after"] and cursor_of(values["after"]) is None:
            problems.append("the page cursor is malformed; showing the first page")
            values["after"] = ""
        return cls(min_age=age, **values), problems

    def query(self, **changes: Any) -> dict[str, str]:
        """The non-empty filters as query parameters (with ``changes`` applied)."""
        current = replace(self, **changes)
        out = {f.name: getattr(current, f.name) for f in fields(current)}
        return {k: str(v) for k, v in out.items() if v not in ("", None)}


def cursor_of(text: str) -> tuple[float, str] | None:
    score, sep, fingerprint = text.partition(":")
    try:
        return (float(score), fingerprint) if sep and fingerprint else None
    except ValueError:
        return None


def latest_seq(conn: sa.Connection, project: str) -> int | None:
    found: int | None = conn.execute(
        sa.select(sa.func.max(runs.c.seq)).where(runs.c.project == project)
    ).scalar()
    return found


def current(project: str) -> sa.Select[Any]:
    """Every finding present (and not suppressed) in the project's latest run.

    Written as bodies with an open span (EXISTS), not spans joined to bodies, so the planner
    walks the (project, score, fingerprint) index in page order and stops after one page.
    """
    s, b, h = finding_spans.c, finding_bodies.c, history.c
    live = (
        sa.select(s.id)
        .where(s.body_id == b.id, s.project == project, s.last_seq.is_(None), s.suppressed == sa.false())
        .exists()
    )
    joined = finding_bodies.join(history, sa.and_(h.project == b.project, h.fingerprint == b.fingerprint))
    columns = (b.fingerprint, h.rule_id, h.path, b.category, b.severity, b.score, h.status, h.owner)
    return (
        sa.select(*columns, h.first_seen, h.accepted_until)
        .select_from(joined)
        .where(b.project == project, live)
    )


def _filtered(conn: sa.Connection, project: str, f: Filters, now: datetime) -> sa.Select[Any]:
    b, h = finding_bodies.c, history.c
    query = current(project)
    if f.category:
        query = query.where(b.category == f.category)
    if f.rule:
        query = query.where(sa.or_(h.rule_id == f.rule, h.rule_id.startswith(f.rule + ".", autoescape=True)))
    if f.owner:
        query = query.where(h.owner.is_(None) if f.owner == NO_OWNER else h.owner == f.owner)
    if f.status:
        query = query.where(h.status == f.status)
    if f.severity:
        query = query.where(b.severity >= int(Severity[f.severity.upper()]))
    if f.path:
        query = query.where(h.path.contains(f.path, autoescape=True))
    if f.min_age is not None:
        query = query.where(h.first_seen <= now - timedelta(days=f.min_age))
    if f.new_since:
        since = conn.execute(
            sa.select(runs.c.started_at).where(runs.c.project == project, runs.c.id == f.new_since)
        ).scalar()
        query = query.where(h.first_seen > since) if since is not None else query.where(sa.false())
    return query


def _ordered(query: sa.Select[Any]) -> sa.Select[Any]:
    return query.order_by(finding_bodies.c.score.desc(), finding_bodies.c.fingerprint.desc())


def _after(query: sa.Select[Any], key: tuple[float, str]) -> sa.Select[Any]:
    b = finding_bodies.c
    # A row-value comparison, which both SQLite and PostgreSQL turn into a range on the
    # (project, score, fingerprint) index; the equivalent OR is only a filter over every row.
    return query.where(sa.tuple_(b.score, b.fingerprint) < sa.tuple_(sa.literal(key[0]), sa.literal(key[1])))


def to_row(r: sa.Row[Any]) -> Row:
    return Row(
        fingerprint=r.fingerprint,
        rule_id=r.rule_id,
        path=r.path,
        category=r.category or "",
        severity=int(r.severity or 0),
        score=float(r.score or 0.0),
        status=r.status,
        owner=r.owner,
        first_seen=r.first_seen,
        accepted_until=r.accepted_until,
    )


def page(
    conn: sa.Connection, project: str, f: Filters, now: datetime, limit: int = PAGE
) -> tuple[list[Row], str | None]:
    """One page of matching findings and the cursor of the next page (None on the last)."""
    query = _ordered(_filtered(conn, project, f, now))
    key = cursor_of(f.after) if f.after else None
    if key is not None:
        query = _after(query, key)
    rows = [to_row(r) for r in conn.execute(query.limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (f"{rows[-1].score!r}:{rows[-1].fingerprint}" if more and rows else None)


def count(conn: sa.Connection, project: str, f: Filters, now: datetime, cap: int = COUNT_CAP) -> int:
    """How many findings match, counted up to ``cap`` (the page says "1000+" beyond it).

    An exact count of a broad filter reads every current finding; a capped one stops early,
    so the page's cost stays near one keyset page.
    """
    query = _filtered(conn, project, replace(f, after=""), now).limit(cap + 1)
    total: int = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    return total


def every(conn: sa.Connection, project: str, f: Filters, now: datetime, chunk: int = 2000) -> Iterator[Row]:
    """Every matching finding in score order, read a keyset page at a time (for exports)."""
    f = replace(f, after="")
    while True:
        rows, cursor = page(conn, project, f, now, chunk)
        yield from rows
        if cursor is None:
            return
        f = replace(f, after=cursor)


def top(conn: sa.Connection, project: str, now: datetime, limit: int = 5) -> list[Row]:
    """The highest-scored open risks (new, open, reopened: not accepted)."""
    query = _ordered(current(project).where(history.c.status.in_(OPEN_STATUSES)))
    return [to_row(r) for r in conn.execute(query.limit(limit))]


def scores_in_run(conn: sa.Connection, project: str, seq: int, fingerprints: list[str]) -> dict[str, float]:
    """The score each of ``fingerprints`` had in run ``seq`` (absent: not in that run).

    Two indexed look-ups (the bodies of these fingerprints, then their spans) rather than one
    join, which a planner may start from the project's spans and so read all of them.
    """
    s, b = finding_spans.c, finding_bodies.c
    found = conn.execute(
        sa.select(b.id, b.fingerprint, b.score).where(b.project == project, b.fingerprint.in_(fingerprints))
    ).all()
    bodies = {row.id: (row.fingerprint, float(row.score or 0.0)) for row in found}
    if not bodies:
        return {}
    query = sa.select(s.body_id).where(
        s.body_id.in_(list(bodies)),
        s.first_seq <= seq,
        sa.or_(s.last_seq.is_(None), s.last_seq >= seq),
        s.suppressed == sa.false(),
    )
    return dict(bodies[body_id] for body_id in conn.execute(query).scalars())


def reasons(
    conn: sa.Connection, project: str, fingerprints: list[str]
) -> dict[str, list[tuple[str, float, list[str]]]]:
    """Each factor of each finding's score with the reasons that set it (read from its body)."""
    b = finding_bodies.c
    query = (
        current(project).with_only_columns(b.fingerprint, b.data_json).where(b.fingerprint.in_(fingerprints))
    )
    out: dict[str, list[tuple[str, float, list[str]]]] = {}
    for fingerprint, text in conn.execute(query):
        score = json.loads(text)["score"]
        out[fingerprint] = [
            (name, score[name]["value"], [str(r) for r in score[name]["reasons"]])
            for name in ("impact", "likelihood", "effort")
        ]
    return out


def previous_seq(conn: sa.Connection, project: str, seq: int) -> int | None:
    query = sa.select(sa.func.max(runs.c.seq)).where(runs.c.project == project, runs.c.seq < seq)
    found: int | None = conn.execute(query).scalar()
    return found


def _distinct(conn: sa.Connection, column: str, where: str, params: dict[str, str]) -> list[str]:
    """DISTINCT by a loose index scan: one index seek per distinct value, not a pass over every row.

    Neither SQLite (without ANALYZE statistics) nor PostgreSQL skip-scans a B-tree for DISTINCT
    on their own; the recursive query asks for "the next value after x" until there is none.
    ``column`` and ``where`` are constants of this module, never user text.
    """
    sql = sa.text(
        f"WITH RECURSIVE seen(x) AS ("
        f"SELECT MIN({column}) FROM history WHERE {where} "
        f"UNION ALL SELECT (SELECT MIN({column}) FROM history WHERE {where} AND {column} > seen.x) "
        f"FROM seen WHERE seen.x IS NOT NULL) SELECT x FROM seen WHERE x IS NOT NULL"
    )
    return [str(value) for value in conn.execute(sql, params).scalars()]


def options(conn: sa.Connection, project: str) -> dict[str, list[str]]:
    """The values the filter form offers: the project's rules, and the owners of current findings."""
    rules = _distinct(conn, "rule_id", "project = :p", {"p": project})
    owners: set[str] = set()
    for status in (*OPEN_STATUSES, Status.ACCEPTED.value, Status.SUPPRESSED.value):
        owners.update(_distinct(conn, "owner", "project = :p AND status = :s", {"p": project, "s": status}))
    return {"rules": rules, "owners": sorted(owners)}
