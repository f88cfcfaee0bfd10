"""One finding per problem, across engines and rules: the one merge mechanism. Pure functions.

Analyzers declare the ruff codes they judge with more context (``ruff_equivalents``) and
the sink sites they prove safe (``SafetyProof``); this module is the only place that acts
on either (the engine imports no analyzer). In order:

1. ``merge_same_problem``: two findings on overlapping lines of one file that share a CWE
   (or where one is ruff's code for the other's rule) are one problem: the one with a
   trace, then the higher confidence, survives and names the other (``also_reported_by``).
   A ruff finding covered by a taint flow or a secrets finding folds into it. Two taint
   findings of one rule from the same source on nested lines (``execute(text(...))``)
   keep the innermost sink.
2. ``drop_proven``: a pattern finding (ruff's or ours: no trace) is dropped when, and only
   when, a ``SafetyProof`` on overlapping lines of the same file shares a CWE with it.
   Sinks dangerous whatever the input (unsafe YAML loaders, pickle/marshal, a shell,
   eval/exec, XML parsers) are never dropped by a proof.
3. ``mark_origin``: a ruff finding at an input-driven sink that survived (no flow covers
   it, no proof) stays, marked *unconfirmed*: its value's origin is unknown, not safe
   (DESIGN.md, "Signal", 1).
4. ``supersede``: for performance and scale codes (timeouts, blocking calls in async code)
   the declaring analyzer's AST view is exact (it sees session defaults and executors):
   where it fully analysed a file, its silence is a decision and ruff's finding there is
   dropped. Security codes are never superseded this way: only a proof removes them.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from stackaudit.analyzers.base import Analyzer
from stackaudit.model import Category, Finding, SafetyProof, Severity

Analysed = Callable[[str, str], bool]  # (analyzer name, path) -> fully analysed that file
Authorities = Mapping[str, tuple[str, str]]  # ruff code -> (analyzer, its equivalent rule)

# A child CWE counted as its parent when deciding "same problem": a hard-coded password
# (259) is a hard-coded credential (798), which the secrets detectors report.
_CWE_PARENT = {259: 798, 321: 798}

# Sinks whose danger does not depend on where the value comes from (issue 8, section 2).
DANGEROUS_RUFF = frozenset(
    {"S102", "S307", "S301", "S302", "S506", "S602", "S604", "S605", *(f"S{n}" for n in range(313, 321))}
)
DANGEROUS_CWE = frozenset({502, 611, 94, 95})

# Vulnerability classes whose finding depends on the value's origin (injection-like sinks).
INPUT_CWE = frozenset({20, 22, 78, 79, 89, 90, 94, 95, 113, 117, 155, 502, 601, 611, 643, 918})

# ruff fires on every mark_safe()/Markup() call. The taint engine analyses each function that
# makes one (a root even without a source): a request flow there is its own sec.xss finding, a
# stored value its unconfirmed one, a constant or escaped value a proof. What is left is a
# helper's parameter or a translated message: 0 of 14 labelled true on the review set (one
# debatable self-XSS), so it stays, low.
MARK_SAFE_RUFF = frozenset({"S308", "S704"})

NO_SOURCE = "no data-flow source was found for this value; its origin is unknown"
NOT_TRACED = "the data-flow analysis did not complete on this file; the value's origin is unknown"


def authorities(analyzers: Iterable[type[Analyzer]]) -> dict[str, tuple[str, str]]:
    """ruff code -> (the analyzer authoritative for it, its equivalent rule), from each analyzer."""
    return {code: (a.name, rule) for a in analyzers for code, rule in a.ruff_equivalents.items()}


def ruff_code(f: Finding) -> str | None:
    return f.rule_id.removeprefix("ruff.") if f.rule_id.startswith("ruff.") else None


def _cwes(cwe: Iterable[int]) -> set[int]:
    return {_CWE_PARENT.get(c, c) for c in cwe}


def _span(f: Finding) -> tuple[int, int]:
    return f.location.line, max(f.location.line, f.location.end_line)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _rank(f: Finding) -> tuple[int, int, int, int, int]:
    """The survivor of a merge: a data flow, then our own rule over ruff's pattern for it
    (ours knows more context), then confidence, severity, and the narrower span."""
    (start, end) = _span(f)
    return (1 if f.trace else 0, 0 if ruff_code(f) else 1, int(f.confidence), int(f.severity), -(end - start))


def _equivalent(a: Finding, b: Finding, table: Authorities) -> bool:
    for x, y in ((a, b), (b, a)):
        code = ruff_code(x)
        owner = table.get(code) if code else None
        if owner is not None and owner[1] == y.rule_id:
            return True
    return False


def _same_problem(a: Finding, b: Finding, table: Authorities) -> bool:
    # A finding with no line (a whole file, a running service seen by the DAST) has no span:
    # sharing a CWE with another such finding does not make them one problem.
    if not a.location.line or not b.location.line or not _overlap(_span(a), _span(b)):
        return False
    if a.rule_id == b.rule_id:  # nested sinks of one flow
        return bool(a.trace and b.trace and a.trace[0].location == b.trace[0].location)
    return bool(_cwes(a.cwe) & _cwes(b.cwe)) or _equivalent(a, b, table)


def merge_same_problem(findings: Sequence[Finding], table: Authorities | None = None) -> list[Finding]:
    table = table or {}
    by_path: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(findings):
        if f.cwe or f.trace or ruff_code(f) in table:
            by_path[f.location.path].append(i)
    dropped: set[int] = set()
    also: dict[int, list[str]] = defaultdict(list)
    for indexes in by_path.values():
        for x, i in enumerate(indexes):
            for j in indexes[x + 1 :]:
                if i in dropped or j in dropped or not _same_problem(findings[i], findings[j], table):
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


def dangerous_whatever_the_origin(f: Finding) -> bool:
    code = ruff_code(f)
    return code in DANGEROUS_RUFF if code is not None else bool(set(f.cwe) & DANGEROUS_CWE)


def drop_proven(findings: Sequence[Finding], proofs: Sequence[SafetyProof]) -> list[Finding]:
    """Drop pattern findings a proof covers (same file, overlapping lines, a shared CWE)."""
    by_path: dict[str, list[SafetyProof]] = defaultdict(list)
    for proof in proofs:
        by_path[proof.path].append(proof)

    def proven(f: Finding) -> bool:
        if f.trace or dangerous_whatever_the_origin(f):
            return False
        mine = _cwes(f.cwe)
        return any(
            _overlap(_span(f), (p.line, max(p.line, p.end_line))) and mine & _cwes(p.cwe)
            for p in by_path.get(f.location.path, ())
        )

    return [f for f in findings if not proven(f)]


def mark_origin(f: Finding, analysed: Analysed, table: Authorities) -> Finding:
    """A surviving ruff finding at an input-driven sink: origin unconfirmed, with the reason."""
    code = ruff_code(f)
    owner = table.get(code) if code else None
    if owner is None or f.prop("origin") is not None or not set(f.cwe) & INPUT_CWE:
        return f
    if f.prop("input") == "constant":  # the pattern engine saw a literal: no origin to trace
        return f
    reason = NO_SOURCE if analysed(owner[0], f.location.path) else NOT_TRACED
    severity = f.severity
    if code in MARK_SAFE_RUFF and analysed(owner[0], f.location.path):
        severity = min(severity, Severity.LOW)
    return dataclasses.replace(
        f,
        severity=severity,
        properties=(*f.properties, ("origin", "unconfirmed"), ("origin_reason", reason)),
    )


def supersede(findings: Sequence[Finding], analysed: Analysed, table: Authorities) -> list[Finding]:
    """Drop ruff's performance/scale findings where the authoritative analyzer analysed the file."""
    kept = []
    for f in findings:
        code = ruff_code(f)
        owner = table.get(code) if code else None
        if owner is not None and f.category != Category.SECURITY and analysed(owner[0], f.location.path):
            continue
        kept.append(f)
    return kept


def one_per_problem(
    findings: Sequence[Finding],
    proofs: Sequence[SafetyProof],
    analysed: Analysed,
    table: Authorities,
) -> list[Finding]:
    merged = merge_same_problem(findings, table)
    kept = supersede(drop_proven(merged, proofs), analysed, table)
    return [mark_origin(f, analysed, table) for f in kept]
