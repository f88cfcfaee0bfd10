"""The ``ruff`` engine: one ruff run over the discovered Python files, as stackaudit findings.

``command()`` builds the argument list, ``_run.run()`` executes it, ``parse()`` turns ruff's
JSON into ``RuffRecord``s and ``to_findings()`` maps them through the generated table in
``ruff_rules.py`` (``ruff.<CODE>``). Codes missing from the table become ``ruff.unmapped``
with the code in the properties; syntax errors become ``NotAnalysed`` entries.

Each batch runs twice: once as the project runs ruff (its configuration, its
``per-file-ignores``, its ``# noqa``, its ``ignore`` list given back on the command line,
see ``_ruff_project.py``), and once with every selected rule everywhere
(``--isolated --ignore-noqa``). What only the second run reports is what the project
decided to silence: those come back as findings marked ``suppressed_by`` (the engine
records them as suppressed, not as findings). A configuration ruff cannot read falls
back to ``--isolated`` with a notice. The Python version comes from ``requires-python``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from stackaudit.analyzers.base import AnalyzerSkipped, RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.external import _run
from stackaudit.analyzers.external._common import (
    PathMap,
    code_context,
    not_a_secret,
    read_text,
    redact_snippet,
    source_range,
)
from stackaudit.analyzers.external._ruff_project import ProjectRuff, read_project
from stackaudit.analyzers.external._run import ExitTable, Outcome, ToolTimeout, parse_json_list
from stackaudit.analyzers.external.ruff_rules import RULES, SELECT
from stackaudit.model import (
    AnalyzerState,
    Category,
    Confidence,
    Finding,
    Location,
    NotAnalysed,
    NotAnalysedReason,
    RuleMeta,
    Severity,
)

RUFF_EXIT = ExitTable(
    tool="ruff",
    codes={0: Outcome.CLEAN, 1: Outcome.FINDINGS, 2: Outcome.ERROR},
    notes={
        0: "no violations",
        1: "violations found",
        2: "ruff terminated abnormally (invalid configuration or CLI options, or an internal error)",
    },
)

UNMAPPED = RuleMeta(
    id="ruff.unmapped",
    title="A ruff rule without a stackaudit mapping",
    category=Category.SECURITY,
    severity=Severity.LOW,
    impact=3,
    likelihood=3,
    effort=0.2,
    confidence=Confidence.LOW,
    doc="""
    A ruff diagnostic whose code is not in stackaudit's generated table (``ruff_rules.py``),
    usually because a newer ruff added a rule to a selected linter. The ruff code is kept in
    the finding's ``ruff_code`` property and ruff's message is shown unchanged.

    Why it matters: the rule was selected because its linter (flake8-bandit, Perflint,
    flake8-async, …) targets security, performance or scale problems.

    Fix: read ruff's documentation for the code (``ruff rule CODE``); then regenerate the
    table with ``python -m stackaudit.analyzers.external._ruff_gen`` so it gets a proper score.
    """,
)

_BY_CODE: dict[str, RuleMeta] = {rule.id.removeprefix("ruff."): rule for rule in RULES}
_SYNTAX_CODES = frozenset({"invalid-syntax", "E999"})
SECRET_CODES = frozenset({"S105", "S106", "S107"})  # their range is the secret itself: redact
_CONFIGS = frozenset({".ruff.toml", "ruff.toml", "pyproject.toml"})
SUPPRESSED_BY = "suppressed_by"  # property the engine reads (engine/suppress.py)
_NOQA = re.compile(r"#\s*noqa\b", re.IGNORECASE)
_STRING = re.compile(r"""(?P<q>["'])((?:\\.|(?!(?P=q)).)*)(?P=q)""")
_ASSIGNED_NAME = re.compile(r'"([^"]+)"\s*$')
_DESCRIPTOR_NAME = re.compile(
    r"(?i)(?:_|^)(?:type|kind|prefix|suffix|field|fields|name|label|url|uri|path|header|param|length|len)$"
)
_CONSTANT_INPUT = "seems safe, but may be changed in the future"  # S602/S604/S605 on a literal
_FAILED = re.compile(r"^(?:warning|error): Failed to lint (?P<path>.+?): (?P<why>.+)$")


@dataclass(frozen=True, slots=True)
class Position:
    row: int
    column: int


@dataclass(frozen=True, slots=True)
class RuffRecord:
    """One diagnostic as ruff reports it (``--output-format json``)."""

    code: str | None
    message: str
    filename: str
    location: Position
    end_location: Position
    name: str | None = None
    fix: str | None = None  # ruff's fix message, when it offers one
    noqa_row: int | None = None
    url: str | None = None

    @property
    def is_syntax_error(self) -> bool:
        if self.is_version_syntax:
            return False
        return self.code is None or self.code in _SYNTAX_CODES or self.message.startswith("SyntaxError")

    @property
    def is_version_syntax(self) -> bool:
        """Syntax newer than the target version: ruff parsed and linted the file all the same."""
        return "(syntax was added in Python" in self.message or self.message.startswith("Cannot use ")

    @property
    def key(self) -> tuple[str, str | None, int, int]:
        return (self.filename, self.code, self.location.row, self.location.column)


@dataclass(frozen=True)
class RuffRun:
    """The outcome of all batches: records, files a batch failed on, and why."""

    records: list[RuffRecord] = field(default_factory=list)
    failed: list[NotAnalysed] = field(default_factory=list)
    timed_out: str = ""
    silenced: list[RuffRecord] = field(default_factory=list)  # reported only without the project's say
    notices: list[str] = field(default_factory=list)


def command(
    binary: str,
    cache_dir: Path | None,
    files: Sequence[str],
    project: ProjectRuff | None = None,
    everything: bool = False,
) -> list[str]:
    """ruff's argument list: as the project runs it, or (``everything``, or no usable
    project configuration) isolated; ``everything`` also reports what ``# noqa`` silences."""
    isolated = everything or project is None or bool(project.error)
    argv = [binary, "check", "--no-fix", "--output-format", "json", "--select", ",".join(SELECT)]
    if isolated:
        argv.append("--isolated")
    if everything:
        argv.append("--ignore-noqa")
    if project is not None and not isolated and project.ignores:
        argv += ["--extend-ignore", ",".join(project.ignores)]
    if project is not None and project.target and isolated:
        argv += ["--target-version", project.target]  # otherwise ruff reads requires-python itself
    argv += ["--cache-dir", str(cache_dir)] if cache_dir is not None else ["--no-cache"]
    return [*argv, "--", *files]


def _position(raw: Any) -> Position:
    if not isinstance(raw, dict):
        return Position(0, 0)
    return Position(int(raw.get("row") or 0), int(raw.get("column") or 0))


def _record(item: dict[str, Any]) -> RuffRecord:
    fix = item.get("fix")
    noqa = item.get("noqa_row")
    return RuffRecord(
        code=item.get("code") or None,
        message=str(item.get("message", "")),
        filename=str(item["filename"]),
        location=_position(item.get("location")),
        end_location=_position(item.get("end_location")),
        name=item.get("name"),
        fix=str(fix.get("message") or "") or None if isinstance(fix, dict) else None,
        noqa_row=int(noqa) if noqa is not None else None,
        url=item.get("url"),
    )


def parse(stdout: str) -> list[RuffRecord]:
    """ruff's JSON array into records; raise ``ToolFailed`` when it is not that."""
    return parse_json_list(stdout, "ruff", "diagnostic", _record)


def to_findings(
    records: Sequence[RuffRecord],
    paths: PathMap,
    silenced: Sequence[RuffRecord] = (),
    project: ProjectRuff | None = None,
) -> tuple[list[Finding], list[NotAnalysed]]:
    """Findings (those the project silenced marked ``suppressed_by``) and unparseable files."""
    findings: list[Finding] = []
    broken: dict[str, NotAnalysed] = {}
    lines: dict[str, list[str]] = {}
    quiet = {id(r) for r in silenced}
    for rec in (*records, *silenced):
        rel = paths.relative(rec.filename)
        if rec.is_version_syntax:
            continue
        if rec.is_syntax_error:
            detail = f"line {rec.location.row}: {rec.message}"
            broken.setdefault(rel, NotAnalysed(rel, NotAnalysedReason.SYNTAX_ERROR, detail, "ruff"))
            continue
        if rel not in lines:
            lines[rel] = read_text(paths.root / rel).splitlines()
        if rec.code in SECRET_CODES and (_names_no_secret(rec) or not_a_secret(_literal(rec, lines[rel]))):
            continue
        finding = _finding(rec, rel, lines[rel])
        if id(rec) in quiet:
            why = silenced_because(rec, lines[rel], project)
            finding = dataclasses.replace(finding, properties=(*finding.properties, (SUPPRESSED_BY, why)))
        findings.append(finding)
    # A file with a syntax error is not analysed: drop partial findings ruff made on it.
    kept = [f for f in findings if f.location.path not in broken]
    return kept, list(broken.values())


def _literal(rec: RuffRecord, lines: Sequence[str]) -> str | None:
    raw = source_range(
        lines, (rec.location.row, rec.location.column), (rec.end_location.row, rec.end_location.column)
    )
    found = _STRING.findall(raw)
    return found[-1][1] if found else None


def _names_no_secret(rec: RuffRecord) -> bool:
    """``token_type = "auth"``, ``TOKEN_PREFIX = "tok_"``: the name says it holds a kind or a
    label of a credential, not the credential (ruff matched "token" in it)."""
    name = _ASSIGNED_NAME.search(rec.message)
    return bool(name and _DESCRIPTOR_NAME.search(name.group(1)))


def silenced_because(rec: RuffRecord, lines: Sequence[str], project: ProjectRuff | None) -> str:
    row = rec.noqa_row or rec.location.row
    if 0 < row <= len(lines) and _NOQA.search(lines[row - 1]):
        return f"# noqa on line {row} (ruff)"
    where = project.config if project is not None and project.config else "the project's ruff configuration"
    code = rec.code or ""
    if project is not None and any(code.startswith(i) for i in project.ignores):
        return f"ignored in {where} (ruff ignore)"
    return f"ignored in {where} (ruff per-file-ignores)"


def _finding(rec: RuffRecord, rel: str, lines: list[str]) -> Finding:
    code = rec.code or "?"
    rule = _BY_CODE.get(code, UNMAPPED)
    start = (rec.location.row, rec.location.column)
    end = (rec.end_location.row, rec.end_location.column)
    snippet = source_range(lines, start, end)
    if code in SECRET_CODES:
        snippet = redact_snippet(snippet)
    props = [("ruff_code", code)]
    if rec.url:
        props.append(("url", rec.url))
    severity = confidence = None
    if _CONSTANT_INPUT in rec.message:  # ruff saw a literal command: a hint, not an injection
        props.append(("input", "constant"))
        severity, confidence = Severity.LOW, Confidence.LOW
    return rule.finding(
        Location(rel, rec.location.row, rec.location.column, rec.end_location.row, rec.end_location.column),
        f"{code} {rec.message}" if rule is UNMAPPED else rec.message,
        snippet,
        fix=rec.fix,
        context=code_context(rel),
        tool="ruff",
        properties=tuple(props),
        severity=severity,
        confidence=confidence,
    )


def failed_to_lint(stderr: str, paths: PathMap) -> list[NotAnalysed]:
    """Files ruff could not read ("warning: Failed to lint X: why") as NotAnalysed entries."""
    out: list[NotAnalysed] = []
    for line in stderr.splitlines():
        match = _FAILED.match(line.strip())
        if not match:
            continue
        why = match.group("why")
        reason = (
            NotAnalysedReason.DECODE_ERROR
            if "UTF-8" in why
            else NotAnalysedReason.VANISHED
            if "No such file" in why
            else NotAnalysedReason.PERMISSION
            if "ermission denied" in why
            else NotAnalysedReason.ERROR
        )
        out.append(NotAnalysed(paths.relative(match.group("path")), reason, why, "ruff"))
    return out


def _lint(ctx: RepoContext, argv: list[str]) -> _run.Completed:
    return _run.run(_run.Invocation(tuple(argv), ctx.root, ctx.config.analyzer_timeout_s))


def run_ruff(
    ctx: RepoContext,
    binary: str,
    files: Sequence[str],
    cache: Path | None,
    project: ProjectRuff | None = None,
) -> RuffRun:
    """Each batch as the project runs ruff, then with everything on (see the module doc)."""
    result = RuffRun()
    paths = PathMap(ctx.root, files)
    if project is not None and project.error:
        result.notices.append(_fallback_notice(project.error))
    for batch in _run.batches(files):
        try:
            done = _lint(ctx, command(binary, cache, batch, project))
            if (
                project is not None
                and not project.error
                and RUFF_EXIT.outcome(done.exit_code) is Outcome.ERROR
            ):
                project = dataclasses.replace(project, error=_run.tail(done.stderr))
                result.notices.append(_fallback_notice(project.error))
                done = _lint(ctx, command(binary, cache, batch, project))
            if RUFF_EXIT.outcome(done.exit_code) is Outcome.ERROR:
                reason = f"{RUFF_EXIT.describe(done.exit_code)}: {_run.tail(done.stderr)}"
                result.failed.extend(NotAnalysed(p, NotAnalysedReason.ERROR, reason, "ruff") for p in batch)
                continue
            everything = _lint(ctx, command(binary, cache, batch, project, everything=True))
        except ToolTimeout as exc:
            return dataclasses.replace(result, timed_out=str(exc))
        reported = parse(done.stdout)
        result.records.extend(reported)
        result.failed.extend(failed_to_lint(done.stderr, paths))
        if RUFF_EXIT.outcome(everything.exit_code) is not Outcome.ERROR:
            seen = {r.key for r in reported}
            result.silenced.extend(r for r in parse(everything.stdout) if r.key not in seen)
    return result


def _fallback_notice(why: str) -> str:
    return (
        "ruff: the project's ruff configuration could not be used, so ruff ran with its defaults "
        f"(--isolated) and the project's ignores and per-file-ignores were not applied: {why}"
    )


class RuffAnalyzer(RepoAnalyzer):
    """Runs ruff once (in argument-length batches) over the Python files discovery accepted."""

    name: ClassVar[str] = "ruff"
    version: ClassVar[str] = "2"
    rules: ClassVar[tuple[RuleMeta, ...]] = (*RULES, UNMAPPED)

    def cache_inputs(self, ctx: RepoContext) -> Sequence[SourceFile] | None:
        """The Python files and every ruff configuration (theirs decide what is silenced)."""
        return [f for f in ctx.files if f.language == "python" or f.path.rsplit("/", 1)[-1] in _CONFIGS]

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        files = [f.path for f in ctx.files if f.language == "python"]
        if not files:
            raise AnalyzerSkipped("no Python files to lint")
        binary = _run.locate("ruff")
        cache = ctx.cache_dir / "ruff" if ctx.cache_dir is not None else None
        if cache is not None:
            cache.mkdir(parents=True, exist_ok=True)
        project = read_project(ctx.root)
        outcome = run_ruff(ctx, binary, files, cache, project)
        findings, broken = to_findings(outcome.records, PathMap(ctx.root, files), outcome.silenced, project)
        state, reason = AnalyzerState.OK, ""
        if outcome.timed_out:
            state, reason = AnalyzerState.TIMEOUT, outcome.timed_out
        elif any(n.reason is NotAnalysedReason.ERROR for n in outcome.failed):
            state, reason = AnalyzerState.PARTIAL, f"ruff failed on {len(outcome.failed)} file(s)"
        return RepoResult(
            findings=tuple(findings),
            not_analysed=(*broken, *outcome.failed),
            state=state,
            reason=reason,
            tool_version=_run.version(binary, ctx.root),
            notices=tuple(dict.fromkeys(outcome.notices)),
            cacheable=state is AnalyzerState.OK,
        )
