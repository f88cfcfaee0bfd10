from __future__ import annotations

import dataclasses

from stackaudit.model import Category, Location, RuleMeta, Severity, fingerprint

RULE = RuleMeta(id="perf.test", title="t", category=Category.PERFORMANCE, severity=Severity.HIGH, doc="d")


def test_line_number_is_not_identity() -> None:
    a = RULE.finding(Location("app.py", 10), "m", "session.query(User).get(i)")
    b = RULE.finding(Location("app.py", 250), "m", "session.query(User).get(i)")
    assert a.fingerprint == b.fingerprint


def test_whitespace_reflow_keeps_identity() -> None:
    assert fingerprint("r", "p.py", "f(a,\n     b)") == fingerprint("r", "p.py", "f(a, b)")


def test_rule_path_code_and_occurrence_are_identity() -> None:
    base = fingerprint("r", "p.py", "x()")
    assert base != fingerprint("r2", "p.py", "x()")
    assert base != fingerprint("r", "q.py", "x()")
    assert base != fingerprint("r", "p.py", "y()")
    assert base != fingerprint("r", "p.py", "x()", occurrence=1)


def test_replace_recomputes_fingerprint() -> None:
    a = RULE.finding(Location("app.py", 1), "m", "x()")
    b = dataclasses.replace(a, occurrence=1)
    assert a.fingerprint != b.fingerprint
    assert b.fingerprint == fingerprint("perf.test", "app.py", "x()", 1)
