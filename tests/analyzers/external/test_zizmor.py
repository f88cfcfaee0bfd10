"""The zizmor wrapper: recorded outputs parsed without the binary, and one real run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stackaudit.analyzers.base import AnalyzerSkipped, RepoContext, SourceFile
from stackaudit.analyzers.external import _run
from stackaudit.analyzers.external._run import Outcome, ToolFailed
from stackaudit.analyzers.external.zizmor import (
    CONFIDENCE,
    SEVERITY,
    ZIZMOR_EXIT,
    ZizmorAnalyzer,
    command,
    is_actions_file,
    parse,
    skipped_by_zizmor,
    to_findings,
    workflow_holds,
    workflow_triggers,
)
from stackaudit.analyzers.external.zizmor_audits import AUDITS
from stackaudit.config.schema import Config
from stackaudit.model import AnalyzerState, Category, CodeContext, Confidence, NotAnalysedReason, Severity

from ._labels import expected, score

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = FIXTURES / "zizmor_project"
LABELLED = [".github/workflows/*.yml", "actions/*/action.yml"]


def _triples(findings: list) -> set[tuple[str, int, str]]:  # type: ignore[type-arg]
    return {(f.location.path, f.location.line, f.rule_id) for f in findings}


def _context(root: Path) -> RepoContext:
    files = tuple(
        SourceFile(p.relative_to(root).as_posix(), p, p.stat().st_size, "yaml")
        for p in sorted(root.rglob("*.y*ml"))
    )
    return RepoContext(root=root, files=files, config=Config(), is_git=False)


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (0, Outcome.CLEAN),
        (1, Outcome.ERROR),
        (2, Outcome.ERROR),
        (3, Outcome.CLEAN),
        (10, Outcome.FINDINGS),
        (11, Outcome.FINDINGS),
        (12, Outcome.FINDINGS),
        (13, Outcome.FINDINGS),
        (14, Outcome.FINDINGS),
        (15, Outcome.ERROR),
        (101, Outcome.ERROR),
    ],
)
def test_exit_table_covers_every_code(code: int, outcome: Outcome) -> None:
    assert ZIZMOR_EXIT.outcome(code) is outcome
    assert ZIZMOR_EXIT.describe(code)


@pytest.mark.parametrize(
    ("level", "severity"),
    [
        ("Unknown", Severity.INFO),
        ("Informational", Severity.INFO),
        ("Low", Severity.LOW),
        ("Medium", Severity.MEDIUM),
        ("High", Severity.HIGH),
    ],
)
def test_severity_table_covers_every_zizmor_level(level: str, severity: Severity) -> None:
    assert SEVERITY[level.lower()] is severity
    assert len(SEVERITY) == 5


@pytest.mark.parametrize(
    ("level", "confidence"),
    [
        ("Unknown", Confidence.LOW),
        ("Low", Confidence.LOW),
        ("Medium", Confidence.MEDIUM),
        ("High", Confidence.HIGH),
    ],
)
def test_confidence_table_covers_every_zizmor_level(level: str, confidence: Confidence) -> None:
    assert CONFIDENCE[level.lower()] is confidence
    assert len(CONFIDENCE) == 4


def test_recorded_output_scores_perfectly_against_labels() -> None:
    findings = to_findings(parse((FIXTURES / "zizmor_project.json").read_text()))
    truth = expected(PROJECT, LABELLED, "zizmor.")
    result = score(_triples(findings), truth)
    print(f"zizmor recorded corpus: {result}")
    assert result.precision == 1.0 and result.recall == 1.0, result
    assert not any(f.location.path.endswith("hardened.yml") for f in findings)


def test_finding_fields_map_zizmor_determinations() -> None:
    findings = to_findings(parse((FIXTURES / "zizmor_project.json").read_text()))
    by_rule = {f.rule_id: f for f in findings if not f.location.path.startswith("actions/")}
    injection = by_rule["zizmor.template-injection"]
    assert injection.snippet == 'echo "${{ github.event.issue.title }}"'
    assert injection.severity is Severity.HIGH and injection.confidence is Confidence.HIGH
    assert injection.cwe == (94,) and injection.category is Category.SECURITY
    assert injection.tool == "zizmor" and injection.context is CodeContext.CONFIG
    assert injection.related and injection.prop("zizmor_audit") == "template-injection"
    assert injection.location.line == 11 and injection.location.column > 1
    artipacked = by_rule["zizmor.artipacked"]
    assert artipacked.confidence is Confidence.LOW and artipacked.fix == "set persist-credentials: false"
    assert by_rule["zizmor.unpinned-uses"].snippet == "actions/checkout@v4"


def test_unknown_audit_and_ignored_findings() -> None:
    raw = """[
      {"ident": "brand-new-audit", "desc": "something new", "url": "u",
       "determinations": {"confidence": "Unknown", "severity": "Unknown", "persona": "Regular"},
       "locations": [{"symbolic": {"key": {"Local": {"verbatim_path": "./w.yml"}}, "annotation": "here",
                      "kind": "Primary"},
                      "concrete": {"location": {"start_point": {"row": 0, "column": 0},
                                                "end_point": {"row": 0, "column": 3}}, "feature": "on:"}}],
       "ignored": false, "fixes": []},
      {"ident": "artipacked", "desc": "d", "url": "u", "determinations": {"confidence": "High",
       "severity": "High", "persona": "Regular"}, "locations": [], "ignored": true, "fixes": []}
    ]"""
    (only,) = to_findings(parse(raw))
    assert only.rule_id == "zizmor.unmapped" and only.prop("zizmor_audit") == "brand-new-audit"
    assert only.severity is Severity.INFO and only.location.path == "w.yml" and only.location.line == 1


@pytest.mark.parametrize("stdout", ["<html>", '{"x": 1}', '[{"desc": "no ident"}]'])
def test_parse_rejects_malformed_output(stdout: str) -> None:
    with pytest.raises(ToolFailed):
        parse(stdout)


def test_skipped_inputs_come_from_progress_lines() -> None:
    stderr = (FIXTURES / "zizmor_project.stderr").read_text()
    passed = [".github/workflows/prt.yml", ".github/workflows/schema.yml"]
    (skipped,) = skipped_by_zizmor(stderr, passed)
    assert skipped.path == ".github/workflows/schema.yml" and skipped.reason is NotAnalysedReason.MALFORMED
    assert skipped_by_zizmor("", passed) == []


@pytest.mark.parametrize(
    ("path", "expected_match"),
    [
        (".github/workflows/ci.yml", True),
        (".github/workflows/ci.yaml", True),
        ("action.yml", True),
        ("tools/setup/action.yaml", True),
        (".github/workflows/sub/x.yml", False),
        ("docs/ci.yml", False),
        (".github/workflows/readme.md", False),
        (".github/dependabot.yml", False),
    ],
)
def test_which_files_are_audited(path: str, expected_match: bool) -> None:
    assert is_actions_file(path) is expected_match


def test_command_is_offline_without_token_or_repo_config() -> None:
    argv = command("zizmor", ["a.yml"])
    assert "--offline" in argv and "--no-config" in argv and "--no-progress" in argv
    assert argv[argv.index("--format") + 1] == "json-v1"
    assert argv[-2:] == ["--", "a.yml"]
    assert not any("token" in a for a in argv)


def test_audit_table_is_well_formed() -> None:
    ids = [r.id for r in AUDITS]
    assert len(ids) == len(set(ids))
    for needed in (
        "template-injection",
        "excessive-permissions",
        "unpinned-uses",
        "artipacked",
        "dangerous-triggers",
        "cache-poisoning",
    ):
        assert f"zizmor.{needed}" in ids
    assert all(r.category is Category.SECURITY and r.doc for r in AUDITS)


def test_real_run_matches_labels_and_recording(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GH_TOKEN", "must-not-be-used")
    root = tmp_path / "repo"
    shutil.copytree(PROJECT, root)
    result = ZizmorAnalyzer().analyze_repo(_context(root))
    assert result.state is AnalyzerState.OK and result.tool_version.startswith("zizmor ")
    outcome = score(_triples(list(result.findings)), expected(root, LABELLED, "zizmor."))
    print(f"zizmor real run: {outcome}")
    assert outcome.precision == 1.0 and outcome.recall == 1.0, outcome
    recorded = to_findings(parse((FIXTURES / "zizmor_project.json").read_text()))
    assert _triples(recorded) == _triples(list(result.findings))  # the recording is current
    assert sorted((n.path, n.reason) for n in result.not_analysed) == [
        (".github/workflows/broken.yml", NotAnalysedReason.MALFORMED),
        (".github/workflows/scalar.yaml", NotAnalysedReason.MALFORMED),
        (".github/workflows/schema.yml", NotAnalysedReason.MALFORMED),
    ]


def test_real_exit_codes(tmp_path: Path) -> None:
    binary = _run.locate("zizmor")
    clean = PROJECT / ".github/workflows/hardened.yml"
    dirty = PROJECT / ".github/workflows/prt.yml"
    codes = [
        _run.run(_run.Invocation(tuple(command(binary, [str(clean)])), tmp_path, 60)).exit_code,
        _run.run(_run.Invocation(tuple(command(binary, [str(dirty)])), tmp_path, 60)).exit_code,
        _run.run(_run.Invocation((binary, "--no-such-flag"), tmp_path, 60)).exit_code,
        _run.run(_run.Invocation(tuple(command(binary, [str(tmp_path)])), tmp_path, 60)).exit_code,
    ]
    assert codes[1] == 14 and codes[3] == 3
    assert [ZIZMOR_EXIT.outcome(c) for c in codes] == [
        Outcome.CLEAN,
        Outcome.FINDINGS,
        Outcome.ERROR,
        Outcome.CLEAN,
    ]


def test_nothing_to_audit_is_a_skip(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    ctx = RepoContext(
        root=tmp_path,
        files=(SourceFile("a.py", tmp_path / "a.py", 6, "python"),),
        config=Config(),
        is_git=False,
    )
    with pytest.raises(AnalyzerSkipped):
        ZizmorAnalyzer().analyze_repo(ctx)


def test_hardcoded_container_credentials_are_redacted(tmp_path: Path) -> None:
    digest = "ab" * 32
    workflow = tmp_path / ".github" / "workflows" / "c.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "name: x\non: push\npermissions: {}\njobs:\n  a:\n    name: a\n    runs-on: ubuntu-latest\n"
        f"    container:\n      image: ghcr.io/acme/app@sha256:{digest}\n      credentials:\n"
        "        username: bot\n        password: hunter2hunter2\n    steps:\n      - run: echo hi\n"
    )
    (finding,) = ZizmorAnalyzer().analyze_repo(_context(tmp_path)).findings
    assert finding.rule_id == "zizmor.hardcoded-container-credentials"
    assert "hunter2hunter2" not in repr(finding) and "password: hun…sha256:" in finding.snippet


_READ_ONLY = """on: push
permissions:
  contents: read
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make test
        env:
          TOKEN: ${{ secrets.GITHUB_TOKEN }}
"""


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        (_READ_ONLY, "nothing"),
        (_READ_ONLY.replace("contents: read", "contents: write"), "write"),
        (_READ_ONLY.replace("permissions:\n  contents: read\n", ""), "write"),  # the default token
        (_READ_ONLY.replace("GITHUB_TOKEN", "PYPI_TOKEN"), "secrets"),
        (_READ_ONLY.replace("on: push", "on: pull_request_target"), "pull_request_target"),
        (_READ_ONLY.replace("permissions:\n  contents: read", "permissions: write-all"), "write"),
    ],
)
def test_what_a_workflow_holds(text: str, holds: str) -> None:
    assert workflow_holds(text) == holds


@pytest.mark.parametrize(
    ("text", "triggers"),
    [
        ("on:\n  push:\n    branches: [main]\n    tags: ['v*']\n  workflow_dispatch:\n", "trusted"),
        ("on: [push, schedule]\n", "trusted"),
        ("on: release\n", "trusted"),
        ("on:\n  pull_request:\n  push:\n", "untrusted"),
        ("on: issue_comment\n", "untrusted"),
        ("on: [pull_request_target]\n", "untrusted"),
        ("name: x\n", "untrusted"),  # no trigger found: assume the worst
        ("on: [\n", "untrusted"),
    ],
)
def test_who_can_start_a_workflow(text: str, triggers: str) -> None:
    """A template expansion in a workflow only pushes, tags and people with write access start
    expands values those people control: it ranks lower (engine/score.py)."""
    assert workflow_triggers(text) == triggers
