"""Thresholds and the gate verdict. Pure functions over assessments.

A severity threshold counts confirmed findings (and those without a data-flow origin) at
that severity or above, and findings of unconfirmed origin only at high or above: an
unknown origin is kept and ranked, but a medium hint whose input nobody traced does not
fail a build (DESIGN.md, "Signal", 1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from stackaudit.model import Assessment, Finding, GateVerdict, Severity

_SCORE = re.compile(r"^\s*score\s*>=\s*([0-9]+(?:\.[0-9]+)?)\s*$")
NEVER = ("none", "never", "off")
UNCONFIRMED_FLOOR = Severity.HIGH


@dataclass(frozen=True, slots=True)
class Threshold:
    """``high`` = severity >= high; ``score>=20`` = score >= 20; ``none`` = never fails."""

    text: str
    min_severity: Severity | None = None
    min_score: float | None = None

    @classmethod
    def parse(cls, text: str) -> Threshold:
        match = _SCORE.match(text)
        if match:
            return cls(text.strip(), min_score=float(match.group(1)))
        if text.strip().lower() in NEVER:
            return cls("none")
        return cls(text.strip().lower(), min_severity=Severity.parse(text))

    def exceeded_by(self, assessment: Assessment) -> bool:
        if self.min_score is not None:
            return assessment.score.value >= self.min_score
        if self.min_severity is not None:
            finding = assessment.finding
            floor = self.min_severity
            if finding.prop("origin") == "unconfirmed":
                floor = max(floor, UNCONFIRMED_FLOOR)
            return finding.severity >= floor
        return False


def _describe(a: Assessment) -> str:
    f = a.finding
    return f"{f.rule_id} at {f.location} (score {a.score.value:g}, {f.severity.label})"


def verdict(
    findings: Sequence[Assessment],
    threshold: Threshold,
    baseline: Collection[str] | None,
    baseline_label: str | None,
    exploitable: Callable[[Finding], bool] | None = None,
) -> GateVerdict:
    """Fail on findings over the threshold: all of them, or only those new since the baseline.

    ``exploitable`` findings (critical CVEs, known-exploited) fail whatever the baseline.
    """
    considered = [a for a in findings if baseline is None or a.finding.fingerprint not in baseline]
    over = [a for a in considered if threshold.exceeded_by(a)]
    reasons = [("new: " if baseline is not None else "") + _describe(a) for a in over]
    if exploitable is not None:
        for a in findings:
            if exploitable(a.finding) and a not in over:
                reasons.append("exploitable: " + _describe(a))
    return GateVerdict(
        passed=not reasons,
        threshold=threshold.text,
        reasons=tuple(reasons),
        new_findings=len(over),
        baseline=baseline_label,
    )
