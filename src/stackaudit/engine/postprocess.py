"""Turn raw analyzer output into the run's findings: dedupe, occurrence indexes,
engine findings (suppressions without reasons), context from paths. Pure functions.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from stackaudit.engine.merge import one_per_problem
from stackaudit.engine.rules import SUPPRESSION_WITHOUT_REASON
from stackaudit.engine.suppress import InlineSuppression
from stackaudit.model import CodeContext, Finding, Location, normalise_snippet

_TEST_PATH = re.compile(r"(^|/)(tests?|testing)/|(^|/)(test_[^/]*|[^/]*_tests?\.py|conftest\.py)$")
_SCRIPT_PATH = re.compile(
    r"(^|/)(scripts?|bin|migrations|alembic|management/commands)/|(^|/)(manage|setup)\.py$"
)


def context_from_path(path: str) -> CodeContext:
    if _TEST_PATH.search(path):
        return CodeContext.TEST
    if _SCRIPT_PATH.search(path):
        return CodeContext.SCRIPT
    return CodeContext.UNKNOWN


def _with_context(finding: Finding) -> Finding:
    if finding.context != CodeContext.UNKNOWN:
        return finding
    context = context_from_path(finding.location.path)
    return finding if context == CodeContext.UNKNOWN else dataclasses.replace(finding, context=context)


def dedupe(findings: Sequence[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, int, int, str]] = set()
    unique = []
    for f in sorted(findings, key=lambda f: f.sort_key):
        key = (f.rule_id, f.location.path, f.location.line, f.location.column, normalise_snippet(f.snippet))
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def assign_occurrences(findings: Sequence[Finding]) -> list[Finding]:
    """Index identical matches of one rule in one file, in file order (never by line number)."""
    counters: dict[tuple[str, str, str], int] = defaultdict(int)
    result = []
    for f in sorted(findings, key=lambda f: f.sort_key):
        key = (f.rule_id, f.location.path, normalise_snippet(f.snippet or f.message))
        index = counters[key]
        counters[key] += 1
        result.append(f if index == f.occurrence else dataclasses.replace(f, occurrence=index))
    return result


def reasonless_suppressions(marks: Mapping[str, Sequence[InlineSuppression]]) -> list[Finding]:
    rule = SUPPRESSION_WITHOUT_REASON
    return [
        rule.finding(
            Location(path, mark.line),
            f"suppression of {', '.join(mark.rules)} has no reason, so it suppresses nothing",
            snippet=mark.text,
        )
        for path, items in marks.items()
        for mark in items
        if not mark.reason
    ]


def finalise(
    findings: Sequence[Finding],
    marks: Mapping[str, Sequence[InlineSuppression]],
    disabled_rules: frozenset[str],
    analysed: Callable[[str, str], bool],
    authorities: Mapping[str, tuple[str, str]],
) -> list[Finding]:
    """``analysed(analyzer, path)``: did that analyzer fully analyse that file; ``authorities``:
    ruff code -> (authoritative analyzer, rule) (see merge.supersede)."""
    merged = one_per_problem([*findings, *reasonless_suppressions(marks)], analysed, authorities)
    kept = [_with_context(f) for f in merged if f.rule_id not in disabled_rules]
    return assign_occurrences(dedupe(kept))
