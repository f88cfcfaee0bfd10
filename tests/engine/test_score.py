from __future__ import annotations

from datetime import UTC, datetime

from stackaudit.config.schema import RuleOverride
from stackaudit.engine.score import CONFIDENCE_LIKELIHOOD, CONTEXT_LIKELIHOOD, ScoreInputs, score
from stackaudit.model import (
    Category,
    CodeContext,
    Confidence,
    Evidence,
    EvidenceKind,
    Location,
    RuleMeta,
    Severity,
    VulnerabilityInfo,
)

RULE = RuleMeta(
    id="perf.n-plus-one",
    title="N+1",
    category=Category.PERFORMANCE,
    severity=Severity.HIGH,
    doc="d",
    impact=8,
    likelihood=7,
    effort=2,
)


def test_design_worked_example() -> None:
    f = RULE.finding(Location("a.py", 1), "m", "x")
    s = score(ScoreInputs(f, RULE))
    assert (s.impact.value, s.likelihood.value, s.effort.value, s.value) == (8, 7, 2, 28)
    assert all(factor.reasons for factor in (s.impact, s.likelihood, s.effort))


def test_impact_moves_one_point_per_severity_level() -> None:
    """A high rule's finding judged low (vendored code, a redirect to the request's own path) is
    two levels down: it loses two points of Impact, not one."""
    impacts = {
        sev: score(ScoreInputs(RULE.finding(Location("a.py", 1), "m", "x", severity=sev), RULE)).impact.value
        for sev in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
    }
    assert impacts == {
        Severity.CRITICAL: 9,
        Severity.HIGH: 8,
        Severity.MEDIUM: 7,
        Severity.LOW: 6,
        Severity.INFO: 5,
    }


def test_every_confidence_and_context_level_is_mapped() -> None:
    assert set(CONFIDENCE_LIKELIHOOD) == set(Confidence)
    assert set(CONTEXT_LIKELIHOOD) == set(CodeContext)


def test_context_and_confidence_move_likelihood_with_reasons() -> None:
    handler = score(
        ScoreInputs(RULE.finding(Location("a.py", 1), "m", "x", context=CodeContext.HANDLER), RULE)
    )
    test = score(
        ScoreInputs(
            RULE.finding(Location("t.py", 1), "m", "x", context=CodeContext.TEST, confidence=Confidence.LOW),
            RULE,
        )
    )
    assert handler.likelihood.value == 8 and "request handler" in handler.likelihood.reasons[-1]
    assert test.likelihood.value == 1  # 7 - 2 - 4, clamped at 1
    assert handler.value > test.value


def test_runtime_evidence_raises_likelihood_and_shows_it() -> None:
    f = RULE.finding(Location("a.py", 1), "m", "x")
    ev = Evidence(EvidenceKind.NPLUSONE, "312 queries per request", Severity.HIGH, datetime.now(UTC))
    s = score(ScoreInputs(f, RULE, evidence=(ev,)))
    assert s.likelihood.value == 10
    assert any("312 queries" in r for r in s.likelihood.reasons)


def test_vulnerability_data_drives_factors() -> None:
    sca = RuleMeta(id="sca.v", title="v", category=Category.SUPPLY_CHAIN, severity=Severity.HIGH, doc="d")
    vuln = VulnerabilityInfo(
        "PYSEC-1",
        ("CVE-2023-4863",),
        "pillow",
        "PyPI",
        "9.0.0",
        ("10.0.1",),
        cvss_score=8.8,
        epss=0.9,
        kev=True,
    )
    s = score(
        ScoreInputs(
            sca.finding(Location("requirements.txt", 3), "m", "pillow==9.0.0", vulnerability=vuln), sca
        )
    )
    assert s.impact.value == 8.8
    assert s.likelihood.value == 10
    assert s.effort.value == 0.5
    assert any("KEV" in r for r in s.likelihood.reasons)


def test_config_override_is_last_and_explained() -> None:
    f = RULE.finding(Location("a.py", 1), "m", "x")
    s = score(ScoreInputs(f, RULE, override=RuleOverride(effort=4)))
    assert s.effort.value == 4 and s.value == 14
    assert "by config" in s.effort.reasons[-1]
