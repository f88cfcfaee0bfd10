"""CSV and JSON exports of the findings list (the same filters as the page, every row).

CSV cells that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR at
the start) get a leading apostrophe: a path or owner from the audited repository must not
become a formula in the reader's spreadsheet (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from starlette.responses import Response

from stackaudit.web.queries import Row

COLUMNS = (
    "fingerprint",
    "rule_id",
    "path",
    "category",
    "severity",
    "score",
    "status",
    "owner",
    "first_seen",
    "accepted_until",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _record(row: Row) -> dict[str, Any]:
    return {
        "fingerprint": row.fingerprint,
        "rule_id": row.rule_id,
        "path": row.path,
        "category": row.category,
        "severity": row.severity_name,
        "score": row.score,
        "status": row.status,
        "owner": row.owner,
        "first_seen": row.first_seen.isoformat(),
        "accepted_until": None if row.accepted_until is None else row.accepted_until.isoformat(),
    }


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _filename(project: str, suffix: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in project)[:80] or "findings"
    return f'attachment; filename="{safe}-findings.{suffix}"'


def csv_response(rows: list[Row], project: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        record = _record(row)
        writer.writerow([_cell(record[c]) for c in COLUMNS])
    headers = {"Content-Disposition": _filename(project, "csv")}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def json_response(rows: list[Row], project: str) -> Response:
    body = json.dumps({"project": project, "findings": [_record(r) for r in rows]}, ensure_ascii=False)
    headers = {"Content-Disposition": _filename(project, "json")}
    return Response(body, media_type="application/json", headers=headers)
