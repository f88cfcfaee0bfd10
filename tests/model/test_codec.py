from __future__ import annotations

import json
from datetime import UTC, datetime

from stackaudit.model import (
    Assessment,
    Category,
    Evidence,
    EvidenceKind,
    Factor,
    Location,
    RuleMeta,
    Score,
    Severity,
    Status,
    TraceStep,
    VulnerabilityInfo,
)
from stackaudit.model.codec import decode, to_primitive


def test_assessment_round_trip() -> None:
    rule = RuleMeta(id="sec.x", title="t", category=Category.SECURITY, severity=Severity.HIGH, doc="d")
    finding = rule.finding(
        Location("a.py", 3, symbol="f"),
        "msg",
        "code",
        trace=(TraceStep(Location("a.py", 1), "request.args", "source"),),
        vulnerability=VulnerabilityInfo("PYSEC-1", ("CVE-1",), "p", "PyPI", "1.0", epss=0.5, kev=True),
        properties=(("k", "v"),),
    )
    ev = Evidence(
        EvidenceKind.NPLUSONE, "312 queries", Severity.HIGH, datetime.now(UTC), location=Location("a.py", 3)
    )
    a = Assessment(
        finding, Score(Factor(8, ("x",)), Factor(7), Factor(2)), Status.NEW, datetime.now(UTC), evidence=(ev,)
    )
    back = decode(Assessment, json.loads(json.dumps(to_primitive(a))))
    assert back == a
    assert back.finding.fingerprint == finding.fingerprint
