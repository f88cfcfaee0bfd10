"""Risk-adjusted ROI: Impact (1..10) x Likelihood (1..10) / Effort (person-days).

Pure functions. Defaults come from the rule; evidence adjusts them (confidence,
where the code runs, how often the pattern occurs, runtime observations,
exploit data, reachability); config overrides come last. Every adjustment
leaves its reason on the factor.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackaudit.config.schema import RuleOverride
from stackaudit.model import (
    CodeContext,
    Confidence,
    Evidence,
    EvidenceKind,
    Factor,
    Finding,
    RuleMeta,
    Score,
    Severity,
    VulnerabilityInfo,
)

CONFIDENCE_LIKELIHOOD: dict[Confidence, tuple[float, str]] = {
    Confidence.HIGH: (1.0, "high confidence"),
    Confidence.MEDIUM: (0.0, ""),
    Confidence.LOW: (-2.0, "low confidence"),
}

CONTEXT_LIKELIHOOD: dict[CodeContext, tuple[float, str]] = {
    CodeContext.HANDLER: (1.0, "runs in a request handler"),
    CodeContext.LIBRARY: (0.0, ""),
    CodeContext.SCRIPT: (-2.0, "runs in a script or migration, not per request"),
    CodeContext.TEST: (-4.0, "only in test code"),
    CodeContext.CONFIG: (0.0, ""),
    CodeContext.UNKNOWN: (0.0, ""),
}

EVIDENCE_LIKELIHOOD: dict[Severity, float] = {
    Severity.CRITICAL: 3.0,
    Severity.HIGH: 3.0,
    Severity.MEDIUM: 2.0,
    Severity.LOW: 1.0,
    Severity.INFO: 0.5,
}

REPEAT_THRESHOLD = 5
# Any change ships through review, CI and a deploy: less than half a day is not a real
# estimate, and tiny efforts would let trivial fixes outrank real risks.
MIN_EFFORT_DAYS = 0.5
HIGH_TRAFFIC_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class ScoreInputs:
    finding: Finding
    rule: RuleMeta | None
    override: RuleOverride | None = None
    evidence: tuple[Evidence, ...] = ()
    occurrences: int = 1  # findings of the same rule in this run
    traffic_share: float | None = None  # the endpoint's SLO weight share


def _clamp(value: float) -> float:
    return round(min(10.0, max(1.0, value)), 1)


def _impact(inp: ScoreInputs) -> Factor:
    rule, finding = inp.rule, inp.finding
    value = rule.impact if rule else 5.0
    reasons = [f"rule default {value:g}" if rule else "no rule metadata: neutral 5"]
    vuln = finding.vulnerability
    if vuln is not None and vuln.cvss_score is not None:
        value = max(1.0, vuln.cvss_score)
        reasons = [f"CVSS base score {vuln.cvss_score:g}"]
    elif rule is not None and finding.severity != rule.severity:
        step = 1.0 if finding.severity > rule.severity else -1.0
        value += step
        reasons.append(f"severity {finding.severity.label} (rule default {rule.severity.label})")
    if inp.traffic_share is not None and inp.traffic_share >= HIGH_TRAFFIC_SHARE:
        value += 1
        reasons.append(f"{finding.endpoint} carries {inp.traffic_share:.0%} of traffic (SLO weights)")
    breaches = [e for e in inp.evidence if e.kind == EvidenceKind.LOAD and e.severity >= Severity.MEDIUM]
    if breaches:
        value += 1
        reasons.append(f"SLO breach: {breaches[0].summary}")
    return Factor(_clamp(value), tuple(reasons))


def _vuln_likelihood(vuln: VulnerabilityInfo, value: float, reasons: list[str]) -> float:
    if vuln.kev:
        value = max(value, 9.0)
        reasons.append("known exploited (CISA KEV)")
        if vuln.kev_ransomware:
            value += 1
            reasons.append("used in ransomware campaigns (CISA KEV)")
    if vuln.epss is not None:
        pct = f" ({vuln.epss_percentile:.0%} percentile)" if vuln.epss_percentile is not None else ""
        if vuln.epss >= 0.5:
            value += 2
            reasons.append(f"EPSS {vuln.epss:.2f}{pct}: exploitation likely")
        elif vuln.epss >= 0.1:
            value += 1
            reasons.append(f"EPSS {vuln.epss:.2f}{pct}")
        elif vuln.epss < 0.01:
            value -= 1
            reasons.append(f"EPSS {vuln.epss:.3f}{pct}: exploitation unlikely")
    if vuln.reachable is True:
        value += 1
        reasons.append("the audited code imports the package")
    elif vuln.reachable is False:
        value -= 2
        reasons.append("the audited code does not import the package")
    return value


def _likelihood(inp: ScoreInputs) -> Factor:
    rule, finding = inp.rule, inp.finding
    value = rule.likelihood if rule else 5.0
    reasons = [f"rule default {value:g}" if rule else "no rule metadata: neutral 5"]
    for delta, reason in (CONFIDENCE_LIKELIHOOD[finding.confidence], CONTEXT_LIKELIHOOD[finding.context]):
        if delta:
            value += delta
            reasons.append(reason)
    if inp.occurrences >= REPEAT_THRESHOLD:
        value += 1
        reasons.append(f"the pattern occurs {inp.occurrences} times in this repository")
    if inp.evidence:
        strongest = max(inp.evidence, key=lambda e: e.severity)
        value += EVIDENCE_LIKELIHOOD[strongest.severity]
        reasons.append(f"runtime evidence ({strongest.kind.value}): {strongest.summary}")
        kinds = {e.kind for e in inp.evidence}
        if len(kinds) > 1:
            value += 1
            reasons.append(f"confirmed by {len(kinds)} kinds of runtime evidence")
    if finding.vulnerability is not None:
        value = _vuln_likelihood(finding.vulnerability, value, reasons)
    return Factor(_clamp(value), tuple(reasons))


# How far the fixing upgrade moves decides the work: a major version brings breaking changes
# to absorb (a framework's major release more so than most), a patch release does not.
_UPGRADE_EFFORT = {
    "major": (3.0, "a major-version upgrade (breaking changes to absorb and test)"),
    "minor": (1.0, "a minor-version upgrade"),
    "patch": (0.5, "a patch upgrade"),
}


def _effort(inp: ScoreInputs) -> Factor:
    rule, vuln = inp.rule, inp.finding.vulnerability
    value = rule.effort if rule else 1.0
    reasons = [f"rule default {value:g} person-day(s)" if rule else "no rule metadata: 1 person-day"]
    if vuln is not None:
        if vuln.fixed_versions:
            kind = inp.finding.prop("upgrade_kind")
            target = inp.finding.prop("upgrade") or vuln.fixed_versions[0]
            value, why = _UPGRADE_EFFORT.get(kind or "", (0.5, "an upgrade"))
            reasons = [f"{why} to {target}"]
        else:
            value = 3.0
            reasons = ["no fixed release: mitigate, pin around or replace the package"]
    if value < MIN_EFFORT_DAYS:
        reasons.append(f"at least {MIN_EFFORT_DAYS:g} day: review, CI and deploy")
        value = MIN_EFFORT_DAYS
    return Factor(round(value, 2), tuple(reasons))


def _apply_override(factor: Factor, value: float | None, key: str, rule_id: str) -> Factor:
    if value is None:
        return factor
    return Factor(value, (*factor.reasons, f"set to {value:g} by config rules.{rule_id}.{key}"))


def score(inp: ScoreInputs) -> Score:
    impact, likelihood, effort = _impact(inp), _likelihood(inp), _effort(inp)
    if inp.override is not None:
        rid = inp.finding.rule_id
        impact = _apply_override(impact, inp.override.impact, "impact", rid)
        likelihood = _apply_override(likelihood, inp.override.likelihood, "likelihood", rid)
        effort = _apply_override(effort, inp.override.effort, "effort", rid)
    return Score(impact, likelihood, effort)
