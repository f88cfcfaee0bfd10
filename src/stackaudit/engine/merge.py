"""One finding per problem, across engines and rules. Pure functions.

1. ``merge_with_ruff`` (beside the taint engine) folds a ruff S finding into the
   taint/API finding that covers the same lines.
2. ``supersede``: for rule families where one of our analyzers has the data-flow
   or configuration view that ruff's pattern lacks (injection sinks, timeouts set
   on a session, blocking calls in async code), our analyzer is authoritative on
   every file it analysed: ruff's remaining findings of those codes there are the
   traps our analyzer decided are safe, and are dropped.
3. ``merge_same_problem``: two of our findings on overlapping lines of one file
   that share a CWE are one problem (a pattern rule and a taint flow): the one
   with a trace, then the higher confidence, survives and names the other. Two
   taint findings of one rule from the same source on nested lines (``execute(text(...))``)
   keep the innermost sink.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from stackaudit.analyzers.base import Analyzer
from stackaudit.analyzers.taint.ruff_merge import merge_with_ruff
from stackaudit.model import Finding


def authorities(analyzers: Iterable[type[Analyzer]]) -> dict[str, tuple[str, str]]:
    """ruff code -> (the analyzer authoritative for it, its equivalent rule), from each analyzer."""
    return {code: (a.name, rule) for a in analyzers for code, rule in a.ruff_equivalents.items()}


def _span(f: Finding) -> tuple[int, int]:
    return f.location.line, max(f.location.line, f.location.end_line)


def _overlap(a: Finding, b: Finding) -> bool:
    (a0, a1), (b0, b1) = _span(a), _span(b)
    return a0 <= b1 and b0 <= a1


def supersede(
    findings: Sequence[Finding], analysed: Callable[[str, str], bool], table: Mapping[str, tuple[str, str]]
) -> list[Finding]:
    """Drop ruff findings whose authoritative analyzer fully analysed their file.

    ``analysed(analyzer_name, path)`` says whether that analyzer ran on that file
    without a bound cutting it short.
    """
    kept = []
    for f in findings:
        code = f.rule_id.removeprefix("ruff.") if f.rule_id.startswith("ruff.") else None
        owner = table.get(code) if code else None
        if owner is not None and analysed(owner[0], f.location.path):
            continue
        kept.append(f)
    return kept


def _rank(f: Finding) -> tuple[int, int, int, int]:
    (start, end) = _span(f)
    return (1 if f.trace else 0, int(f.confidence), int(f.severity), -(end - start))


def _same_problem(a: Finding, b: Finding) -> bool:
    if not _overlap(a, b):
        return False
    if a.rule_id == b.rule_id:  # nested sinks of one flow
        return bool(a.trace and b.trace and a.trace[0].location == b.trace[0].location)
    return bool(set(a.cwe) & set(b.cwe))


def merge_same_problem(findings: Sequence[Finding]) -> list[Finding]:
    by_path: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(findings):
        if f.cwe or f.trace:
            by_path[f.location.path].append(i)
    dropped: set[int] = set()
    also: dict[int, list[str]] = defaultdict(list)
    for indexes in by_path.values():
        for x, i in enumerate(indexes):
            for j in indexes[x + 1 :]:
                if i in dropped or j in dropped or not _same_problem(findings[i], findings[j]):
                    continue
                keep, drop = (i, j) if _rank(findings[i]) >= _rank(findings[j]) else (j, i)
                dropped.add(drop)
                also[keep] += [findings[drop].rule_id, *also.pop(drop, [])]  # the dropped one's too
    out = []
    for i, f in enumerate(findings):
        if i in dropped:
            continue
        names = [n for n in dict.fromkeys(also.get(i, ())) if n != f.rule_id]
        if names:
            f = dataclasses.replace(f, properties=(*f.properties, *(("also_reported_by", n) for n in names)))
        out.append(f)
    return out


def one_per_problem(
    findings: Sequence[Finding], analysed: Callable[[str, str], bool], table: Mapping[str, tuple[str, str]]
) -> list[Finding]:
    return merge_same_problem(supersede(merge_with_ruff(findings), analysed, table))
