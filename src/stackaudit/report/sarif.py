"""SARIF 2.1.0, shaped for GitHub code scanning.

One SARIF run per engine (``finding.tool``): stackaudit first, then the wrapped
engines (ruff, zizmor, ...) in order of first appearance. Run-wide facts
(analyzers skipped or failed, files not analysed, notices, the gate verdict)
go on the stackaudit run, except an analyzer's own record, which goes on the
run of the engine of the same name. Suppressed and accepted findings are
written with a SARIF ``suppressions`` entry, so code scanning shows them closed.

GitHub's limits are kept (``sarif_limits``): at most 25,000 results per run, 20 runs
and 10 MB gzipped. The lowest-scored results are cut, the highest kept, and each run
says what was cut (``properties`` and a notification). Every result's location has a
``region.startLine`` (line 1 for a file-level or repository-level finding, at the file
that would fix it when the finding names one in its ``fix_path`` property). The document
is written result by result, never built whole in memory.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping, Sequence
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
    RuleMeta,
    Severity,
)
from stackaudit.report import runtime_section
from stackaudit.report._common import tool_version
from stackaudit.report.sarif_limits import Limits, Plan, ToolPlan, plan
from stackaudit.report.sarif_tables import ANALYZER_LEVEL as ANALYZER_LEVEL
from stackaudit.report.sarif_tables import LEVEL as LEVEL
from stackaudit.report.sarif_tables import NOT_ANALYSED_LEVEL as NOT_ANALYSED_LEVEL
from stackaudit.report.sarif_tables import PRECISION as PRECISION
from stackaudit.report.sarif_tables import PROBLEM_SEVERITY as PROBLEM_SEVERITY
from stackaudit.report.sarif_tables import SECURITY_SEVERITY as SECURITY_SEVERITY
from stackaudit.report.sarif_tables import SUPPRESSION_KIND as SUPPRESSION_KIND

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "stackaudit/v1"

JsonObject = dict[str, Any]

_SECURITY_CATEGORIES = frozenset({"security", "supply-chain"})
_WORD = re.compile(r"[A-Za-z0-9]+")


def render(result: AuditResult, rules: Mapping[str, RuleMeta], limits: Limits | None = None) -> str:
    out = io.StringIO()
    write(result, rules, out, limits)
    return out.getvalue()


def write(
    result: AuditResult, rules: Mapping[str, RuleMeta], out: io.TextIOBase | Any, limits: Limits | None = None
) -> None:
    """Write the SARIF document to ``out``, one result at a time, within GitHub's limits."""
    chosen = plan(result, lambda item: _result_text(item, 0), limits or Limits())
    out.write('{\n  "$schema": ' + json.dumps(SARIF_SCHEMA) + ',\n  "version": "2.1.0",\n  "runs": [\n')
    for number, tool in enumerate(chosen.runs):
        index = _rule_index(tool.kept)
        skeleton = _tool_run(result, tool, chosen, rules, index)
        head, tail = _split(json.dumps(skeleton, indent=2, ensure_ascii=False))
        out.write(_indent(head, 4))
        for position, item in enumerate(tool.kept):
            out.write("\n        " if position == 0 else ",\n        ")
            out.write(_result_text(item, index[item.finding.rule_id]))
        out.write("\n      " if tool.kept else "")
        out.write(_indent(tail, 4).lstrip() + ("," if number < len(chosen.runs) - 1 else "") + "\n")
    out.write("  ]\n}\n")


def to_document(
    result: AuditResult, rules: Mapping[str, RuleMeta], limits: Limits | None = None
) -> JsonObject:
    doc: JsonObject = json.loads(render(result, rules, limits))
    return doc


_RESULTS_KEY = '"results": []'


def _split(text: str) -> tuple[str, str]:
    """The run's JSON around its (empty, last) results list: (up to ``"results": [``, from ``]``)."""
    at = text.rindex(_RESULTS_KEY)
    return text[: at + len(_RESULTS_KEY) - 1], text[at + len(_RESULTS_KEY) - 1 :]


def _indent(text: str, width: int) -> str:
    pad = " " * width
    return "\n".join(pad + line for line in text.split("\n"))


def _result_text(item: Assessment, rule_index: int) -> str:
    return json.dumps(_result(item, rule_index), ensure_ascii=False, separators=(",", ":"))


def _rule_index(items: Sequence[Assessment]) -> dict[str, int]:
    index: dict[str, int] = {}
    for item in items:
        index.setdefault(item.finding.rule_id, len(index))
    return index


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
    """A file and region; a location without a line (a whole file) starts at line 1."""
    physical: JsonObject = {"artifactLocation": {"uri": uri(loc.path), "uriBaseId": SRCROOT}}
    region: JsonObject = {"startLine": max(loc.line, 1)}
    if loc.line > 0:
        if loc.column > 0:
            region["startColumn"] = loc.column
        region.update(_region_end(loc))
    if snippet:
        region["snippet"] = {"text": snippet}
    physical["region"] = region
    return physical


def primary_location(finding: Finding) -> Location:
    """Where a result points: a repository-level finding at the file that would fix it."""
    fix_path = finding.prop("fix_path")
    if fix_path and finding.location.line == 0:
        return Location(fix_path, 1)
    return finding.location


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
        "locations": [_location(primary_location(f), snippet=f.snippet)],
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


def _invocation(result: AuditResult, tool: str, tools: frozenset[str], cut: list[JsonObject]) -> JsonObject:
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
        notes.extend(_not_analysed_notes(result))
        notes.extend(_notification("warning", n, "run-notice") for n in result.run.notices)
    notes.extend(cut)
    out: JsonObject = {"executionSuccessful": success}
    if notes:
        out["toolExecutionNotifications"] = notes
    return out


MAX_NOT_ANALYSED_NOTES = 1000  # a huge tree must not fill the 10 MB with file notes


def _not_analysed_notes(result: AuditResult) -> list[JsonObject]:
    entries = result.run.not_analysed
    notes = []
    for entry in entries[:MAX_NOT_ANALYSED_NOTES]:
        detail = f": {entry.detail}" if entry.detail else ""
        notes.append(
            _notification(
                NOT_ANALYSED_LEVEL[entry.reason],
                f"not analysed ({entry.reason.value}){detail}",
                f"not-analysed-{entry.reason.value}",
                entry.path,
            )
        )
    if len(entries) > MAX_NOT_ANALYSED_NOTES:
        more = len(entries) - MAX_NOT_ANALYSED_NOTES
        notes.append(
            _notification(
                "note", f"and {more} more files not analysed (see the JSON report)", "not-analysed-more"
            )
        )
    return notes


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


def _cut_properties(tool: ToolPlan) -> JsonObject:
    return {
        "resultsTotal": tool.total,
        "resultsIncluded": len(tool.kept),
        "resultsCut": tool.total - len(tool.kept),
        "cutBy": "score: the highest-scored results are kept",
        "lowestScoreKept": tool.kept[-1].score.value if tool.kept else None,
        "reasons": list(tool.reasons),
    }


def _cut_notes(tool: ToolPlan, chosen: Plan, is_first: bool) -> list[JsonObject]:
    notes = []
    if tool.total > len(tool.kept):
        text = (
            f"{tool.total - len(tool.kept)} of {tool.total} results not included "
            f"({'; '.join(tool.reasons)}); the highest-scored {len(tool.kept)} are kept. "
            "The JSON and HTML reports list every finding."
        )
        notes.append(_notification("warning", text, "results-cut"))
    if is_first and chosen.dropped_tools:
        names = ", ".join(f"{name} ({count})" for name, count in chosen.dropped_tools)
        text = f"runs not included (GitHub accepts at most {chosen.limits.runs} runs per upload): {names}"
        notes.append(_notification("warning", text, "runs-cut"))
    return notes


def _tool_run(
    result: AuditResult, tool: ToolPlan, chosen: Plan, rules: Mapping[str, RuleMeta], index: Mapping[str, int]
) -> JsonObject:
    first: dict[str, Finding] = {}
    for item in tool.kept:
        first.setdefault(item.finding.rule_id, item.finding)
    descriptors = [_descriptor(first[rid], rules) for rid in index]
    tools = frozenset(i.finding.tool for i in (*result.findings, *result.suppressed))
    is_first = tool is chosen.runs[0]
    cut = _cut_notes(tool, chosen, is_first)
    run: JsonObject = {
        "tool": {"driver": _driver(result, tool.name, descriptors)},
        "automationDetails": {"id": f"stackaudit/{result.run.project}/{tool.name}/{result.run.id}"},
        "invocations": [_invocation(result, tool.name, tools, cut)],
        "columnKind": "unicodeCodePoints",
    }
    provenance = _provenance(result)
    if provenance:
        run["versionControlProvenance"] = provenance
    props = _run_properties(result) if tool.name == "stackaudit" else {}
    if tool.total > len(tool.kept):
        props["stackaudit/cut"] = _cut_properties(tool)
    if is_first and chosen.dropped_tools:
        props["stackaudit/runsCut"] = [{"tool": n, "results": c} for n, c in chosen.dropped_tools]
    if props:
        run["properties"] = props
    run["results"] = []  # written item by item after this skeleton (see ``write``)
    return run
