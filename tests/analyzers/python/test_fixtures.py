"""Exact rule+line sets on positive fixtures; nothing at all on negative fixtures."""

from __future__ import annotations

import pytest

from tests.analyzers.python.corpus import FIXTURES, Case, actual, cases, expected

CASES = cases()


def _id(case: Case) -> str:
    return case.rel


@pytest.mark.parametrize("case", [c for c in CASES if c.polarity == "positive"], ids=_id)
def test_positive_fixture_exact(case: Case) -> None:
    want = expected(case.path)
    assert any(rule == case.rule for rule, _ in want), f"{case.rel} declares no {case.rule} finding"
    got = actual(case)
    assert sorted(got) == sorted(want), f"missing {sorted(want - got)}, unexpected {sorted(got - want)}"


@pytest.mark.parametrize("case", [c for c in CASES if c.polarity == "negative"], ids=_id)
def test_negative_fixture_empty(case: Case) -> None:
    assert not expected(case.path), "negative fixtures declare no expectations"
    assert sorted(actual(case)) == []


def test_every_rule_has_positive_and_negative_fixtures() -> None:
    from stackaudit.analyzers.python.analyzer import PythonRulesAnalyzer

    for rule in PythonRulesAnalyzer.rules:
        for polarity in ("positive", "negative"):
            assert list((FIXTURES / rule.id / polarity).glob("*.py")), f"no {polarity} fixture for {rule.id}"
