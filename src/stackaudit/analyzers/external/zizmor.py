"""The ``zizmor`` engine: GitHub Actions workflows and actions, audited offline.

``command()`` → ``_run.run()`` → ``parse()`` (zizmor's JSON v1 into ``ZizmorRecord``s) →
``to_findings()`` (``zizmor.<audit-id>`` through ``zizmor_audits.AUDITS``; zizmor's own
severity and confidence mapped through ``SEVERITY`` / ``CONFIDENCE``). YAML that does not
parse, and inputs zizmor skipped, become ``NotAnalysed`` entries.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import yaml

from stackaudit.analyzers.base import AnalyzerSkipped, RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.external import _run
from stackaudit.analyzers.external._common import MAX_SNIPPET, read_text, redact_snippet
from stackaudit.analyzers.external._run import ExitTable, Outcome, ToolTimeout, parse_json_list
from stackaudit.analyzers.external.zizmor_audits import AUDITS, UNMAPPED
from stackaudit.model import (
    AnalyzerState,
    CodeContext,
    Confidence,
    Finding,
    Location,
    NotAnalysed,
    NotAnalysedReason,
    RuleMeta,
    Severity,
)

# zizmor 1.x exit codes (docs.zizmor.sh/usage/#exit-codes, checked against 1.32.0).
ZIZMOR_EXIT = ExitTable(
    tool="zizmor",
    codes={
        0: Outcome.CLEAN,
        1: Outcome.ERROR,
        2: Outcome.ERROR,
        3: Outcome.CLEAN,
        10: Outcome.FINDINGS,
        11: Outcome.FINDINGS,
        12: Outcome.FINDINGS,
        13: Outcome.FINDINGS,
        14: Outcome.FINDINGS,
    },
    notes={
        0: "no findings",
        1: "zizmor failed during the audit",
        2: "zizmor rejected its arguments",
        3: "no auditable inputs were collected",
        10: "findings, highest severity unknown",
        11: "findings, highest severity informational",
        12: "findings, highest severity low",
        13: "findings, highest severity medium",
        14: "findings, highest severity high",
    },
)

SEVERITY: dict[str, Severity] = {
    "unknown": Severity.INFO,
    "informational": Severity.INFO,
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
}
CONFIDENCE: dict[str, Confidence] = {
    "unknown": Confidence.LOW,
    "low": Confidence.LOW,
    "medium": Confidence.MEDIUM,
    "high": Confidence.HIGH,
}

# libyaml's safe loader when available (several times faster); both are safe loaders.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BY_ID: dict[str, RuleMeta] = {rule.id.removeprefix("zizmor."): rule for rule in AUDITS}
SECRET_AUDITS = frozenset({"hardcoded-container-credentials"})  # the feature holds the secret
_COMPLETED = re.compile(r"completed (\S.*?)\s*$")


@dataclass(frozen=True, slots=True)
class ZizmorLocation:
    path: str
    kind: str  # "Primary" | "Related" | "Hidden"
    annotation: str
    start: tuple[int, int]  # 0-based (row, column), as zizmor prints them
    end: tuple[int, int]
    feature: str


@dataclass(frozen=True, slots=True)
class ZizmorRecord:
    ident: str
    desc: str
    url: str
    severity: str
    confidence: str
    persona: str
    locations: tuple[ZizmorLocation, ...]
    ignored: bool = False
    fixes: tuple[str, ...] = ()

    @property
    def primary(self) -> ZizmorLocation | None:
        for loc in self.locations:
            if loc.kind == "Primary":
                return loc
        return self.locations[0] if self.locations else None


def is_actions_file(path: str) -> bool:
    head, _, name = path.rpartition("/")
    if not name.endswith((".yml", ".yaml")):
        return False
    return head == ".github/workflows" or name in ("action.yml", "action.yaml")


def command(binary: str, files: Sequence[str]) -> list[str]:
    return [
        binary,
        "--offline",
        "--no-config",
        "--format",
        "json-v1",
        "--no-progress",
        "--color",
        "never",
        "--",
        *files,
    ]


def _point(raw: Any) -> tuple[int, int]:
    return (int(raw.get("row", 0)), int(raw.get("column", 0))) if isinstance(raw, dict) else (0, 0)


def _location(item: dict[str, Any]) -> ZizmorLocation:
    symbolic, concrete = item["symbolic"], item.get("concrete") or {}
    key = symbolic.get("key") or {}
    local = key.get("Local") if isinstance(key, dict) else None
    path = str(local.get("verbatim_path") or local.get("given_path", "")) if isinstance(local, dict) else ""
    span = concrete.get("location") or {}
    return ZizmorLocation(
        path=path.removeprefix("./"),
        kind=str(symbolic.get("kind", "")),
        annotation=str(symbolic.get("annotation", "")),
        start=_point(span.get("start_point")),
        end=_point(span.get("end_point")),
        feature=str(concrete.get("feature", "")),
    )


def _record(item: dict[str, Any]) -> ZizmorRecord:
    det = item.get("determinations") or {}
    return ZizmorRecord(
        ident=str(item["ident"]),
        desc=str(item.get("desc", "")),
        url=str(item.get("url", "")),
        severity=str(det.get("severity", "unknown")),
        confidence=str(det.get("confidence", "unknown")),
        persona=str(det.get("persona", "")),
        locations=tuple(_location(loc) for loc in item.get("locations", [])),
        ignored=bool(item.get("ignored", False)),
        fixes=tuple(str(fix.get("title", "")) for fix in item.get("fixes") or [] if isinstance(fix, dict)),
    )


def parse(stdout: str) -> list[ZizmorRecord]:
    """zizmor's JSON v1 array into records; raise ``ToolFailed`` when it is not that."""
    return parse_json_list(stdout, "zizmor", "finding", _record)


def _loc(loc: ZizmorLocation) -> Location:
    (row, col), (end_row, end_col) = loc.start, loc.end
    return Location(loc.path, row + 1, col + 1, end_row + 1, end_col + 1)


def to_findings(records: Sequence[ZizmorRecord]) -> list[Finding]:
    findings: list[Finding] = []
    for rec in records:
        primary = rec.primary
        if rec.ignored or primary is None:
            continue
        rule = _BY_ID.get(rec.ident, UNMAPPED)
        related = tuple(_loc(loc) for loc in rec.locations if loc.kind == "Related")
        props = [("zizmor_audit", rec.ident), ("persona", rec.persona.lower())]
        if rec.url:
            props.append(("url", rec.url))
        message = f"{rec.desc}: {primary.annotation}" if primary.annotation else rec.desc
        snippet = primary.feature.strip()
        if rec.ident in SECRET_AUDITS:
            snippet = redact_snippet(snippet)
        findings.append(
            rule.finding(
                _loc(primary),
                message,
                snippet[:MAX_SNIPPET],
                severity=SEVERITY.get(rec.severity.lower(), Severity.INFO),
                confidence=CONFIDENCE.get(rec.confidence.lower(), Confidence.LOW),
                fix="; ".join(f for f in rec.fixes if f) or None,
                related=related,
                context=CodeContext.CONFIG,
                tool="zizmor",
                properties=tuple(props),
            )
        )
    return findings


_SECRET_REF = re.compile(r"\$\{\{[^}]*\bsecrets\.(?!GITHUB_TOKEN\b)\w|^\s*secrets:\s*inherit\b", re.M)
_WRITE = re.compile(r"^\s*permissions:\s*write-all\b|^\s*[\w-]+:\s*write\b", re.M)
_PERMISSIONS = re.compile(r"^\s*permissions:", re.M)
_FORK_TRIGGER = re.compile(r"\b(?:pull_request_target|workflow_run)\b")


def workflow_holds(text: str) -> str:
    """What a compromised step of this workflow could reach, for scoring (``workflow_holds``).

    ``pull_request_target`` (fork code with the base repository's token and secrets),
    ``secrets`` (any secret other than the automatic token), ``write`` (a token that can
    write: ``write`` scopes, ``write-all``, or no ``permissions:`` at all, whose default
    is write on older repositories); ``nothing`` when none holds.
    """
    held = []
    if _FORK_TRIGGER.search(text):
        held.append("pull_request_target")
    if _SECRET_REF.search(text):
        held.append("secrets")
    if _WRITE.search(text) or not _PERMISSIONS.search(text):
        held.append("write")
    return ",".join(held) or "nothing"


# Events whose payload someone without write access controls (a fork's branch name, an
# issue title, a comment): an expression expanding them can carry an attacker's text.
_UNTRUSTED_EVENTS = frozenset(
    {
        "pull_request",
        "pull_request_target",
        "pull_request_review",
        "pull_request_review_comment",
        "issues",
        "issue_comment",
        "discussion",
        "discussion_comment",
        "workflow_run",
        "fork",
        "watch",
        "gollum",
        "merge_group",
    }
)


def workflow_triggers(text: str) -> str:
    """``trusted`` when every trigger is started by someone with write access (push, tags,
    schedule, manual, release, a call from another workflow), else ``untrusted``."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return "untrusted"
    on = data.get("on", data.get(True)) if isinstance(data, dict) else None  # YAML 1.1: on = True
    events = {on} if isinstance(on, str) else set(on) if isinstance(on, list | dict) else set()
    if not events or not all(isinstance(e, str) for e in events):
        return "untrusted"
    return "untrusted" if events & _UNTRUSTED_EVENTS else "trusted"


def with_holdings(findings: Sequence[Finding], root: Path) -> list[Finding]:
    """Add ``workflow_holds`` and ``workflow_triggers`` to the findings of workflow files (not
    of composite actions)."""
    cache: dict[str, tuple[tuple[str, str], ...]] = {}
    out = []
    for f in findings:
        path = f.location.path
        if path.startswith(".github/workflows/"):
            if path not in cache:
                text = read_text(root / path)
                cache[path] = (
                    ("workflow_holds", workflow_holds(text)),
                    ("workflow_triggers", workflow_triggers(text)),
                )
            f = _trusted_template(dataclasses.replace(f, properties=(*f.properties, *cache[path])))
        out.append(f)
    return out


def _trusted_template(f: Finding) -> Finding:
    """A template expanded in a workflow only people with write access start (push, tags,
    manual runs): ``github.ref``, a matrix value, a step's output are theirs, not an
    attacker's. Kept (an input someone adds later can change that) but low: on the review
    set 0 of 6 such findings were injectable."""
    if f.rule_id.endswith("template-injection") and f.prop("workflow_triggers") == "trusted":
        return dataclasses.replace(f, severity=min(f.severity, Severity.LOW), confidence=Confidence.LOW)
    return f


def precheck(ctx: RepoContext, paths: Sequence[str]) -> tuple[list[str], list[NotAnalysed]]:
    """Keep the files that are YAML mappings; the others are recorded as malformed."""
    good: list[str] = []
    bad: list[NotAnalysed] = []
    for path in paths:
        try:
            data = yaml.load(read_text(ctx.root / path), Loader=_LOADER)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark is not None else ""
            bad.append(NotAnalysed(path, NotAnalysedReason.MALFORMED, f"{where}invalid YAML", "zizmor"))
            continue
        if not isinstance(data, dict):
            bad.append(NotAnalysed(path, NotAnalysedReason.MALFORMED, "not a YAML mapping", "zizmor"))
            continue
        good.append(path)
    return good, bad


def skipped_by_zizmor(stderr: str, passed: Sequence[str]) -> list[NotAnalysed]:
    """Inputs zizmor did not report as completed (it only warns about schema errors)."""
    done = {m.group(1).removeprefix("./") for m in map(_COMPLETED.search, stderr.splitlines()) if m}
    if not done:
        return []  # no progress lines at all (another zizmor version): do not guess
    return [
        NotAnalysed(p, NotAnalysedReason.MALFORMED, "zizmor could not load it (schema error?)", "zizmor")
        for p in passed
        if p not in done
    ]


class ZizmorAnalyzer(RepoAnalyzer):
    """Runs zizmor offline over ``.github/workflows/*.y[a]ml`` and ``action.y[a]ml`` files."""

    name: ClassVar[str] = "zizmor"
    version: ClassVar[str] = "3"
    rules: ClassVar[tuple[RuleMeta, ...]] = (*AUDITS, UNMAPPED)

    def cache_inputs(self, ctx: RepoContext) -> Sequence[SourceFile] | None:
        return [f for f in ctx.files if is_actions_file(f.path)]

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        candidates = [f.path for f in ctx.files if is_actions_file(f.path)]
        if not candidates:
            raise AnalyzerSkipped("no GitHub Actions workflows or action.yml files")
        binary = _run.locate("zizmor")
        files, malformed = precheck(ctx, candidates)
        findings: list[Finding] = []
        failed: list[NotAnalysed] = []
        for batch in _run.batches(files) if files else []:
            try:
                done = _run.run(
                    _run.Invocation(tuple(command(binary, batch)), ctx.root, ctx.config.analyzer_timeout_s)
                )
            except ToolTimeout as exc:
                return RepoResult(
                    tuple(findings),
                    (*malformed, *failed),
                    AnalyzerState.TIMEOUT,
                    str(exc),
                    _run.version(binary, ctx.root),
                    cacheable=False,
                )
            if ZIZMOR_EXIT.outcome(done.exit_code) is Outcome.ERROR:
                why = f"{ZIZMOR_EXIT.describe(done.exit_code)}: {_run.tail(done.stderr)}"
                failed.extend(NotAnalysed(p, NotAnalysedReason.ERROR, why, "zizmor") for p in batch)
                continue
            findings.extend(with_holdings(to_findings(parse(done.stdout)), ctx.root))
            malformed.extend(skipped_by_zizmor(done.stderr, batch))
        state = AnalyzerState.PARTIAL if failed else AnalyzerState.OK
        return RepoResult(
            findings=tuple(findings),
            not_analysed=(*malformed, *failed),
            state=state,
            reason=f"zizmor failed on {len(failed)} file(s)" if failed else "",
            tool_version=_run.version(binary, ctx.root),
            cacheable=not failed,
        )
