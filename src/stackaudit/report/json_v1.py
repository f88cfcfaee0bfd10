"""The public JSON report, schema version 1.0.

Every field is written by an explicit mapping function below, never by
``dataclasses.asdict`` or the model codec, so a refactor of the internal model
cannot silently change what users parse. The schema lives beside this module
(``schemas/stackaudit-report-v1.schema.json``) and is documented in
docs/json-schema.md. Adding an optional field is a minor version (1.x);
removing or renaming one is a major version.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

from stackaudit.model import (
    AnalyzerRecord,
    Assessment,
    AuditResult,
    Evidence,
    Factor,
    Finding,
    FixedFinding,
    GateVerdict,
    Location,
    NotAnalysed,
    RuleMeta,
    Run,
    Score,
    TraceStep,
    VulnerabilityInfo,
)
from stackaudit.report import dora_section
from stackaudit.report._common import rule_title

if TYPE_CHECKING:
    from stackaudit.governance.dora.model import DoraResult

SCHEMA_VERSION = "1.0"
SCHEMA_FILE = "stackaudit-report-v1.schema.json"
SCHEMA_ID = "urn:stackaudit:report:schema:v1"

JsonObject = dict[str, Any]


def load_schema() -> JsonObject:
    """The JSON Schema (draft 2020-12) that every v1 report validates against."""
    text = resources.files("stackaudit.report").joinpath("schemas", SCHEMA_FILE).read_text("utf-8")
    schema: JsonObject = json.loads(text)
    return schema


def render(result: AuditResult, rules: Mapping[str, RuleMeta]) -> str:
    """The report as JSON text (ASCII-only: every non-ASCII or control character is escaped)."""
    out = io.StringIO()
    write(result, rules, out)
    return out.getvalue()


def to_document(
    result: AuditResult, rules: Mapping[str, RuleMeta], dora: DoraResult | None = None
) -> JsonObject:
    doc: JsonObject = {
        "schema_version": SCHEMA_VERSION,
        "run": _run(result.run),
        "findings": [_assessment(a, rules) for a in result.findings],
        "suppressed": [_assessment(a, rules) for a in result.suppressed],
        "fixed": [_fixed(f) for f in result.fixed],
        "gate": _gate(result.gate),
    }
    if result.runtime:  # the runtime evidence section: every observation and what it joined
        doc["runtime_evidence"] = [
            {**_evidence(u.evidence), "joined_to": list(u.joined_to)} for u in result.runtime
        ]
    if dora is not None:  # the audit computed DORA ([dora] in the config)
        doc["dora"] = dora_section.document(dora)
    return doc


def write(
    result: AuditResult, rules: Mapping[str, RuleMeta], out: Any, dora: DoraResult | None = None
) -> None:
    """Write the report to a text stream one finding at a time.

    The document is ``to_document(...)``: the run and the gate indented, each finding
    compact on its own line (a 50,000-finding report is half the size and written
    several times faster than fully indented); no more than one finding is ever a
    Python object or a string.
    """
    fields: list[tuple[str, Any, Callable[[Any], Any] | None]] = [
        ("schema_version", SCHEMA_VERSION, None),
        ("run", _run(result.run), None),
        ("findings", result.findings, lambda a: _assessment(a, rules)),
        ("suppressed", result.suppressed, lambda a: _assessment(a, rules)),
        ("fixed", [_fixed(f) for f in result.fixed], None),
        ("gate", _gate(result.gate), None),
    ]
    if result.runtime:  # the runtime evidence section, as in to_document
        evidence = [{**_evidence(u.evidence), "joined_to": list(u.joined_to)} for u in result.runtime]
        fields.append(("runtime_evidence", evidence, None))
    if dora is not None:
        fields.append(("dora", dora_section.document(dora), None))
    out.write("{\n")
    for number, (key, value, each) in enumerate(fields):
        out.write(f"  {json.dumps(key)}: ")
        if each is None:
            out.write(_nested(value, 1))
        else:
            _write_list(out, value, each)
        out.write(",\n" if number < len(fields) - 1 else "\n")
    out.write("}\n")


def _nested(value: Any, depth: int) -> str:
    """``value`` as it appears ``depth`` levels deep in an ``indent=2`` document."""
    return json.dumps(value, indent=2, ensure_ascii=True).replace("\n", "\n" + "  " * depth)


def _write_list(out: Any, items: Iterable[Any], each: Callable[[Any], Any]) -> None:
    first = True
    for item in items:
        out.write("[\n    " if first else ",\n    ")
        out.write(json.dumps(each(item), ensure_ascii=True, separators=(",", ":")))
        first = False
    out.write("[]" if first else "\n  ]")


def _time(value: datetime) -> str:
    return value.isoformat()


def _run(run: Run) -> JsonObject:
    return {
        "id": run.id,
        "project": run.project,
        "root": run.root,
        "started_at": _time(run.started_at),
        "finished_at": _time(run.finished_at),
        "duration_s": round(run.duration_s, 3),
        "tool_version": run.tool_version,
        "config_hash": run.config_hash,
        "commit": run.commit,
        "branch": run.branch,
        "files_total": run.files_total,
        "files_analysed": run.files_analysed,
        "analyzers": [_analyzer(a) for a in run.analyzers],
        "not_analysed": [_not_analysed(n) for n in run.not_analysed],
        "tool_versions": [{"tool": t, "version": v} for t, v in run.tool_versions],
        "timings": [{"stage": s, "seconds": round(t, 3)} for s, t in run.timings],
        "notices": list(run.notices),
    }


def _analyzer(record: AnalyzerRecord) -> JsonObject:
    return {
        "name": record.name,
        "version": record.version,
        "state": record.state.value,
        "reason": record.reason,
        "duration_s": round(record.duration_s, 3),
        "findings": record.findings,
        "cached": record.cached,
    }


def _not_analysed(entry: NotAnalysed) -> JsonObject:
    return {
        "path": entry.path,
        "reason": entry.reason.value,
        "detail": entry.detail,
        "analyzer": entry.analyzer,
    }


def _location(loc: Location) -> JsonObject:
    return {
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "symbol": loc.symbol,
    }


def _trace_step(step: TraceStep) -> JsonObject:
    return {"kind": step.kind, "note": step.note, "location": _location(step.location)}


def _vulnerability(vuln: VulnerabilityInfo | None) -> JsonObject | None:
    if vuln is None:
        return None
    return {
        "id": vuln.id,
        "aliases": list(vuln.aliases),
        "cves": list(vuln.cves),
        "package": vuln.package,
        "ecosystem": vuln.ecosystem,
        "version": vuln.version,
        "fixed_versions": list(vuln.fixed_versions),
        "cvss_score": vuln.cvss_score,
        "cvss_vector": vuln.cvss_vector,
        "epss": vuln.epss,
        "epss_percentile": vuln.epss_percentile,
        "kev": vuln.kev,
        "kev_ransomware": vuln.kev_ransomware,
        "reachable": vuln.reachable,
        "summary": vuln.summary,
    }


def _factor(factor: Factor) -> JsonObject:
    return {"value": factor.value, "reasons": list(factor.reasons)}


def _score(score: Score) -> JsonObject:
    return {
        "value": score.value,
        "impact": _factor(score.impact),
        "likelihood": _factor(score.likelihood),
        "effort": _factor(score.effort),
    }


def _evidence_data(text: str) -> Any:
    """The evidence's structured data; the raw text when it is not valid JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _evidence(item: Evidence) -> JsonObject:
    return {
        "kind": item.kind.value,
        "summary": item.summary,
        "severity": item.severity.label,
        "recorded_at": _time(item.recorded_at),
        "endpoint": item.endpoint,
        "location": None if item.location is None else _location(item.location),
        "rule_hint": item.rule_hint,
        "source": item.source,
        "data": _evidence_data(item.data_json),
    }


def _finding_fields(finding: Finding, rules: Mapping[str, RuleMeta]) -> JsonObject:
    return {
        "fingerprint": finding.fingerprint,
        "rule_id": finding.rule_id,
        "title": rule_title(rules, finding),
        "category": finding.category.value,
        "severity": finding.severity.label,
        "confidence": finding.confidence.label,
        "cwe": list(finding.cwe),
        "message": finding.message,
        "location": _location(finding.location),
        "related": [_location(r) for r in finding.related],
        "snippet": finding.snippet,
        "fix": finding.fix,
        "trace": [_trace_step(s) for s in finding.trace],
        "context": finding.context.value,
        "endpoint": finding.endpoint,
        "tool": finding.tool,
        "vulnerability": _vulnerability(finding.vulnerability),
        "properties": [{"name": k, "value": v} for k, v in finding.properties],
    }


def _assessment(item: Assessment, rules: Mapping[str, RuleMeta]) -> JsonObject:
    doc = _finding_fields(item.finding, rules)
    doc.update(
        {
            "score": _score(item.score),
            "status": item.status.value,
            "first_seen": _time(item.first_seen),
            "age_days": item.age_days,
            "owner": item.owner,
            "owner_source": item.owner_source,
            "evidence": [_evidence(e) for e in item.evidence],
            "suppression": item.suppression,
        }
    )
    return doc


def _fixed(item: FixedFinding) -> JsonObject:
    return {
        "fingerprint": item.fingerprint,
        "rule_id": item.rule_id,
        "path": item.path,
        "first_seen": _time(item.first_seen),
    }


def _gate(gate: GateVerdict | None) -> JsonObject | None:
    if gate is None:
        return None
    return {
        "passed": gate.passed,
        "threshold": gate.threshold,
        "reasons": list(gate.reasons),
        "new_findings": gate.new_findings,
        "baseline": gate.baseline,
    }
