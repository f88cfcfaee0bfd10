from __future__ import annotations

import dataclasses

from stackaudit.analyzers import registry
from stackaudit.engine.merge import authorities, merge_same_problem, one_per_problem, supersede
from stackaudit.model import Category, Confidence, Location, RuleMeta, Severity, TraceStep

TAINT = RuleMeta(
    id="sec.sql-injection",
    title="t",
    category=Category.SECURITY,
    severity=Severity.CRITICAL,
    doc="d",
    cwe=(89,),
)
PATTERN = RuleMeta(
    id="sec.sql-string-built",
    title="p",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    doc="d",
    cwe=(89,),
)
RUFF_S608 = RuleMeta(
    id="ruff.S608", title="r", category=Category.SECURITY, severity=Severity.MEDIUM, doc="d", cwe=(89,)
)
RUFF_S113 = RuleMeta(
    id="ruff.S113", title="r", category=Category.SCALABILITY, severity=Severity.MEDIUM, doc="d"
)
SOURCE = TraceStep(Location("app.py", 17), "request.args", "source")


def _taint(line: int, end: int = 0):
    return TAINT.finding(
        Location("app.py", line, end_line=end),
        "m",
        f"sink{line}",
        trace=(SOURCE, TraceStep(Location("app.py", line), "sink", "sink")),
    )


def test_pattern_rule_folds_into_the_taint_flow_on_the_same_lines() -> None:
    flow = _taint(20)
    pattern = PATTERN.finding(Location("app.py", 20), "m", "text(f'...')", confidence=Confidence.MEDIUM)
    merged = merge_same_problem([pattern, flow])
    assert [f.rule_id for f in merged] == ["sec.sql-injection"]
    assert ("also_reported_by", "sec.sql-string-built") in merged[0].properties


def test_nested_sinks_of_one_flow_keep_the_innermost() -> None:
    outer, inner = _taint(19, 21), _taint(20)
    assert merge_same_problem([outer, inner]) == [inner]


def test_different_problems_are_kept() -> None:
    other_file = PATTERN.finding(Location("other.py", 20), "m", "x")
    other_line = PATTERN.finding(Location("app.py", 40), "m", "y")
    assert len(merge_same_problem([_taint(20), other_file, other_line])) == 3


def test_ruff_is_superseded_only_where_the_authority_analysed_the_file() -> None:
    s608 = RUFF_S608.finding(Location("app.py", 5), "m", "q")
    s113 = RUFF_S113.finding(Location("client.py", 3), "m", "requests.get(u)")
    table = authorities(registry.all_analyzers())
    kept = supersede([s608, s113], lambda analyzer, path: analyzer == "taint", table)
    assert kept == [s113]
    assert supersede([s608, s113], lambda analyzer, path: False, table) == [s608, s113]
    assert table["S113"] == ("python-rules", "scale.no-timeout")


def test_ruff_on_the_same_lines_is_named_on_the_survivor() -> None:
    flow = _taint(20)
    s608 = RUFF_S608.finding(Location("app.py", 20), "m", "q")
    merged = one_per_problem([flow, s608], lambda a, p: False, authorities(registry.all_analyzers()))
    assert [f.rule_id for f in merged] == ["sec.sql-injection"]
    assert ("also_reported_by", "ruff S608") in merged[0].properties


def test_annotations_survive_a_chain_of_merges() -> None:
    outer, inner = _taint(19, 21), _taint(20)
    pattern = PATTERN.finding(Location("app.py", 19), "m", "execute(text(f'...'))")
    merged = merge_same_problem([outer, pattern, inner])
    assert merged == [dataclasses.replace(inner, properties=(("also_reported_by", "sec.sql-string-built"),))]
