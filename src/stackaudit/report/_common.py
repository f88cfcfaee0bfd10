"""Helpers shared by the report formats: text hygiene and read-only summaries.

Everything here is presentation. Nothing filters, re-ranks or analyses: the
summaries only count and group what the finished ``AuditResult`` already holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from stackaudit.model import (
    AnalyzerRecord,
    AnalyzerState,
    Assessment,
    AuditResult,
    Category,
    Finding,
    GateVerdict,
    NotAnalysed,
    NotAnalysedReason,
    RuleMeta,
    Score,
    Severity,
    Status,
    VulnerabilityInfo,
)

# C0 controls except tab/newline, DEL, C1 controls, and the bidirectional
# overrides/isolates used by "Trojan Source" tricks.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\t\n]")

NUMBER_WORDS: Mapping[int, str] = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
}


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutralise(text: str) -> str:
    """Make control characters visible (``\\x1b``) while keeping tabs and newlines."""
    if text.isascii() and text.isprintable():  # the common case, checked in C
        return text
    return _CONTROL.sub(_visible, text)


def one_line(text: str) -> str:
    """Neutralise control characters and fold tabs/newlines into spaces."""
    return _LINE_BREAKS.sub(" ", neutralise(text))


def num(value: float) -> str:
    """Format a number compactly: 8.0 -> "8", 2.5 -> "2.5", 28.333 -> "28.33"."""
    return f"{round(value, 2):g}"


TIMES = "\u00d7"  # multiplication sign
DIVIDE = "\u00f7"  # division sign


def score_formula(score: Score) -> str:
    return (
        f"Impact {num(score.impact.value)} {TIMES} Likelihood {num(score.likelihood.value)}"
        f" {DIVIDE} Effort {num(score.effort.value)} = {num(score.value)}"
    )


def score_factors(score: Score) -> tuple[tuple[str, float, tuple[str, ...]], ...]:
    """The three factors in display order, each with its reasons."""
    return (
        ("Impact", score.impact.value, score.impact.reasons),
        ("Likelihood", score.likelihood.value, score.likelihood.reasons),
        ("Effort", score.effort.value, score.effort.reasons),
    )


def rule_title(rules: Mapping[str, RuleMeta], finding: Finding) -> str:
    """The rule's title, or its id when the rule is unknown to this version."""
    meta = rules.get(finding.rule_id)
    return meta.title if meta is not None else finding.rule_id


def location_text(finding: Finding) -> str:
    loc = finding.location
    text = str(loc)
    if loc.line and loc.column:
        text = f"{text}:{loc.column}"
    return text


def number_word(count: int) -> str:
    return NUMBER_WORDS.get(count, str(count))


def top_heading(top: int) -> str:
    return f"Top {number_word(top)} risk" + ("" if top == 1 else "s")


@dataclass(frozen=True, slots=True)
class Counts:
    """Counts of the active findings, for summaries and headlines."""

    total: int
    new: int
    by_severity: tuple[tuple[Severity, int], ...]  # highest first, zero counts kept
    by_category: tuple[tuple[Category, int], ...]  # enum order, zero counts kept


def counts(findings: Iterable[Assessment]) -> Counts:
    items = tuple(findings)
    sev = {s: 0 for s in sorted(Severity, reverse=True)}
    cat = {c: 0 for c in Category}
    new = 0
    for item in items:
        sev[item.finding.severity] += 1
        cat[item.finding.category] += 1
        new += item.status is Status.NEW
    return Counts(len(items), new, tuple(sev.items()), tuple(cat.items()))


def analyzer_remarks(result: AuditResult) -> tuple[AnalyzerRecord, ...]:
    """Analyzers worth a line, in run order: those that did not run cleanly (skipped,
    failed, timed out, partial) and those that ran but recorded a reason (e.g. checks
    they left out)."""
    return tuple(a for a in result.run.analyzers if a.state is not AnalyzerState.OK or a.reason)


def not_clean(records: tuple[AnalyzerRecord, ...]) -> int:
    return sum(1 for a in records if a.state is not AnalyzerState.OK)


def not_analysed_groups(
    result: AuditResult,
) -> tuple[tuple[NotAnalysedReason, tuple[NotAnalysed, ...]], ...]:
    """Not-analysed entries grouped by reason, in order of first appearance."""
    groups: dict[NotAnalysedReason, list[NotAnalysed]] = {}
    for entry in result.run.not_analysed:
        groups.setdefault(entry.reason, []).append(entry)
    return tuple((reason, tuple(entries)) for reason, entries in groups.items())


def tool_version(result: AuditResult, tool: str) -> str:
    """The version of an engine, from the run's ``tool_versions`` ('' when unknown)."""
    if tool == "stackaudit":
        return result.run.tool_version
    return dict(result.run.tool_versions).get(tool, "")


ELLIPSIS = "\u2026"


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an ellipsis.

    A single word longer than the limit (a path, a hash) is cut inside it rather than dropped.
    """
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + ELLIPSIS


def gate_count(gate: GateVerdict, escape: Callable[[str], str] = str) -> str:
    """The gate's count in words that say what "new" is measured against.

    With a baseline: findings new since the baseline (a ref, a stored run, a file). Without
    one the gate counts every finding over the threshold, so it does not call them new.
    """
    if gate.baseline:
        return f"{gate.new_findings} new since baseline {escape(gate.baseline)} over the threshold"
    return f"{gate.new_findings} over the threshold"


def vulnerability_text(v: VulnerabilityInfo) -> str:
    """Package, version, advisory ids and the exploit facts, on one line (unescaped)."""
    parts = [f"{v.package} {v.version}", v.id, *v.aliases]
    parts += [f"CVSS {num(v.cvss_score)}"] if v.cvss_score is not None else []
    parts += [f"EPSS {v.epss:.1%}"] if v.epss is not None else []
    parts += ["CISA KEV: exploited in the wild"] if v.kev else []
    parts += [f"fixed in {', '.join(v.fixed_versions)}"] if v.fixed_versions else []
    return " · ".join(parts)
