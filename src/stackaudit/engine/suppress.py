"""Inline suppressions, config ignores and accepted risks.

``# stackaudit: ignore[RULE-ID, OTHER] reason`` on the finding's line, or alone on
the line above it. Rule ids may be globs (``ruff.S*``). A suppression without a
reason does not suppress anything and is itself reported.

The project's own decisions stand too (DESIGN.md, "Signal", 2): Bandit's ``# nosec``
(bare, or with test ids ``# nosec B602, B607``) on a security finding's lines, and what
the project's ruff configuration or ``# noqa`` silenced (the ruff wrapper marks those
with the ``suppressed_by`` property). They are reported as suppressed, not as findings.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from stackaudit.config.schema import AcceptedRisk, Config, IgnoreEntry
from stackaudit.model import Category, Finding

_MARK = re.compile(r"(?:#|//|--|;|<!--)\s*stackaudit:\s*ignore\[([^\]]*)\]\s*(.*?)\s*(?:-->)?\s*$")
_COMMENT_ONLY = re.compile(r"^\s*(?:#|//|--|;|<!--)")
_NOSEC = re.compile(r"#.*?\bnosec\b:?\s*((?:B\d{3}[\s,]*)*)", re.IGNORECASE)
SUPPRESSED_BY = "suppressed_by"  # property: the project's own decision silencing a finding


@dataclass(frozen=True, slots=True)
class InlineSuppression:
    line: int  # 1-based line of the comment
    rules: tuple[str, ...]
    reason: str
    standalone: bool  # the comment is alone on its line: it covers the next line too
    text: str  # the comment itself, for the missing-reason finding's snippet


@dataclass(frozen=True, slots=True)
class NosecMark:
    """Bandit's ``# nosec`` on a line; ``codes`` empty = every security finding there."""

    line: int
    codes: tuple[str, ...]  # Bandit test ids ("B602"), which are ruff's S numbers


def parse_nosec(text: str) -> tuple[NosecMark, ...]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "nosec" not in line.lower():
            continue
        match = _NOSEC.search(line)
        if match:
            codes = tuple(dict.fromkeys(c.upper() for c in re.findall(r"B\d{3}", match.group(1), re.I)))
            found.append(NosecMark(number, codes))
    return tuple(found)


def nosec_reason(finding: Finding, marks: Sequence[NosecMark], equivalents: Mapping[str, str]) -> str | None:
    """Why ``# nosec`` covers this security finding, if it does.

    ``equivalents``: ruff code -> our rule reporting the same problem (``S602`` ->
    ``sec.command-injection``), so ``# nosec B602`` also covers our finding there.
    """
    if finding.category != Category.SECURITY or not marks:
        return None
    start = finding.location.line
    end = max(finding.location.end_line, start)
    for mark in marks:
        if not start <= mark.line <= end:
            continue
        if not mark.codes:
            return f"# nosec on line {mark.line} (Bandit)"
        for code in mark.codes:
            ruff = "S" + code[1:]
            if finding.rule_id == f"ruff.{ruff}" or equivalents.get(ruff) == finding.rule_id:
                return f"# nosec {code} on line {mark.line} (Bandit)"
    return None


def parse_inline(text: str) -> tuple[InlineSuppression, ...]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "stackaudit:" not in line:
            continue
        match = _MARK.search(line)
        if not match:
            continue
        rules = tuple(r.strip() for r in match.group(1).split(",") if r.strip())
        found.append(
            InlineSuppression(
                line=number,
                rules=rules or ("*",),
                reason=match.group(2).strip(),
                standalone=bool(_COMMENT_ONLY.match(line)),
                text=match.group(0).strip(),
            )
        )
    return tuple(found)


def _rule_matches(patterns: Sequence[str], rule_id: str) -> bool:
    return any(p == "*" or p == rule_id or fnmatch.fnmatchcase(rule_id, p) for p in patterns)


def inline_reason(finding: Finding, marks: Sequence[InlineSuppression]) -> str | None:
    """The reason of the inline suppression covering ``finding``, if any (reasonless ones don't count)."""
    start = finding.location.line
    end = max(finding.location.end_line, start)
    for mark in marks:
        covers = start <= mark.line <= end or (mark.standalone and mark.line == start - 1)
        if covers and mark.reason and _rule_matches(mark.rules, finding.rule_id):
            return mark.reason
    return None


def _glob_match(pattern: str | None, value: str) -> bool:
    if pattern is None:
        return True
    return fnmatch.fnmatchcase(value, pattern) or (
        pattern.endswith("/**") and value.startswith(pattern[:-3] + "/")
    )


def config_ignore(finding: Finding, ignores: Sequence[IgnoreEntry]) -> str | None:
    for entry in ignores:
        if _glob_match(entry.rule, finding.rule_id) and _glob_match(entry.path, finding.location.path):
            return f"ignored by config: {entry.reason}"
    return None


def accepted(finding: Finding, risks: Sequence[AcceptedRisk], today: date) -> AcceptedRisk | None:
    """The acceptance covering this finding, if still valid (expired ones come back)."""
    for risk in risks:
        if risk.fingerprint is not None and risk.fingerprint != finding.fingerprint:
            continue
        if risk.fingerprint is None and risk.rule is None and risk.path is None:
            continue
        if not (_glob_match(risk.rule, finding.rule_id) and _glob_match(risk.path, finding.location.path)):
            continue
        if risk.until >= today:
            return risk
    return None


def suppression_reason(
    finding: Finding, marks: Mapping[str, Sequence[InlineSuppression]], config: Config
) -> str | None:
    decided = finding.prop(SUPPRESSED_BY)
    if decided is not None:
        return f"the project's own decision: {decided}"
    reason = inline_reason(finding, marks.get(finding.location.path, ()))
    if reason is not None:
        return f"inline: {reason}"
    return config_ignore(finding, config.ignore)
