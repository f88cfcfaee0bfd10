from __future__ import annotations

from datetime import UTC, datetime

from stackaudit.model import Assessment, Category, Factor, Finding, Location, Score, Severity, Status
from stackaudit.threat.model import Element, JourneyModel, Link, Stride, Threat, ThreatModel, ThreatStatus


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


def hostile_threats(evil: str) -> ThreatModel:
    """A one-journey threat model whose names, paths and messages all hold ``evil``."""
    element = f"POST /pay/{evil}"
    link = Link("f" * 16, "sec.sql-injection", f"app/{evil}.py", 3, f"message {evil}", 42.0)
    threats = (
        Threat(
            element,
            Stride.TAMPERING,
            "records changed",
            ThreatStatus.EVIDENCED,
            f"ask {evil}",
            findings=(link,),
        ),
        Threat(
            element,
            Stride.SPOOFING,
            "a caller pretends",
            ThreatStatus.OPEN,
            f"Who calls {evil}?",
            checks=("x",),
        ),
    )
    journey = JourneyModel(
        f"checkout{evil}", True, True, (Element("endpoint", element, element, "internet → service"),), threats
    )
    return ThreatModel((journey,), "this audit", "2026-12-08")
