"""DAST findings have no line: the engine's one merge must not fold two of them by a shared CWE."""

from __future__ import annotations

from stackaudit.dast import rules
from stackaudit.engine.merge import merge_same_problem
from stackaudit.model import Location


def test_two_lineless_findings_sharing_a_cwe_both_stay() -> None:
    where = Location("stackaudit.toml")
    csp = rules.MISSING_CSP.finding(where, "no CSP", snippet="dast origin dast.missing-csp")
    nosniff = rules.MISSING_NOSNIFF.finding(where, "no nosniff", snippet="dast origin dast.missing-nosniff")
    assert set(csp.cwe) & set(nosniff.cwe)  # the premise: both CWE-693
    kept = merge_same_problem([csp, nosniff])
    assert {f.rule_id for f in kept} == {"dast.missing-csp", "dast.missing-nosniff"}


def test_findings_on_overlapping_lines_still_fold() -> None:
    where = Location("app.py", line=3)
    a = rules.MISSING_CSP.finding(where, "a", snippet="a")
    b = rules.MISSING_NOSNIFF.finding(where, "b", snippet="b")
    assert len(merge_same_problem([a, b])) == 1
