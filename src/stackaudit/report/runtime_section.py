"""The runtime evidence section every format shows: each stored observation the audit read
(profiles, load verdicts, metric bands, runtime N+1, gate verdicts), with the findings it
joined, or the ``runtime.*`` finding it stands as, or why it joined none.

Formatting only: the rows come from ``AuditResult.runtime``; nothing is filtered here.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackaudit.model import AuditResult, EvidenceUse, Severity

TITLE = "Runtime evidence"


@dataclass(frozen=True, slots=True)
class Row:
    kind: str
    severity: Severity
    summary: str
    where: str  # endpoint and/or location; "" when the observation names neither
    recorded_at: str
    joined: str  # "joined to ...", "own finding ...", or why it joined nothing


def _where(use: EvidenceUse) -> str:
    ev = use.evidence
    parts = [ev.endpoint or "", str(ev.location) if ev.location is not None else ""]
    return " ".join(p for p in parts if p)


def _joined(use: EvidenceUse) -> str:
    own = [j for j in use.joined_to if j.startswith("runtime.")]
    others = [j for j in use.joined_to if not j.startswith("runtime.")]
    if others:
        return "joined to " + "; ".join(others)
    if own:
        return "own finding " + "; ".join(own)
    if '"incomplete": true' in use.evidence.data_json:
        return "incomplete run: not a measurement"
    if use.evidence.severity == Severity.INFO:
        return "holds: no finding"
    return "no finding (rule disabled or suppressed)"


def rows(result: AuditResult) -> list[Row]:
    return [
        Row(
            u.evidence.kind.value,
            u.evidence.severity,
            u.evidence.summary,
            _where(u),
            u.evidence.recorded_at.strftime("%Y-%m-%d %H:%M"),
            _joined(u),
        )
        for u in result.runtime
    ]
