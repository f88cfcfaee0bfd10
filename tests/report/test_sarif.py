"""SARIF 2.1.0: official-schema validation, GitHub code scanning fields, mapping tables."""

from __future__ import annotations

import copy
import gzip
import hashlib
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from stackaudit.model import (
    AnalyzerState,
    Assessment,
    Category,
    Confidence,
    Factor,
    Location,
    NotAnalysedReason,
    RuleMeta,
    Severity,
)
from stackaudit.report import render, sarif
from stackaudit.report.sarif_limits import Limits

from .golden import check_golden
from .sample import HOSTILE_PATH, RULES, empty_result, sample_result

SARIF_LEVELS = {"none", "note", "warning", "error"}


@pytest.fixture(scope="module")
def validator(sarif_schema: Path) -> Draft4Validator:
    schema = json.loads(sarif_schema.read_text("utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def _doc(result: Any = None, rules: Any = None) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        render(result or sample_result(), "sarif", RULES if rules is None else rules)
    )
    return doc


def _runs(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {run["tool"]["driver"]["name"]: run for run in doc["runs"]}


def test_golden() -> None:
    check_golden("report.sarif", render(sample_result(), "sarif", RULES))


@pytest.mark.parametrize("which", ["sample", "empty", "no-rules"])
def test_validates_against_the_official_schema(validator: Draft4Validator, which: str) -> None:
    doc = {
        "sample": lambda: _doc(),
        "empty": lambda: _doc(empty_result()),
        "no-rules": lambda: _doc(rules={}),
    }[which]()
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, [e.message for e in errors[:3]]


def test_schema_catches_a_broken_document(validator: Draft4Validator) -> None:
    """Negative control: validation is real, not a formality."""
    doc = copy.deepcopy(_doc())
    doc["runs"][0]["results"][0]["level"] = "fatal"
    del doc["runs"][1]["tool"]["driver"]["name"]
    assert len(list(validator.iter_errors(doc))) >= 2


def test_one_run_per_tool_stackaudit_first() -> None:
    doc = _doc()
    assert [r["tool"]["driver"]["name"] for r in doc["runs"]] == ["stackaudit", "zizmor", "ruff"]
    runs = _runs(doc)
    assert {r["ruleId"] for r in runs["ruff"]["results"]} == {"ruff.S113"}
    assert runs["ruff"]["tool"]["driver"]["version"] == "0.8.0"
    ids = [r["automationDetails"]["id"] for r in doc["runs"]]
    assert len(set(ids)) == len(ids)
    total = sum(len(r["results"]) for r in doc["runs"])
    assert total == len(sample_result().findings) + len(sample_result().suppressed)


def test_rule_index_points_at_the_rule() -> None:
    for run in _doc()["runs"]:
        rules = run["tool"]["driver"]["rules"]
        assert len({r["id"] for r in rules}) == len(rules)
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_rules_carry_what_code_scanning_needs() -> None:
    rules = {r["id"]: r for r in _runs(_doc())["stackaudit"]["tool"]["driver"]["rules"]}
    sqli = rules["sec.sql-injection"]
    assert sqli["name"] == "SecSqlInjection"
    assert sqli["shortDescription"]["text"] == "SQL built from request data"
    assert sqli["fullDescription"]["text"].startswith("Finds SQL text built from request data")
    assert "Fix: pass parameters separately" in sqli["help"]["text"]
    assert sqli["help"]["markdown"] == RULES["sec.sql-injection"].doc
    props = sqli["properties"]
    assert props["security-severity"] == "8.0" and props["precision"] == "high"
    assert props["tags"] == ["security", "external/cwe/cwe-89"]
    sca = rules["sca.vulnerable-dependency"]["properties"]["tags"]
    assert sca == ["supply-chain", "security", "external/cwe/cwe-1395", "sca"]
    perf = rules["perf.n-plus-one"]["properties"]["tags"]
    assert perf == ["performance"]


def test_results_locations_fingerprints_and_flows() -> None:
    runs = _runs(_doc())
    by_rule = {r["ruleId"]: r for r in runs["stackaudit"]["results"]}
    sqli = by_rule["sec.sql-injection"]
    assert sqli["level"] == "error"
    phys = sqli["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "app/views.py", "uriBaseId": "%SRCROOT%"}
    assert phys["region"] == {
        "startLine": 41,
        "startColumn": 9,
        "endLine": 41,
        "endColumn": 40,
        "snippet": {"text": "sql = base + q"},
    }
    fp = next(
        a for a in sample_result().findings if a.finding.rule_id == "sec.sql-injection"
    ).finding.fingerprint
    assert sqli["partialFingerprints"] == {"stackaudit/v1": fp}
    flow = sqli["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [step["kinds"] for step in flow] == [["source"], ["step"], ["sink"]]
    assert flow[2]["location"]["physicalLocation"]["artifactLocation"]["uri"] == "app/db.py"
    assert flow[0]["location"]["message"]["text"] == 'request.args["q"]'
    assert sqli["relatedLocations"][0]["id"] == 1
    assert "codeFlows" not in by_rule["perf.n-plus-one"]
    assert by_rule["perf.n-plus-one"]["properties"]["evidence"] == [
        "nplusone: 51 similar SELECT order_items queries in one GET /orders request"
    ]


def test_hostile_path_is_a_percent_encoded_relative_uri() -> None:
    results = _runs(_doc())["stackaudit"]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert "app/%5Bred%5Dx%1B%5B2J.py" in uris
    assert all(not u.startswith("/") and "://" not in u for u in uris)
    assert HOSTILE_PATH not in json.dumps(uris)


def test_suppressed_results_carry_a_suppression() -> None:
    results = _runs(_doc())["stackaudit"]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"] == [
        {"kind": "inSource", "justification": "one-off script, run by hand"}
    ]


def test_invocations_report_skips_failures_and_not_analysed_files() -> None:
    runs = _runs(_doc())
    inv = runs["stackaudit"]["invocations"][0]
    assert inv["executionSuccessful"] is False  # the migrations analyzer failed
    notes = {n["descriptor"]["id"]: n for n in inv["toolExecutionNotifications"]}
    assert notes["analyzer-failed"]["level"] == "error"
    assert notes["analyzer-skipped"]["level"] == "note"
    assert (
        notes["not-analysed-syntax-error"]["message"]["text"]
        == "not analysed (syntax-error): line 3: invalid syntax"
    )
    assert notes["run-notice"]["level"] == "warning"
    zizmor = runs["zizmor"]["invocations"][0]
    assert zizmor["executionSuccessful"] is True
    assert [n["descriptor"]["id"] for n in zizmor["toolExecutionNotifications"]] == ["analyzer-partial"]
    ruff = runs["ruff"]["invocations"][0]
    assert ruff["executionSuccessful"] is True
    assert ruff["toolExecutionNotifications"] == [
        {
            "level": "note",
            "message": {"text": "analyzer ruff ok: rules S101 and E501 disabled by config"},
            "descriptor": {"id": "analyzer-ok"},
        }
    ]
    assert "python-ast" not in json.dumps(inv)  # ok and nothing to say


def test_version_control_provenance_only_with_a_commit() -> None:
    run = _doc()["runs"][0]
    vcp = run["versionControlProvenance"][0]
    assert vcp["revisionId"] == sample_result().run.commit and vcp["branch"] == "main"
    assert vcp["repositoryUri"] == "file:///srv/checkouts/shop-api"
    assert "versionControlProvenance" not in _doc(empty_result())["runs"][0]


def test_empty_run_still_has_the_stackaudit_run() -> None:
    doc = _doc(empty_result())
    assert len(doc["runs"]) == 1 and doc["runs"][0]["results"] == []
    assert doc["runs"][0]["invocations"] == [{"executionSuccessful": True}]


# ----- explicit mapping tables: every level of every enum is covered -----


def test_tables_cover_every_level() -> None:
    assert set(sarif.LEVEL) == set(Severity)
    assert set(sarif.SECURITY_SEVERITY) == set(Severity)
    assert set(sarif.PROBLEM_SEVERITY) == set(Severity)
    assert set(sarif.PRECISION) == set(Confidence)
    assert set(sarif.ANALYZER_LEVEL) == set(AnalyzerState)
    assert set(sarif.NOT_ANALYSED_LEVEL) == set(NotAnalysedReason)
    assert set(sarif.NOT_ANALYSED_LEVEL.values()) <= SARIF_LEVELS
    assert set(sarif.ANALYZER_LEVEL.values()) <= SARIF_LEVELS


# GitHub's bands for security-severity: > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_BANDS = {
    Severity.CRITICAL: (9.0, 10.0),
    Severity.HIGH: (7.0, 8.9),
    Severity.MEDIUM: (4.0, 6.9),
    Severity.LOW: (0.1, 3.9),
    Severity.INFO: (0.0, 0.0),
}
_EXPECTED_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


@pytest.mark.parametrize("severity", list(Severity), ids=lambda s: s.label)
def test_each_severity_maps_to_level_and_security_severity(severity: Severity) -> None:
    rule = RuleMeta("sec.demo", "Demo", Category.SECURITY, severity, "Demo rule.\n\nMore.")
    item = sample_result().findings[0]
    finding = rule.finding(Location("a.py", 1, 1), "demo", "x = 1")
    result = replace(sample_result(), findings=(replace(item, finding=finding),), suppressed=())
    run = _doc(result, {"sec.demo": rule})["runs"][0]
    assert run["results"][0]["level"] == _EXPECTED_LEVEL[severity]
    props = run["tool"]["driver"]["rules"][0]["properties"]
    low, high = _BANDS[severity]
    assert low <= float(props["security-severity"]) <= high


def test_rule_name_is_pascal_case() -> None:
    assert sarif.rule_name("perf.n-plus-one") == "PerfNPlusOne"
    assert sarif.rule_name("ruff.S113") == "RuffS113"
    assert sarif.rule_name("...") == "Rule"


def test_unknown_rule_descriptor_comes_from_the_finding() -> None:
    rule = _runs(_doc())["ruff"]["tool"]["driver"]["rules"][0]
    assert rule["id"] == "ruff.S113" and rule["shortDescription"]["text"] == "ruff.S113"
    assert rule["defaultConfiguration"]["level"] == "warning"
    assert "external/cwe/cwe-400" in rule["properties"]["tags"]


@pytest.mark.parametrize(
    ("loc", "region"),
    [
        (Location("req.txt"), {"startLine": 1}),  # whole file: line 1 (GitHub needs a start line)
        (Location("a.py", 3), {"startLine": 3}),
        (Location("a.py", 3, 0, 5, 0), {"startLine": 3, "endLine": 5}),
        (Location("a.py", 3, 4, 3, 2), {"startLine": 3, "startColumn": 4, "endLine": 3}),  # bad end column
        (Location("a.py", 5, 1, 2, 9), {"startLine": 5, "startColumn": 1}),  # end before start
    ],
)
def test_regions_are_valid_for_partial_positions(
    validator: Draft4Validator, loc: Location, region: Any
) -> None:
    item = sample_result().findings[0]
    finding = RULES["perf.n-plus-one"].finding(loc, "m")
    result = replace(sample_result(), findings=(replace(item, finding=finding),), suppressed=())
    doc = _doc(result)
    assert not list(validator.iter_errors(doc))
    physical = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical.get("region") == region


# ----- GitHub's limits: results per run, runs, gzipped size; cut by score, and said -----


def _scored(count: int, tool: str = "stackaudit", noise: bool = False) -> tuple[Assessment, ...]:
    """``count`` findings with distinct, descending scores (random snippets defeat gzip when ``noise``)."""
    base = sample_result().findings[0]
    rule = RULES["perf.n-plus-one"]
    out = []
    for i in range(count):
        snippet = (
            "".join(hashlib.sha256(f"{i}.{k}".encode()).hexdigest() for k in range(8)) if noise else f"x{i}"
        )
        finding = rule.finding(Location(f"m{i}.py", 1), f"m{i}", snippet, tool=tool)
        score = replace(base.score, impact=Factor(10 - i / (count + 1), ()))
        out.append(replace(base, finding=finding, score=score))
    return tuple(out)


def test_results_per_run_are_cut_by_score_and_the_cut_is_said(validator: Draft4Validator) -> None:
    items = _scored(12)
    result = replace(sample_result(), findings=items, suppressed=())
    doc = json.loads(sarif.render(result, RULES, Limits(results_per_run=5)))
    assert not list(validator.iter_errors(doc))
    run = doc["runs"][0]
    assert [r["message"]["text"] for r in run["results"]] == [f"m{i}" for i in range(5)]  # highest kept
    cut = run["properties"]["stackaudit/cut"]
    assert (cut["resultsTotal"], cut["resultsIncluded"], cut["resultsCut"]) == (12, 5, 7)
    assert cut["lowestScoreKept"] == items[4].score.value
    notes = [
        n
        for n in run["invocations"][0]["toolExecutionNotifications"]
        if n["descriptor"]["id"] == "results-cut"
    ]
    assert "7 of 12 results not included" in notes[0]["message"]["text"]
    assert "at most 5 results per run" in notes[0]["message"]["text"]


def test_at_most_twenty_runs_lowest_engines_left_out() -> None:
    items = tuple(
        item for n in range(25) for item in _scored(1, tool=f"engine{n:02d}")
    )  # every engine's single finding has the same score: the first ones by order are kept
    doc = json.loads(sarif.render(replace(sample_result(), findings=items, suppressed=()), RULES))
    names = [r["tool"]["driver"]["name"] for r in doc["runs"]]
    assert len(names) == 20 and names[0] == "stackaudit"
    dropped = doc["runs"][0]["properties"]["stackaudit/runsCut"]
    assert len(dropped) == 6 and {d["tool"] for d in dropped}.isdisjoint(names)


def test_gzipped_size_stays_under_the_limit(validator: Draft4Validator) -> None:
    items = _scored(800, noise=True)
    limits = Limits(gzip_bytes=200_000, reserve_bytes=40_000)
    text = sarif.render(replace(sample_result(), findings=items, suppressed=()), RULES, limits)
    assert len(gzip.compress(text.encode())) <= limits.gzip_bytes
    doc = json.loads(text)
    assert not list(validator.iter_errors(doc))
    run = doc["runs"][0]
    kept = len(run["results"])
    assert 0 < kept < 800
    assert [r["message"]["text"] for r in run["results"]] == [f"m{i}" for i in range(kept)]
    assert "MB gzipped" in run["properties"]["stackaudit/cut"]["reasons"][0]


def test_every_result_has_a_start_line_repository_findings_point_at_their_fix_file() -> None:
    base = sample_result().findings[0]
    rule = RULES["perf.n-plus-one"]
    unsigned = rule.finding(
        Location(".git"), "unsigned commits", properties=(("fix_path", ".github/CODEOWNERS"),)
    )
    owners = rule.finding(Location("CODEOWNERS"), "no owners")
    result = replace(
        sample_result(), findings=(replace(base, finding=unsigned), replace(base, finding=owners))
    )
    doc = json.loads(sarif.render(result, RULES))
    physical = [r["locations"][0]["physicalLocation"] for run in doc["runs"] for r in run["results"]]
    assert all(p["region"]["startLine"] >= 1 for p in physical)
    assert physical[0] == {
        "artifactLocation": {"uri": ".github/CODEOWNERS", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }
    assert physical[1]["artifactLocation"]["uri"] == "CODEOWNERS" and physical[1]["region"] == {
        "startLine": 1
    }
    sample = json.loads(sarif.render(sample_result(), RULES))
    assert all(
        r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
        for run in sample["runs"]
        for r in run["results"]
    )


def test_written_as_a_stream_equals_the_rendered_text() -> None:
    out = io.StringIO()
    sarif.write(sample_result(), RULES, out)
    assert out.getvalue() == sarif.render(sample_result(), RULES)
