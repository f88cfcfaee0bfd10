"""JSON report v1: golden file, schema validation, explicit field mapping."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
from dataclasses import replace
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from stackaudit.model import (
    AnalyzerRecord,
    Evidence,
    Finding,
    FixedFinding,
    GateVerdict,
    Location,
    NotAnalysed,
    Run,
    TraceStep,
    VulnerabilityInfo,
)
from stackaudit.report import json_v1, render

from .golden import check_golden
from .sample import RULES, empty_result, sample_result


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json_v1.load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render(sample_result(), "json", RULES))
    return doc


def test_golden() -> None:
    check_golden("report.json", render(sample_result(), "json", RULES))


def test_sample_and_empty_reports_validate(validator: Draft202012Validator) -> None:
    for result in (sample_result(), empty_result()):
        doc = json.loads(render(result, "json", RULES))
        errors = sorted(validator.iter_errors(doc), key=str)
        assert not errors, errors[:3]


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("schema_version",), "2.0"),
        (("findings", 0, "severity"), "urgent"),
        (("findings", 0, "score", "impact"), 8),
        (("findings", 0, "fingerprint"), "not-a-hash"),
        (("run", "analyzers", 0, "state"), "crashed"),
        (("gate", "passed"), "no"),
    ],
)
def test_schema_rejects_broken_documents(
    validator: Draft202012Validator, path: tuple[Any, ...], bad: Any
) -> None:
    """Negative control: the schema is strict enough to catch drift."""
    doc = copy.deepcopy(_doc())
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad
    assert list(validator.iter_errors(doc))


def test_unknown_field_is_rejected(validator: Draft202012Validator) -> None:
    doc = _doc()
    doc["findings"][0]["surprise"] = 1
    assert list(validator.iter_errors(doc))


def test_top_level_shape_and_order() -> None:
    doc = _doc()
    assert list(doc) == ["schema_version", "run", "findings", "suppressed", "fixed", "gate"]
    assert doc["schema_version"] == "1.0"
    assert [f["fingerprint"] for f in doc["findings"]] == [
        a.finding.fingerprint for a in sample_result().findings
    ], "findings keep the ranked order they were given"


def test_finding_fields() -> None:
    doc = _doc()
    by_rule = {f["rule_id"]: f for f in doc["findings"]}
    sqli = by_rule["sec.sql-injection"]
    assert sqli["title"] == "SQL built from request data"
    assert sqli["cwe"] == [89] and sqli["severity"] == "high" and sqli["confidence"] == "high"
    assert [s["kind"] for s in sqli["trace"]] == ["source", "step", "sink"]
    assert sqli["trace"][2]["location"]["path"] == "app/db.py"
    assert sqli["score"] == {
        "value": 126,
        "impact": {"value": 9, "reasons": ["writes and reads the orders table"]},
        "likelihood": {"value": 7, "reasons": ["reachable from a public handler"]},
        "effort": {"value": 0.5, "reasons": ["one call site"]},
    }
    vuln = by_rule["sca.vulnerable-dependency"]["vulnerability"]
    assert vuln["kev"] is True and vuln["cves"] == ["CVE-2023-4863"] and vuln["fixed_versions"] == ["10.0.1"]
    nplus = by_rule["perf.n-plus-one"]
    assert nplus["evidence"][0]["data"] == {
        "queries": 51,
        "fingerprint": "SELECT ... FROM order_items WHERE order_id = ?",
    }
    assert nplus["age_days"] == 42 and nplus["status"] == "open" and nplus["owner_source"] == "CODEOWNERS"
    assert doc["suppressed"][0]["suppression"] == "one-off script, run by hand"
    assert doc["gate"]["passed"] is False and doc["gate"]["baseline"] == "origin/main"


def test_unknown_rule_falls_back_to_the_finding() -> None:
    ruff = next(f for f in _doc()["findings"] if f["rule_id"] == "ruff.S113")
    assert ruff["title"] == "ruff.S113" and ruff["tool"] == "ruff"
    assert ruff["properties"][0] == {"name": "ruff_code", "value": "S113"}


def test_hostile_strings_are_preserved_exactly_and_ascii_escaped() -> None:
    text = render(sample_result(), "json", RULES)
    assert "\x1b" not in text and text.isascii()
    paths = [f["location"]["path"] for f in json.loads(text)["findings"]]
    assert "app/[red]x\x1b[2J.py" in paths  # data, not presentation: exact round trip


def test_evidence_data_that_is_not_json_is_kept_as_text() -> None:
    result = sample_result()
    item = next(a for a in result.findings if a.evidence)
    broken = replace(item, evidence=(replace(item.evidence[0], data_json="{not json"),))
    result = replace(result, findings=(broken,))
    doc = json.loads(render(result, "json", RULES))
    assert doc["findings"][0]["evidence"][0]["data"] == "{not json"


# Model fields deliberately not written, or written under another name. A new model
# field fails test_every_model_field_has_a_decision until it is mapped or listed here.
_RENAMED_OR_OMITTED: dict[type, dict[str, str]] = {
    Finding: {"occurrence": "folded into fingerprint", "identity": "folded into fingerprint"},
    Evidence: {"data_json": "data", "project": "the run's project"},
    Run: {},
    AnalyzerRecord: {},
    NotAnalysed: {},
    Location: {},
    TraceStep: {},
    VulnerabilityInfo: {},
    GateVerdict: {},
    FixedFinding: {},
}


def _keys_for(cls: type, doc: dict[str, Any]) -> set[str]:
    finding = doc["findings"][0]
    nplus = next(f for f in doc["findings"] if f["evidence"])
    vuln = next(f for f in doc["findings"] if f["vulnerability"])
    table: dict[type, dict[str, Any]] = {
        Finding: finding,
        Evidence: nplus["evidence"][0],
        Run: doc["run"],
        AnalyzerRecord: doc["run"]["analyzers"][0],
        NotAnalysed: doc["run"]["not_analysed"][0],
        Location: finding["location"],
        TraceStep: next(f for f in doc["findings"] if f["trace"])["trace"][0],
        VulnerabilityInfo: vuln["vulnerability"],
        GateVerdict: doc["gate"],
        FixedFinding: doc["fixed"][0],
    }
    return set(table[cls])


@pytest.mark.parametrize("cls", list(_RENAMED_OR_OMITTED), ids=lambda c: c.__name__)
def test_every_model_field_has_a_decision(cls: type) -> None:
    doc = _doc()
    fields = {f.name for f in dataclasses.fields(cls)}
    undecided = fields - _keys_for(cls, doc) - set(_RENAMED_OR_OMITTED[cls])
    assert not undecided, f"{cls.__name__} fields not in JSON v1 and not listed as omitted: {undecided}"


def test_schema_ships_as_package_data() -> None:
    from importlib import resources

    res = resources.files("stackaudit.report").joinpath("schemas", json_v1.SCHEMA_FILE)
    assert res.is_file()
    assert json.loads(res.read_text("utf-8"))["$id"] == json_v1.SCHEMA_ID


class _Recorder(io.StringIO):
    """A text stream that remembers its largest single write."""

    largest = 0

    def write(self, text: str) -> int:
        self.largest = max(self.largest, len(text))
        return super().write(text)


def test_streamed_bytes_equal_the_whole_document_and_no_write_holds_many_findings() -> None:
    base = sample_result()
    many = tuple(
        replace(a, finding=replace(a.finding, occurrence=i)) for i in range(300) for a in base.findings
    )
    result = replace(base, findings=many)
    out = _Recorder()
    json_v1.write(result, RULES, out)
    whole = out.getvalue()
    assert json.loads(whole) == json_v1.to_document(result, RULES)
    assert whole.isascii() and whole == json_v1.render(result, RULES)
    assert len(whole) > 200 * out.largest  # written piece by piece, never as one string
