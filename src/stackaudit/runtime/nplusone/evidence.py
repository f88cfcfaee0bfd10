"""Turn runtime N+1 detections into Evidence joined to the static rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from stackaudit.model import Evidence, EvidenceKind, Location, Severity
from stackaudit.runtime.nplusone.detect import NPlusOne

STATIC_RULE = "perf.n-plus-one"
HIGH_COUNT = 50
HIGH_TOTAL_MS = 200.0


def _location(found: NPlusOne, root: Path) -> Location | None:
    if found.site is None:
        return None
    path = Path(found.site.path)
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None  # outside the audited tree: cannot join to a static finding
    return Location(rel, found.site.line, symbol=found.site.function)


def to_evidence(found: NPlusOne, root: Path, project: str, source: str) -> Evidence:
    severity = (
        Severity.HIGH if found.count >= HIGH_COUNT or found.total_ms >= HIGH_TOTAL_MS else Severity.MEDIUM
    )
    where = f" at {found.site.function}" if found.site else ""
    summary = (
        f"{found.count} identical queries{where} in {found.unit} "
        f"({found.total_ms:.1f} ms): {found.shape[:120]}"
    )
    data = {
        "unit": found.unit,
        "count": found.count,
        "total_ms": round(found.total_ms, 3),
        "fingerprint": found.fingerprint,
        "statement": found.shape,
        "source_statement": found.source_shape,
    }
    return Evidence(
        kind=EvidenceKind.NPLUSONE,
        summary=summary,
        severity=severity,
        recorded_at=datetime.now(UTC),
        location=_location(found, root),
        rule_hint=STATIC_RULE,
        source=source,
        data_json=json.dumps(data, sort_keys=True),
        project=project,
    )
