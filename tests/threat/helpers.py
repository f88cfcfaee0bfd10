from __future__ import annotations

from datetime import UTC, datetime

from stackaudit.model import Assessment, Category, Factor, Finding, Location, Score, Severity, Status


def assessment(
    rule_id: str, path: str = "app.py", line: int = 1, endpoint: str | None = None, score: float = 5.0
) -> Assessment:
    finding = Finding(
        rule_id=rule_id,
        message=f"{rule_id} here",
        location=Location(path, line),
        category=Category.SECURITY,
        severity=Severity.HIGH,
        endpoint=endpoint,
    )
    factor = Score(Factor(score), Factor(1.0), Factor(1.0))
    return Assessment(finding, factor, Status.NEW, datetime(2026, 1, 1, tzinfo=UTC))
