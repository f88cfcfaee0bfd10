"""merge_with_ruff: one finding per problem."""

from __future__ import annotations

from stackaudit.analyzers.taint import RUFF_EQUIVALENTS, merge_with_ruff
from stackaudit.analyzers.taint.rules import ALL_RULES, SQL_INJECTION
from stackaudit.model import Category, Location, RuleMeta, Severity

RUFF_S608 = RuleMeta("ruff.S608", "SQL built from strings", Category.SECURITY, Severity.MEDIUM, "doc")
RUFF_S311 = RuleMeta("ruff.S311", "random", Category.SECURITY, Severity.LOW, "doc")


def test_equivalents_point_at_our_rules() -> None:
    ids = {rule.id for rule in ALL_RULES}
    assert set(RUFF_EQUIVALENTS.values()) <= ids
    assert all(code.startswith("S") and code[1:].isdigit() for code in RUFF_EQUIVALENTS)


def test_drops_the_covered_ruff_finding_and_annotates_ours() -> None:
    ours = SQL_INJECTION.finding(Location("app.py", 10, 5, 12, 40), "sqli", "cur.execute(q)")
    ruff_same = RUFF_S608.finding(Location("app.py", 11, 9), "S608", "q = ...", tool="ruff")
    ruff_other_line = RUFF_S608.finding(Location("app.py", 30, 1), "S608", "x = ...", tool="ruff")
    ruff_other_file = RUFF_S608.finding(Location("db.py", 11, 1), "S608", "q = ...", tool="ruff")
    ruff_other_rule = RUFF_S311.finding(Location("app.py", 10, 1), "S311", "random.random()", tool="ruff")
    merged = merge_with_ruff([ruff_same, ours, ruff_other_line, ruff_other_file, ruff_other_rule])
    assert [f.rule_id for f in merged] == ["sec.sql-injection", "ruff.S608", "ruff.S608", "ruff.S311"]
    assert merged[0].prop("also_reported_by") == "ruff S608"
    assert merged[0].fingerprint == ours.fingerprint
    assert merged[1] is ruff_other_line


def test_nothing_to_merge_keeps_everything() -> None:
    ruff_only = RUFF_S608.finding(Location("app.py", 11, 9), "S608", "q = ...", tool="ruff")
    assert merge_with_ruff([ruff_only]) == (ruff_only,)
    assert merge_with_ruff([]) == ()
