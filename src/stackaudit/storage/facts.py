"""The columns the dashboard filters and sorts on, copied out of each finding body's JSON.

A body's content lives in ``data_json`` (see ``spans.py``); ``category``, ``severity`` and
``score`` beside it let ``stackaudit serve`` filter and order 100,000 findings in SQL with an
index instead of decoding every body per request. They are filled after a save (and by
migration 0004 for older stores) for the bodies that lack them, so ``spans.save`` and the 0003
conversion that reuses it stay unchanged.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from stackaudit.storage.tables import finding_bodies

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


def fill(conn: sa.Connection, project: str | None = None) -> int:
    """Fill the columns of every body (of ``project``, or all) that has none yet; returns how many."""
    b = finding_bodies.c
    query = sa.select(b.id, b.data_json).where(b.score.is_(None))
    if project is not None:
        query = query.where(b.project == project)
    rows = [{"bid": bid, **of_body(text)} for bid, text in conn.execute(query)]
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
