"""Risk-adjusted ROI: Impact (1..10) x Likelihood (1..10) / Effort (person-days).

Pure functions. Defaults come from the rule; evidence adjusts them (confidence,
where the code runs, whether an untrusted source is known to reach the sink, what a
workflow holds, runtime observations, exploit data, reachability); config overrides
come last. Every adjustment leaves its reason on the factor.

Repetition is not likelihood: findings sharing a root cause are grouped into one
before scoring (``engine/postprocess.py``), so a pattern found N times is scored once.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackaudit.config.schema import RuleOverride
from stackaudit.model import (
    Category,
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

# Where the value at the sink comes from (the ``origin`` property, set by the taint engine
# or by the merge): a request source confirmed ranks above an origin nobody traced.
ORIGIN_LIKELIHOOD: dict[str, tuple[float, str]] = {
    "confirmed": (1.0, "an untrusted request source reaches the sink"),
    "unconfirmed": (-2.0, "origin unconfirmed"),
}
# A workflow finding matters by what a compromised step could reach (``workflow_holds``).
WORKFLOW_HOLDS_LIKELIHOOD: dict[str, tuple[float, str]] = {
    "pull_request_target": (2.0, "the workflow runs on pull_request_target or workflow_run (fork code)"),
    "secrets": (1.0, "the workflow references secrets"),
    "write": (1.0, "the workflow's token can write"),
}
# Who reaches the endpoint a security finding sits behind (the ``auth`` property, set from the
# service map in scope/attach.py): a flaw only administrators can trigger is less likely to be
# exploited, and on real services it is often the feature itself (an admin's SQL console, plugin
# code, the URL of an integration the admin configures). The factors are CVSS 3.1's weights for
# Privileges Required, relative to none (0.85): low 0.62 -> 0.73, high 0.27 -> 0.32, so a
# published calibration rather than one fitted to our own labels. An endpoint with no auth seen
# stays neutral: "nothing seen" is not proof that it is public (a middleware we do not read may
# guard it). Performance and scale findings are left alone: how often they bite follows traffic
# (SLO weights, runtime evidence), not who may enter.
AUTH_LIKELIHOOD: dict[str, tuple[float, str]] = {
    "admin": (0.27 / 0.85, "only administrators reach this endpoint"),
    "authenticated": (0.62 / 0.85, "only signed-in users reach this endpoint"),
}
# Attacks on the page's users (XSS, open redirect, response splitting): the attacker sends a link
# or stores a payload; whoever may open the page is the victim, so its reach does not make the
# attack harder (CVSS scores reflected XSS on an admin page PR:N, UI:R).
VICTIM_SIDE_CWES = frozenset({79, 601, 113})
# A missing audit trail matters most where the privileged act: no discount for who gets in.
AUTH_NOT_FOR = ("audit.",)
FIRST_PARTY_ACTIONS = ("actions/", "github/")
# Any change ships through review, CI and a deploy: less than half a day is not a real
# estimate, and tiny efforts would let trivial fixes outrank real risks.
MIN_EFFORT_DAYS = 0.5
SEVERITY_STEP = 1.0  # Impact points per severity level between a finding and its rule
HIGH_TRAFFIC_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class ScoreInputs:
    finding: Finding
    rule: RuleMeta | None
    override: RuleOverride | None = None
    evidence: tuple[Evidence, ...] = ()
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
        # one point per severity level: a high rule's finding judged low (vendored code, a
        # redirect to the request's own path) is two levels down, not one
        value += SEVERITY_STEP * (int(finding.severity) - int(rule.severity))
        reasons.append(f"severity {finding.severity.label} (rule default {rule.severity.label})")
    if inp.traffic_share is not None and inp.traffic_share >= HIGH_TRAFFIC_SHARE:
        value += 1
        reasons.append(f"{finding.endpoint} carries {inp.traffic_share:.0%} of traffic (SLO weights)")
    journey = finding.prop("journey_critical")  # set from config journeys (threat/journeys.py)
    if journey:
        value += 1
        reasons.append(f"on critical journey {journey}")
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


def _origin(finding: Finding, value: float, reasons: list[str]) -> float:
    origin = finding.prop("origin")
    if origin not in ORIGIN_LIKELIHOOD:
        return value
    delta, reason = ORIGIN_LIKELIHOOD[origin]
    why = finding.prop("origin_reason")
    reasons.append(f"{reason}: {why}" if why and origin == "unconfirmed" else reason)
    return value + delta


def _auth(finding: Finding, value: float, reasons: list[str]) -> float:
    if finding.category != Category.SECURITY or finding.rule_id.startswith(AUTH_NOT_FOR):
        return value
    if VICTIM_SIDE_CWES & set(finding.cwe):
        return value  # the page's users are the victims, not the attacker: no privilege needed
    factor, reason = AUTH_LIKELIHOOD.get(finding.prop("auth") or "", (1.0, ""))
    if factor == 1.0:
        return value
    reason = f"{reason}, x{factor:.2f} (CVSS privileges required)"
    reasons.append(f"{reason} ({finding.endpoint})" if finding.endpoint else reason)
    return value * factor


def _workflow(finding: Finding, value: float, reasons: list[str]) -> float:
    holds = finding.prop("workflow_holds")
    if holds is None:
        return value
    facts = [h for h in holds.split(",") if h in WORKFLOW_HOLDS_LIKELIHOOD]
    for fact in facts:
        delta, reason = WORKFLOW_HOLDS_LIKELIHOOD[fact]
        value += delta
        reasons.append(reason)
    if not facts:
        value -= 2
        reasons.append("the workflow references no secrets and its token is read-only")
    if finding.rule_id.endswith("template-injection") and finding.prop("workflow_triggers") == "trusted":
        value -= 3
        reasons.append("triggered only by pushes, tags, schedules or manual runs: people with write access")
    action = finding.snippet.strip().removeprefix("uses:").strip()
    if finding.rule_id.endswith("unpinned-uses") and action.startswith(FIRST_PARTY_ACTIONS):
        value -= 1
        reasons.append("a first-party GitHub action (actions/*, github/*)")
    return value


def _likelihood(inp: ScoreInputs) -> Factor:
    rule, finding = inp.rule, inp.finding
    value = rule.likelihood if rule else 5.0
    reasons = [f"rule default {value:g}" if rule else "no rule metadata: neutral 5"]
    for delta, reason in (CONFIDENCE_LIKELIHOOD[finding.confidence], CONTEXT_LIKELIHOOD[finding.context]):
        if delta:
            value += delta
            reasons.append(reason)
    value = _origin(finding, value, reasons)
    value = _workflow(finding, value, reasons)
    value = _auth(finding, value, reasons)
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
