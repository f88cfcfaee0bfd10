"""The one merge mechanism (engine/merge.py): fold, prove, mark the origin, supersede."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from stackaudit.analyzers import registry
from stackaudit.analyzers.taint import RUFF_EQUIVALENTS
from stackaudit.analyzers.taint.rules import ALL_RULES
from stackaudit.engine import merge
from stackaudit.engine.merge import (
    NO_SOURCE,
    NOT_TRACED,
    authorities,
    merge_same_problem,
    one_per_problem,
    supersede,
)
from stackaudit.model import Category, Confidence, Location, RuleMeta, SafetyProof, Severity, TraceStep

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
SECRET = RuleMeta(
    id="secrets.generic", title="s", category=Category.SECURITY, severity=Severity.HIGH, doc="d", cwe=(798,)
)


def _ruff(code: str, category: Category, cwe: tuple[int, ...], line: int, path: str = "app.py"):
    rule = RuleMeta(id=f"ruff.{code}", title="r", category=category, severity=Severity.HIGH, doc="d", cwe=cwe)
    return rule.finding(Location(path, line), "m", f"snippet{line}", tool="ruff", confidence=Confidence.LOW)


SOURCE = TraceStep(Location("app.py", 17), "request.args", "source")
TABLE = authorities(registry.all_analyzers())


def _taint(line: int, end: int = 0):
    return TAINT.finding(
        Location("app.py", line, end_line=end),
        "m",
        f"sink{line}",
        trace=(SOURCE, TraceStep(Location("app.py", line), "sink", "sink")),
    )


def _everything_analysed(analyzer: str, path: str) -> bool:
    return True


def test_the_engine_imports_no_analyzer() -> None:
    tree = ast.parse(Path(merge.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    analyzers = {m for m in imported if m and m.startswith("stackaudit.analyzers")}
    assert analyzers == {"stackaudit.analyzers.base"}


def test_taint_equivalents_point_at_taint_rules() -> None:
    ids = {rule.id for rule in ALL_RULES}
    assert set(RUFF_EQUIVALENTS.values()) <= ids
    assert TABLE["S608"] == ("taint", "sec.sql-injection")


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


def test_ruff_covered_by_a_flow_folds_into_it() -> None:
    s608 = _ruff("S608", Category.SECURITY, (89,), 20)
    merged = one_per_problem([_taint(20), s608], (), _everything_analysed, TABLE)
    assert [f.rule_id for f in merged] == ["sec.sql-injection"]
    assert ("also_reported_by", "ruff.S608") in merged[0].properties


def test_ruff_without_flow_or_proof_stays_unconfirmed_with_the_reason() -> None:
    s608 = _ruff("S608", Category.SECURITY, (89,), 5)
    (kept,) = one_per_problem([s608], (), _everything_analysed, TABLE)
    assert kept.prop("origin") == "unconfirmed" and kept.prop("origin_reason") == NO_SOURCE
    (untraced,) = one_per_problem([s608], (), lambda a, p: False, TABLE)
    assert untraced.prop("origin_reason") == NOT_TRACED


def test_only_a_proof_sharing_a_cwe_on_overlapping_lines_drops_a_pattern() -> None:
    s608 = _ruff("S608", Category.SECURITY, (89,), 5)
    ours = PATTERN.finding(Location("app.py", 6), "m", "q")
    proof = SafetyProof("app.py", 4, 6, (89,), "the query is parameterised")
    assert one_per_problem([s608, ours], (proof,), _everything_analysed, TABLE) == []
    elsewhere = (
        SafetyProof("app.py", 7, 9, (89,), "r"),
        SafetyProof("db.py", 5, 5, (89,), "r"),
        SafetyProof("app.py", 5, 5, (78,), "r"),
    )
    assert len(one_per_problem([s608], elsewhere, _everything_analysed, TABLE)) == 1


def test_sinks_dangerous_whatever_the_origin_survive_a_proof() -> None:
    yaml_load = _ruff("S506", Category.SECURITY, (502,), 5)
    shell = _ruff("S602", Category.SECURITY, (78,), 8)
    proofs = (SafetyProof("app.py", 1, 10, (502, 78), "no source reaches it"),)
    kept = one_per_problem([yaml_load, shell], proofs, _everything_analysed, TABLE)
    assert [f.rule_id for f in kept] == ["ruff.S506", "ruff.S602"]
    assert all(f.prop("origin") == "unconfirmed" for f in kept)


def test_performance_codes_are_superseded_where_their_analyzer_ran() -> None:
    s113 = _ruff("S113", Category.SCALABILITY, (400,), 3, "client.py")
    s608 = _ruff("S608", Category.SECURITY, (89,), 5)
    assert supersede([s608, s113], lambda analyzer, path: analyzer == "python-rules", TABLE) == [s608]
    assert supersede([s608, s113], lambda analyzer, path: False, TABLE) == [s608, s113]
    assert supersede([s608], _everything_analysed, TABLE) == [s608]  # security: only a proof


def test_password_name_hint_folds_into_the_secrets_finding() -> None:
    s105 = _ruff("S105", Category.SECURITY, (259,), 12)
    secret = SECRET.finding(Location("app.py", 12), "a key", "KEY = 'AKIA…'", confidence=Confidence.HIGH)
    (kept,) = merge_same_problem([s105, secret], TABLE)
    assert kept.rule_id == "secrets.generic" and kept.prop("also_reported_by") == "ruff.S105"


def test_annotations_survive_a_chain_of_merges() -> None:
    outer, inner = _taint(19, 21), _taint(20)
    pattern = PATTERN.finding(Location("app.py", 19), "m", "execute(text(f'...'))")
    merged = merge_same_problem([outer, pattern, inner])
    assert merged == [dataclasses.replace(inner, properties=(("also_reported_by", "sec.sql-string-built"),))]


def test_our_rule_survives_ruffs_pattern_for_the_same_problem() -> None:
    weak = RuleMeta(
        id="sec.weak-hash", title="w", category=Category.SECURITY, severity=Severity.LOW, doc="d", cwe=(328,)
    )
    ours = weak.finding(Location("app.py", 3), "m", "hashlib.md5(x)", confidence=Confidence.LOW)
    s324 = _ruff("S324", Category.SECURITY, (328,), 3)
    (kept,) = merge_same_problem([s324, ours], TABLE)
    assert kept.rule_id == "sec.weak-hash" and kept.prop("also_reported_by") == "ruff.S324"


def test_a_literal_input_has_no_origin_to_confirm() -> None:
    shell = dataclasses.replace(
        _ruff("S602", Category.SECURITY, (78,), 4), properties=(("input", "constant"),)
    )
    (kept,) = one_per_problem([shell], (), _everything_analysed, TABLE)
    assert kept.prop("origin") is None
