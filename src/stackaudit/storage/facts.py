"""The columns the dashboard filters and sorts on, copied out of each finding body's JSON.

A body's content lives in ``data_json`` (see ``spans.py``); ``category``, ``severity`` and
``score`` beside it let ``stackaudit serve`` filter and order 100,000 findings in SQL with an
index instead of decoding every body per request. They are filled after a save (and by
migration 0004 for older stores) for the bodies that lack them, so ``spans.save`` and the 0003
conversion that reuses it stay unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from stackaudit.model import Assessment
from stackaudit.storage.tables import finding_bodies, finding_spans, run_risk, runs

CHUNK = 500


def of_body(data_json: str) -> dict[str, Any]:
    """category, severity and score (Impact x Likelihood / Effort, as ``Score.value``) of one body."""
    prim = json.loads(data_json)
    finding, score = prim["finding"], prim["score"]
    value = score["impact"]["value"] * score["likelihood"]["value"] / score["effort"]["value"]
    return {
        "category": str(finding["category"]),
        "severity": int(finding["severity"]),
        "score": round(value, 2),
    }


def of_assessment(item: Assessment) -> dict[str, Any]:
    f = item.finding
    return {"category": f.category.value, "severity": int(f.severity), "score": item.score.value}


def fill(conn: sa.Connection, project: str | None = None, known: Sequence[Assessment] = ()) -> int:
    """Fill the columns of every body (of ``project``, or all) that has none yet; returns how many.

    ``known`` are the assessments just saved: their bodies' columns come from them by
    fingerprint, so a save never parses the JSON it has just written (50,000 new findings
    would otherwise cost seconds); any other body is read from its JSON.
    """
    b = finding_bodies.c
    query = sa.select(b.id, b.fingerprint).where(b.score.is_(None))
    if project is not None:
        query = query.where(b.project == project)
    by_fingerprint = {item.finding.fingerprint: item for item in known}
    rows: list[dict[str, Any]] = []
    unknown: list[int] = []
    for bid, fingerprint in conn.execute(query):
        item = by_fingerprint.get(fingerprint)
        if item is None:
            unknown.append(bid)
        else:
            rows.append({"bid": bid, **of_assessment(item)})
    for start in range(0, len(unknown), CHUNK):
        texts = sa.select(b.id, b.data_json).where(b.id.in_(unknown[start : start + CHUNK]))
        rows += [{"bid": bid, **of_body(text)} for bid, text in conn.execute(texts)]
    update = (
        finding_bodies.update()
        .where(b.id == sa.bindparam("bid"))
        .values(
            category=sa.bindparam("category"), severity=sa.bindparam("severity"), score=sa.bindparam("score")
        )
    )
    for start in range(0, len(rows), CHUNK):
        conn.execute(update, rows[start : start + CHUNK])
    return len(rows)


def save_run_risk(conn: sa.Connection, run_id: str, findings: Sequence[Assessment]) -> None:
    """Per category: the run's active findings and their summed score (``run_risk``)."""
    totals: dict[str, list[float]] = {}
    for item in findings:
        slot = totals.setdefault(item.finding.category.value, [0, 0.0])
        slot[0] += 1
        slot[1] += item.score.value
    rows = [
        {"run_id": run_id, "category": c, "findings": int(n), "risk": round(r, 2)}
        for c, (n, r) in totals.items()
    ]
    if rows:
        conn.execute(run_risk.insert(), rows)


def backfill_run_risk(conn: sa.Connection) -> None:
    """``run_risk`` for runs stored before 0004, from their spans (bodies' columns filled first)."""
    s, b = finding_spans.c, finding_bodies.c
    stored = conn.execute(sa.select(runs.c.seq, runs.c.id, runs.c.project)).all()
    for seq, run_id, project in stored:
        query = (
            sa.select(b.category, sa.func.count(), sa.func.sum(b.score))
            .join_from(finding_spans, finding_bodies, s.body_id == b.id)
            .where(s.project == project, s.first_seq <= seq, sa.or_(s.last_seq.is_(None), s.last_seq >= seq))
            .where(s.suppressed == sa.false())
            .group_by(b.category)
        )
        rows = [
            {"run_id": run_id, "category": c, "findings": int(n), "risk": round(float(r or 0.0), 2)}
            for c, n, r in conn.execute(query)
        ]
        if rows:
            conn.execute(run_risk.insert(), rows)
