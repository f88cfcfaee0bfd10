"""Join findings with evidence, history, owners and scores into ranked assessments."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from stackaudit.config.schema import Config
from stackaudit.engine.history import lifecycle
from stackaudit.engine.owners import Owner
from stackaudit.engine.score import ScoreInputs, score
from stackaudit.engine.suppress import InlineSuppression, accepted, suppression_reason
from stackaudit.model import Assessment, Evidence, EvidenceUse, Finding, RuleMeta, Severity, Status
from stackaudit.runtime import findings as runtime_findings
from stackaudit.storage.store import HistoryEntry


def evidence_matches(finding: Finding, ev: Evidence) -> bool:
    own = runtime_findings.joins(finding, ev)  # a runtime.* finding holds its own observations
    if own is not None:
        return own
    if ev.rule_hint is not None and ev.rule_hint != finding.rule_id:
        return False
    if ev.endpoint and finding.endpoint and ev.endpoint == finding.endpoint:
        return True
    loc = ev.location
    if loc is None:
        return False
    for place in (finding.location, *finding.related):
        if place.path != loc.path:
            continue
        if loc.symbol and place.symbol and loc.symbol == place.symbol:
            return True  # same function (profiles name functions, not lines)
        if place.line and place.line <= loc.line <= max(place.end_line, place.line):
            return True
    return False


def traffic_shares(config: Config) -> dict[str, float]:
    weights = {s.endpoint: s.weight for s in config.slo.values() if s.endpoint}
    total = sum(weights.values())
    return {ep: w / total for ep, w in weights.items()} if total > 0 else {}


@dataclass(frozen=True)
class AssessInputs:
    findings: Sequence[Finding]
    rules: Mapping[str, RuleMeta]
    config: Config
    evidence: Sequence[Evidence]
    history: Mapping[str, HistoryEntry]
    marks: Mapping[str, Sequence[InlineSuppression]]
    now: datetime


def _history_acceptance(entry: HistoryEntry | None, today: date) -> str | None:
    if entry is None or entry.status != Status.ACCEPTED:
        return None
    if entry.accepted_until is not None and entry.accepted_until < today:
        return None  # expired: the finding comes back
    until = f" until {entry.accepted_until}" if entry.accepted_until else ""
    return f"accepted by {entry.accepted_by or 'unknown'}{until}: {entry.reason or 'no reason'}"


def assess(inp: AssessInputs) -> tuple[list[Assessment], list[Assessment]]:
    """Return (active ranked by score, suppressed/accepted)."""
    shares = traffic_shares(inp.config)
    today = inp.now.date()
    active: list[Assessment] = []
    quiet: list[Assessment] = []
    for finding in inp.findings:
        finding = _with_severity(finding, inp.config)
        evidence = tuple(e for e in inp.evidence if evidence_matches(finding, e))
        result = score(
            ScoreInputs(
                finding=finding,
                rule=inp.rules.get(finding.rule_id),
                override=inp.config.rules.get(finding.rule_id),
                evidence=evidence,
                traffic_share=shares.get(finding.endpoint or ""),
            )
        )
        life = lifecycle(finding, inp.history, inp.now)
        entry = inp.history.get(finding.fingerprint)
        assessment = Assessment(
            finding=finding,
            score=result,
            status=life.status,
            first_seen=life.first_seen,
            age_days=max(0, (inp.now - life.first_seen).days),
            owner=_triaged_owner(entry),
            owner_source="triage" if _triaged_owner(entry) else "",
            evidence=evidence,
        )
        reason = suppression_reason(finding, inp.marks, inp.config)
        risk = accepted(finding, inp.config.accept, today)
        if reason is not None:
            quiet.append(_quiet(assessment, Status.SUPPRESSED, reason))
        elif risk is not None:
            terms = f"accepted by {risk.owner} until {risk.until}: {risk.reason}"
            quiet.append(_quiet(assessment, Status.ACCEPTED, terms))
        elif (why := _history_acceptance(entry, today)) is not None:
            quiet.append(_quiet(assessment, Status.ACCEPTED, why))
        else:
            active.append(assessment)
    return rank(active), rank(quiet)


def _triaged_owner(entry: HistoryEntry | None) -> str | None:
    """Only an owner set by ``triage`` is kept from the history; CODEOWNERS and blame are resolved
    afresh each run with their real source (the store copies them, which made every owner 'triage')."""
    return entry.owner if entry is not None and entry.owner and entry.owner_from_triage else None


def _with_severity(finding: Finding, config: Config) -> Finding:
    """``[rules.ID] severity = ...`` replaces the severity the rule gave (the gate and score see it)."""
    override = config.rules.get(finding.rule_id)
    if override is None or override.severity is None:
        return finding
    severity = Severity.parse(override.severity)
    return finding if severity == finding.severity else dataclasses.replace(finding, severity=severity)


def _quiet(a: Assessment, status: Status, reason: str) -> Assessment:
    return dataclasses.replace(a, status=status, suppression=reason)


def rank(items: Sequence[Assessment]) -> list[Assessment]:
    return sorted(items, key=lambda a: (-a.score.value, -a.finding.severity, a.finding.sort_key))


def with_owners(items: Sequence[Assessment], owners: Mapping[str, Owner]) -> list[Assessment]:
    out = []
    for a in items:
        owner = owners.get(a.finding.fingerprint)
        if a.owner is None and owner is not None:
            a = dataclasses.replace(a, owner=owner.name, owner_source=owner.source)
        out.append(a)
    return out


def evidence_uses(evidence: Sequence[Evidence], assessed: Sequence[Assessment]) -> tuple[EvidenceUse, ...]:
    """Every observation with the findings it joined (the report's runtime section)."""
    joined: dict[Evidence, list[str]] = {}
    for a in assessed:
        for ev in a.evidence:
            joined.setdefault(ev, []).append(f"{a.finding.rule_id} at {a.finding.location}")
    ordered = sorted(evidence, key=lambda e: (e.kind.value, -e.recorded_at.timestamp()))
    return tuple(EvidenceUse(ev, tuple(joined.get(ev, ()))) for ev in ordered)
