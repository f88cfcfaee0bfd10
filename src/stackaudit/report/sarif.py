"""SARIF 2.1.0, shaped for GitHub code scanning.

One SARIF run per engine (``finding.tool``): stackaudit first, then the wrapped
engines (ruff, zizmor, ...) in order of first appearance. Run-wide facts
(analyzers skipped or failed, files not analysed, notices, the gate verdict)
go on the stackaudit run, except an analyzer's own record, which goes on the
run of the engine of the same name. Suppressed and accepted findings are
written with a SARIF ``suppressions`` entry, so code scanning shows them closed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from stackaudit.model import (
    AnalyzerState,
    Assessment,
    AuditResult,
    Confidence,
    Finding,
    Location,
    NotAnalysedReason,
    RuleMeta,
    Severity,
    Status,
)
from stackaudit.report import runtime_section
from stackaudit.report._common import tool_version

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "stackaudit/v1"

JsonObject = dict[str, Any]

# SARIF result level per severity.
LEVEL: Mapping[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

# GitHub's security-severity (a CVSS-like number as a string). GitHub bands it:
# > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY: Mapping[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.0",
}

# GitHub's problem.severity for results that are not security alerts.
PROBLEM_SEVERITY: Mapping[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "recommendation",
    Severity.INFO: "recommendation",
}

PRECISION: Mapping[Confidence, str] = {
    Confidence.HIGH: "high",
    Confidence.MEDIUM: "medium",
    Confidence.LOW: "low",
}

# Notification level for an analyzer record (an OK one only when it recorded a reason).
ANALYZER_LEVEL: Mapping[AnalyzerState, str] = {
    AnalyzerState.OK: "note",
    AnalyzerState.SKIPPED: "note",
    AnalyzerState.PARTIAL: "warning",
    AnalyzerState.TIMEOUT: "error",
    AnalyzerState.FAILED: "error",
}

# Notification level for a file that was not analysed.
NOT_ANALYSED_LEVEL: Mapping[NotAnalysedReason, str] = {
    NotAnalysedReason.BINARY: "note",
    NotAnalysedReason.TOO_LARGE: "warning",
    NotAnalysedReason.EMPTY: "note",
    NotAnalysedReason.DECODE_ERROR: "warning",
    NotAnalysedReason.SYNTAX_ERROR: "warning",
    NotAnalysedReason.PERMISSION: "warning",
    NotAnalysedReason.VANISHED: "note",
    NotAnalysedReason.SYMLINK_OUTSIDE: "note",
    NotAnalysedReason.SYMLINK_LOOP: "warning",
    NotAnalysedReason.TIMEOUT: "warning",
    NotAnalysedReason.PARTIAL: "warning",
    NotAnalysedReason.MALFORMED: "warning",
    NotAnalysedReason.UNSUPPORTED: "note",
    NotAnalysedReason.ERROR: "error",
}

# SARIF suppression kind per status of a suppressed assessment.
SUPPRESSION_KIND: Mapping[Status, str] = {
    Status.SUPPRESSED: "inSource",
    Status.ACCEPTED: "external",
}

_SECURITY_CATEGORIES = frozenset({"security", "supply-chain"})
_WORD = re.compile(r"[A-Za-z0-9]+")


def render(result: AuditResult, rules: Mapping[str, RuleMeta]) -> str:
    return json.dumps(to_document(result, rules), indent=2, ensure_ascii=False) + "\n"


def to_document(result: AuditResult, rules: Mapping[str, RuleMeta]) -> JsonObject:
    groups: dict[str, list[Assessment]] = {"stackaudit": []}
    for item in (*result.findings, *result.suppressed):
        groups.setdefault(item.finding.tool, []).append(item)
    runs = [_tool_run(result, tool, items, rules) for tool, items in groups.items()]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}


def uri(path: str) -> str:
    """A repo-relative path as a URI reference (percent-encoded, POSIX separators)."""
    return quote(path.replace("\\", "/").lstrip("/"), safe="/")


def rule_name(rule_id: str) -> str:
    """A PascalCase name from a dotted-kebab id: ``perf.n-plus-one`` -> ``PerfNPlusOne``."""
    return "".join(word[:1].upper() + word[1:] for word in _WORD.findall(rule_id)) or "Rule"


def _first_paragraph(doc: str) -> str:
    return doc.strip().split("\n\n", 1)[0].replace("\n", " ").strip()


def _tags(category: str, cwe: tuple[int, ...], extra: tuple[str, ...]) -> list[str]:
    """Category, "security" for security and supply-chain, CWE tags, then the rule's own tags.

    SARIF requires unique tags; order is kept.
    """
    tags = [category, *(["security"] if category in _SECURITY_CATEGORIES else [])]
    tags += [f"external/cwe/cwe-{n}" for n in cwe]
    tags += list(extra)
    return list(dict.fromkeys(tags))


def _rule_properties(severity: Severity, confidence: Confidence, tags: list[str]) -> JsonObject:
    return {
        "tags": tags,
        "precision": PRECISION[confidence],
        "security-severity": SECURITY_SEVERITY[severity],
        "problem.severity": PROBLEM_SEVERITY[severity],
    }


def _descriptor(finding: Finding, rules: Mapping[str, RuleMeta]) -> JsonObject:
    meta = rules.get(finding.rule_id)
    if meta is None:  # unknown to this version (e.g. a stored run): use the finding itself
        text = f"{finding.rule_id}: no documentation is available for this rule in this version."
        return {
            "id": finding.rule_id,
            "name": rule_name(finding.rule_id),
            "shortDescription": {"text": finding.rule_id},
            "fullDescription": {"text": finding.rule_id},
            "help": {"text": text, "markdown": text},
            "defaultConfiguration": {"level": LEVEL[finding.severity]},
            "properties": _rule_properties(
                finding.severity, finding.confidence, _tags(finding.category.value, finding.cwe, ())
            ),
        }
    return {
        "id": meta.id,
        "name": rule_name(meta.id),
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": _first_paragraph(meta.doc) or meta.title},
        "help": {"text": meta.doc or meta.title, "markdown": meta.doc or meta.title},
        "defaultConfiguration": {"level": LEVEL[meta.severity]},
        "properties": _rule_properties(
            meta.severity, meta.confidence, _tags(meta.category.value, meta.cwe, meta.tags)
        ),
    }


def _region_end(loc: Location) -> JsonObject:
    """endLine/endColumn when they are consistent with the start; nothing when they are not."""
    if 0 < loc.end_line < loc.line:
        return {}
    end: JsonObject = {"endLine": loc.end_line} if loc.end_line else {}
    end_line = loc.end_line or loc.line
    if loc.end_column > 0 and (end_line > loc.line or loc.end_column > loc.column):
        end["endColumn"] = loc.end_column
    return end


def _physical(loc: Location, snippet: str = "") -> JsonObject:
    physical: JsonObject = {"artifactLocation": {"uri": uri(loc.path), "uriBaseId": SRCROOT}}
    if loc.line > 0:
        region: JsonObject = {"startLine": loc.line}
        if loc.column > 0:
            region["startColumn"] = loc.column
        region.update(_region_end(loc))
        if snippet:
            region["snippet"] = {"text": snippet}
        physical["region"] = region
    return physical


def _location(
    loc: Location, message: str | None = None, ident: int | None = None, snippet: str = ""
) -> JsonObject:
    out: JsonObject = {}
    if ident is not None:
        out["id"] = ident
    out["physicalLocation"] = _physical(loc, snippet)
    if loc.symbol:
        out["logicalLocations"] = [{"fullyQualifiedName": loc.symbol}]
    if message:
        out["message"] = {"text": message}
    return out


def _code_flows(finding: Finding) -> list[JsonObject]:
    steps = [
        {"location": _location(step.location, step.note or step.kind), "kinds": [step.kind]}
        for step in finding.trace
    ]
    return [{"threadFlows": [{"locations": steps}]}]


def _result_properties(item: Assessment) -> JsonObject:
    f = item.finding
    props: JsonObject = {
        "category": f.category.value,
        "severity": f.severity.label,
        "confidence": f.confidence.label,
        "score": item.score.value,
        "impact": item.score.impact.value,
        "likelihood": item.score.likelihood.value,
        "effort": item.score.effort.value,
        "status": item.status.value,
        "firstSeen": item.first_seen.isoformat(),
        "ageDays": item.age_days,
        "context": f.context.value,
    }
    optional = {"owner": item.owner, "endpoint": f.endpoint, "fix": f.fix or None}
    props.update({k: v for k, v in optional.items() if v is not None})
    if item.evidence:
        props["evidence"] = [f"{e.kind.value}: {e.summary}" for e in item.evidence]
    if f.vulnerability is not None:
        v = f.vulnerability
        props["vulnerability"] = {
            "id": v.id,
            "aliases": list(v.aliases),
            "package": v.package,
            "version": v.version,
            "fixedVersions": list(v.fixed_versions),
            "cvss": v.cvss_score,
            "epss": v.epss,
            "kev": v.kev,
        }
    return props


def _result(item: Assessment, rule_index: int) -> JsonObject:
    f = item.finding
    out: JsonObject = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": f.message or f.rule_id},
        "locations": [_location(f.location, snippet=f.snippet)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
    }
    if f.trace:
        out["codeFlows"] = _code_flows(f)
    if f.related:
        out["relatedLocations"] = [_location(r, ident=i) for i, r in enumerate(f.related, 1)]
    if item.suppression is not None or item.status in SUPPRESSION_KIND:
        out["suppressions"] = [
            {
                "kind": SUPPRESSION_KIND.get(item.status, "external"),
                "justification": item.suppression or "",
            }
        ]
    out["properties"] = _result_properties(item)
    return out


def _notification(level: str, text: str, ident: str, path: str | None = None) -> JsonObject:
    out: JsonObject = {"level": level, "message": {"text": text}, "descriptor": {"id": ident}}
    if path is not None:
        artifact = {"uri": uri(path), "uriBaseId": SRCROOT}
        out["locations"] = [{"physicalLocation": {"artifactLocation": artifact}}]
    return out


def _invocation(result: AuditResult, tool: str, tools: frozenset[str]) -> JsonObject:
    notes: list[JsonObject] = []
    success = True
    for record in result.run.analyzers:
        owner = record.name if record.name in tools else "stackaudit"
        level = ANALYZER_LEVEL[record.state]
        if owner != tool or (record.state is AnalyzerState.OK and not record.reason):
            continue
        success = success and record.state not in (AnalyzerState.FAILED, AnalyzerState.TIMEOUT)
        reason = f": {record.reason}" if record.reason else ""
        notes.append(
            _notification(
                level,
                f"analyzer {record.name} {record.state.value}{reason}",
                f"analyzer-{record.state.value}",
            )
        )
    if tool == "stackaudit":
        for entry in result.run.not_analysed:
            detail = f": {entry.detail}" if entry.detail else ""
            notes.append(
                _notification(
                    NOT_ANALYSED_LEVEL[entry.reason],
                    f"not analysed ({entry.reason.value}){detail}",
                    f"not-analysed-{entry.reason.value}",
                    entry.path,
                )
            )
        notes.extend(_notification("warning", n, "run-notice") for n in result.run.notices)
    out: JsonObject = {"executionSuccessful": success}
    if notes:
        out["toolExecutionNotifications"] = notes
    return out


def _driver(result: AuditResult, tool: str, rules: list[JsonObject]) -> JsonObject:
    driver: JsonObject = {"name": tool}
    version = tool_version(result, tool)
    if version:
        driver["version"] = version
    driver["rules"] = rules
    return driver


def _provenance(result: AuditResult) -> list[JsonObject]:
    run = result.run
    if not run.commit:
        return []
    root = PurePosixPath(run.root.replace("\\", "/"))
    repo = "file://" + quote(str(root), safe="/:") if root.is_absolute() else uri(run.root) or "."
    out: JsonObject = {"repositoryUri": repo, "revisionId": run.commit}
    if run.branch:
        out["branch"] = run.branch
    out["mappedTo"] = {"uriBaseId": SRCROOT}
    return [out]


def _run_properties(result: AuditResult) -> JsonObject:
    props: JsonObject = {"runId": result.run.id, "project": result.run.project}
    if result.gate is not None:
        props["gate"] = {
            "passed": result.gate.passed,
            "threshold": result.gate.threshold,
            "reasons": list(result.gate.reasons),
            "newFindings": result.gate.new_findings,
        }
    if result.runtime:  # the runtime evidence section: every observation and what it joined
        props["runtimeEvidence"] = [
            {
                "kind": r.kind,
                "severity": r.severity.label,
                "summary": r.summary,
                "where": r.where,
                "recordedAt": r.recorded_at,
                "joined": r.joined,
            }
            for r in runtime_section.rows(result)
        ]
    return props


def _tool_run(
    result: AuditResult, tool: str, items: list[Assessment], rules: Mapping[str, RuleMeta]
) -> JsonObject:
    index: dict[str, int] = {}
    descriptors: list[JsonObject] = []
    results: list[JsonObject] = []
    for item in items:
        rid = item.finding.rule_id
        if rid not in index:
            index[rid] = len(descriptors)
            descriptors.append(_descriptor(item.finding, rules))
        results.append(_result(item, index[rid]))
    tools = frozenset(i.finding.tool for i in (*result.findings, *result.suppressed))
    run: JsonObject = {
        "tool": {"driver": _driver(result, tool, descriptors)},
        "automationDetails": {"id": f"stackaudit/{result.run.project}/{tool}/{result.run.id}"},
        "invocations": [_invocation(result, tool, tools)],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    provenance = _provenance(result)
    if provenance:
        run["versionControlProvenance"] = provenance
    if tool == "stackaudit":
        run["properties"] = _run_properties(result)
    return run
