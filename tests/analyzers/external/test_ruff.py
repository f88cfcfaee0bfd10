"""The ruff wrapper: recorded outputs parsed without the binary, and one real run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from stackaudit.analyzers.base import RepoContext, SourceFile
from stackaudit.analyzers.external import _run
from stackaudit.analyzers.external._common import PathMap, not_a_secret
from stackaudit.analyzers.external._ruff_project import ProjectRuff, target_version
from stackaudit.analyzers.external._run import Outcome, ToolFailed
from stackaudit.analyzers.external.ruff import (
    RUFF_EXIT,
    RuffAnalyzer,
    command,
    failed_to_lint,
    parse,
    to_findings,
)
from stackaudit.analyzers.external.ruff_rules import GENERATED_WITH, RULES, SELECT
from stackaudit.config.schema import Config
from stackaudit.model import AnalyzerState, CodeContext, Confidence, Finding, NotAnalysedReason, Severity

from ._labels import expected, score

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = FIXTURES / "ruff_project"
PY_FILES = ("app/positive.py", "app/negative.py", "app/broken.py", "tests/helpers.py")


def _recorded(name: str, root: Path) -> str:
    return (FIXTURES / name).read_text().replace("{ROOT}", str(root))


def _triples(findings: list) -> set[tuple[str, int, str]]:  # type: ignore[type-arg]
    return {(f.location.path, f.location.line, f.rule_id) for f in findings}


def _context(root: Path, tmp_path: Path) -> RepoContext:
    files = tuple(SourceFile(p, root / p, (root / p).stat().st_size, "python") for p in PY_FILES)
    readme = SourceFile("README.md", root / "README.md", 0, "text")
    return RepoContext(
        root=root, files=(*files, readme), config=Config(), is_git=False, cache_dir=tmp_path / "cache"
    )


@pytest.mark.parametrize(
    ("code", "outcome"), [(0, Outcome.CLEAN), (1, Outcome.FINDINGS), (2, Outcome.ERROR), (101, Outcome.ERROR)]
)
def test_exit_table_covers_every_code(code: int, outcome: Outcome) -> None:
    assert RUFF_EXIT.outcome(code) is outcome
    assert RUFF_EXIT.describe(code)


def test_recorded_output_scores_perfectly_against_labels() -> None:
    records = parse(_recorded("ruff_project.json", PROJECT))
    findings, broken = to_findings(records, PathMap(PROJECT, PY_FILES))
    truth = expected(PROJECT, ["app/*.py", "tests/*.py"], "ruff.")
    result = score(_triples(findings), truth)
    print(f"ruff recorded corpus: {result}")
    assert result.precision == 1.0 and result.recall == 1.0, result
    assert [(n.path, n.reason) for n in broken] == [("app/broken.py", NotAnalysedReason.SYNTAX_ERROR)]
    assert broken[0].detail.startswith("line 1:")


def test_findings_carry_snippet_context_and_metadata() -> None:
    records = parse(_recorded("ruff_project.json", PROJECT))
    findings, _ = to_findings(records, PathMap(PROJECT, PY_FILES))
    by_rule = {f.rule_id: f for f in findings}
    shell = by_rule["ruff.S602"]
    assert shell.snippet == "subprocess.call"
    assert shell.tool == "ruff" and shell.severity is Severity.HIGH and shell.cwe == (78,)
    assert shell.prop("ruff_code") == "S602"
    assert shell.prop("url", "").endswith("subprocess-popen-with-shell-equals-true")
    assert by_rule["ruff.S608"].snippet.startswith('"SELECT * FROM users')
    assert by_rule["ruff.B006"].fix.startswith("Replace with `None`")
    assert by_rule["ruff.S101"].context is CodeContext.TEST
    assert by_rule["ruff.S602"].context is CodeContext.UNKNOWN
    assert by_rule["ruff.B006"].location.column == 20 and by_rule["ruff.B006"].location.end_column == 22


def test_legacy_syntax_errors_and_unmapped_codes(tmp_path: Path) -> None:
    (tmp_path / "new.py").write_text("foo()\n")
    records = parse(_recorded("ruff_legacy.json", tmp_path))
    assert [r.is_syntax_error for r in records] == [True, True, False]
    findings, broken = to_findings(records, PathMap(tmp_path, ["old.py", "older.py", "new.py"]))
    assert sorted(n.path for n in broken) == ["old.py", "older.py"]
    (only,) = findings
    assert only.rule_id == "ruff.unmapped" and only.prop("ruff_code") == "S999"
    assert only.message.startswith("S999 ") and only.snippet == "foo" and only.fix == "do the safe thing"


@pytest.mark.parametrize("stdout", ["not json", '{"a": 1}', '[{"message": "no filename"}]'])
def test_parse_rejects_malformed_output(stdout: str) -> None:
    with pytest.raises(ToolFailed):
        parse(stdout)


def test_command_is_isolated_and_offline(tmp_path: Path) -> None:
    argv = command("ruff", tmp_path, ["a.py", "./-b.py"])
    assert argv[:2] == ["ruff", "check"]
    assert "--isolated" in argv and "--no-fix" in argv
    assert argv[argv.index("--select") + 1] == ",".join(SELECT)
    assert "--target-version" not in argv  # no project: ruff's own default, never a forced py312
    assert argv[argv.index("--cache-dir") + 1] == str(tmp_path)
    assert argv[-3:] == ["--", "a.py", "./-b.py"]
    assert "--no-cache" in command("ruff", None, ["a.py"])


def test_rule_table_is_complete_and_well_formed() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)) and len(ids) > 50
    for rule in RULES:
        assert rule.id.startswith("ruff.") and rule.doc.startswith("ruff rule ")
        assert "## What it does" in rule.doc
    for prefix in ("S", "PERF", "ASYNC", "BLE"):
        assert any(r.id.startswith(f"ruff.{prefix}") for r in RULES)


def test_rule_table_matches_installed_ruff() -> None:
    binary = _run.locate("ruff")
    if _run.version(binary, Path.cwd()) != GENERATED_WITH:
        pytest.skip(f"ruff_rules.py was generated with {GENERATED_WITH}; regenerate for this ruff")
    done = _run.run(_run.Invocation((binary, "rule", "--all", "--output-format", "json"), Path.cwd(), 60))
    stable = {
        r["code"]
        for r in json.loads(done.stdout)
        if r.get("code") and not r.get("preview") and "Stable" in json.dumps(r.get("status"))
    }
    ours = {r.id.removeprefix("ruff.") for r in RULES}
    assert ours <= stable


def test_real_run_matches_labels_and_recording(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(PROJECT, root)
    (root / "README.md").write_text("not python\n")
    result = RuffAnalyzer().analyze_repo(_context(root, tmp_path))
    assert result.state is AnalyzerState.OK and result.tool_version.startswith("ruff ")
    truth = expected(root, ["app/*.py", "tests/*.py"], "ruff.")
    active = [f for f in result.findings if not f.prop("suppressed_by")]
    quiet = [f for f in result.findings if f.prop("suppressed_by")]
    assert [(f.location.path, f.rule_id) for f in quiet] == [("app/negative.py", "ruff.S603")]  # its noqa
    outcome = score(_triples(active), truth)
    print(f"ruff real run: {outcome}")
    assert outcome.precision == 1.0 and outcome.recall == 1.0, outcome
    recorded, _ = to_findings(parse(_recorded("ruff_project.json", root)), PathMap(root, PY_FILES))
    assert _triples(recorded) == _triples(active)  # the recording is current
    assert [n.path for n in result.not_analysed] == ["app/broken.py"]
    assert (tmp_path / "cache" / "ruff").is_dir()


def test_real_exit_codes(tmp_path: Path) -> None:
    binary = _run.locate("ruff")
    (tmp_path / "clean.py").write_text("X = 1\n")
    (tmp_path / "dirty.py").write_text("assert X\n")
    base = (binary, "check", "--isolated", "--no-cache", "--select", "S101")
    codes = [
        _run.run(_run.Invocation((*base, "clean.py"), tmp_path, 30)).exit_code,
        _run.run(_run.Invocation((*base, "dirty.py"), tmp_path, 30)).exit_code,
        _run.run(_run.Invocation((binary, "check", "--select", "NOPE999"), tmp_path, 30)).exit_code,
    ]
    assert [RUFF_EXIT.outcome(c) for c in codes] == [Outcome.CLEAN, Outcome.FINDINGS, Outcome.ERROR]


def test_batches_split_long_command_lines() -> None:
    paths = [f"pkg/module_{i:04d}.py" for i in range(2000)]
    chunks = _run.batches(paths, budget=5000)
    assert len(chunks) > 1 and [p for c in chunks for p in c] == paths
    assert all(sum(len(p) + 1 for p in c) <= 5000 for c in chunks)
    assert _run.batches(["-x.py"]) == [["./-x.py"]]


def test_missing_binary_is_a_skip(tmp_path: Path) -> None:
    from stackaudit.analyzers.base import AnalyzerSkipped

    with pytest.raises(AnalyzerSkipped):
        _run.locate("stackaudit-no-such-engine")
    with pytest.raises(AnalyzerSkipped):
        _run.run(_run.Invocation((str(tmp_path / "missing"),), tmp_path, 5))


def test_timeout_is_reported(tmp_path: Path) -> None:
    sleep = shutil.which("sleep")
    assert sleep is not None
    with pytest.raises(_run.ToolTimeout, match="timed out"):
        _run.run(_run.Invocation((sleep, "5"), tmp_path, 0.2))


def test_no_python_files_is_a_skip(tmp_path: Path) -> None:
    from stackaudit.analyzers.base import AnalyzerSkipped

    ctx = RepoContext(root=tmp_path, files=(), config=Config(), is_git=False)
    with pytest.raises(AnalyzerSkipped):
        RuffAnalyzer().analyze_repo(ctx)


def test_environment_drops_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_should_not_leak")
    env = _run._environment(())
    assert "GITHUB_TOKEN" not in env and env["NO_COLOR"] == "1"


def test_unreadable_files_are_not_analysed(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b'x = "\xe9"\nassert x\n')
    (tmp_path / "ok.py").write_text("assert y\n")
    (tmp_path / "gone.py").symlink_to(tmp_path / "nowhere.py")
    names = ("latin.py", "ok.py", "gone.py")
    files = tuple(SourceFile(n, tmp_path / n, 10, "python") for n in names)
    ctx = RepoContext(root=tmp_path, files=files, config=Config(), is_git=False)
    result = RuffAnalyzer().analyze_repo(ctx)
    assert sorted((n.path, n.reason) for n in result.not_analysed) == [
        ("gone.py", NotAnalysedReason.VANISHED),
        ("latin.py", NotAnalysedReason.DECODE_ERROR),
    ]
    assert [f.location.path for f in result.findings] == ["ok.py"]
    assert result.state is AnalyzerState.OK


def test_failed_to_lint_parses_recorded_stderr() -> None:
    stderr = (
        "warning: Failed to lint latin.py: stream did not contain valid UTF-8\n"
        "warning: Failed to lint ./-odd.py: Permission denied (os error 13)\n"
        "error: Failed to lint x.py: something new\n"
        "warning: unrelated\n"
    )
    got = failed_to_lint(stderr, PathMap(PROJECT, ["latin.py", "-odd.py", "x.py"]))
    assert [(n.path, n.reason) for n in got] == [
        ("latin.py", NotAnalysedReason.DECODE_ERROR),
        ("-odd.py", NotAnalysedReason.PERMISSION),
        ("x.py", NotAnalysedReason.ERROR),
    ]


def test_hardcoded_passwords_are_redacted(tmp_path: Path) -> None:
    secrets = ("hunter2hunter2", "s3cr3t-value-1", "another-secret")
    (tmp_path / "pw.py").write_text(
        f'PASSWORD = "{secrets[0]}"\n\n\ndef f(password="{secrets[1]}"):\n'
        f'    return connect(password="{secrets[2]}")\n'
    )
    ctx = RepoContext(
        root=tmp_path,
        files=(SourceFile("pw.py", tmp_path / "pw.py", 99, "python"),),
        config=Config(),
        is_git=False,
    )
    findings = RuffAnalyzer().analyze_repo(ctx).findings
    assert {f.rule_id for f in findings} == {"ruff.S105", "ruff.S106", "ruff.S107"}
    for finding in findings:
        assert "…sha256:" in finding.snippet
        assert not any(secret in repr(finding) for secret in secrets)


def test_command_runs_as_the_project_does_and_then_with_everything_on() -> None:
    project = ProjectRuff("pyproject.toml", ("S101", "E501"), "py310")
    theirs = command("ruff", None, ["a.py"], project)
    assert "--isolated" not in theirs and "--ignore-noqa" not in theirs
    assert theirs[theirs.index("--select") + 1] == ",".join(SELECT)  # we choose the rules
    assert theirs[theirs.index("--extend-ignore") + 1] == "S101,E501"  # they choose where not
    assert "--target-version" not in theirs  # ruff reads requires-python itself
    everything = command("ruff", None, ["a.py"], project, everything=True)
    assert "--isolated" in everything and "--ignore-noqa" in everything
    assert everything[everything.index("--target-version") + 1] == "py310"
    broken = command("ruff", None, ["a.py"], ProjectRuff("ruff.toml", (), None, "invalid TOML"))
    assert "--isolated" in broken and "--ignore-noqa" not in broken


@pytest.mark.parametrize(
    ("spec", "target"),
    [
        (">=3.10", "py310"),
        (">=3.8,<4", "py38"),
        ("~=3.11", "py311"),
        ("^3.9", "py39"),
        (">=2.7", None),
        (">=3.4", "py37"),
        ("", None),
    ],
)
def test_target_version_from_requires_python(spec: str, target: str | None) -> None:
    assert target_version(spec) == target


_CODE = """import subprocess
assert subprocess
password = "hunter2hunter2"
subprocess.call("ls " + subprocess.x, shell=True)  # noqa: S602
subprocess.call("ls " + subprocess.y, shell=True)
match subprocess:
    case _:
        pass
"""


def _project(root: Path, pyproject: str) -> RepoContext:
    (root / "app").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(pyproject)
    for path in ("app/a.py", "tests/t.py"):
        (root / path).write_text(_CODE)
    files = tuple(SourceFile(p, root / p, 9, "python") for p in ("app/a.py", "tests/t.py"))
    return RepoContext(root=root, files=files, config=Config(), is_git=False)


def _by_state(
    findings: tuple[Finding, ...],
) -> tuple[set[tuple[str, int, str]], dict[tuple[str, int, str], str]]:
    active = {(f.location.path, f.location.line, f.rule_id) for f in findings if not f.prop("suppressed_by")}
    quiet = {(f.location.path, f.location.line, f.rule_id): f.prop("suppressed_by") or "" for f in findings}
    return active, {k: v for k, v in quiet.items() if v}


def test_the_projects_ruff_decisions_come_back_as_suppressed(tmp_path: Path) -> None:
    ctx = _project(
        tmp_path,
        '[project]\nname = "x"\nrequires-python = ">=3.10"\n'
        '[tool.ruff.lint]\nselect = ["E"]\nignore = ["S101"]\n'
        '[tool.ruff.lint.per-file-ignores]\n"tests/*" = ["S105"]\n',
    )
    result = RuffAnalyzer().analyze_repo(ctx)
    active, quiet = _by_state(result.findings)
    assert active == {
        ("app/a.py", 3, "ruff.S105"),
        ("app/a.py", 5, "ruff.S602"),
        ("tests/t.py", 5, "ruff.S602"),
    }
    assert quiet[("app/a.py", 2, "ruff.S101")] == "ignored in pyproject.toml (ruff ignore)"
    assert quiet[("tests/t.py", 3, "ruff.S105")] == "ignored in pyproject.toml (ruff per-file-ignores)"
    assert quiet[("app/a.py", 4, "ruff.S602")] == "# noqa on line 4 (ruff)"
    assert not result.not_analysed and not result.notices  # `match` on 3.10 parses


def test_a_broken_ruff_configuration_falls_back_to_isolated_with_a_notice(tmp_path: Path) -> None:
    ctx = _project(tmp_path, "[tool.ruff\n")
    result = RuffAnalyzer().analyze_repo(ctx)
    active, quiet = _by_state(result.findings)
    assert ("app/a.py", 2, "ruff.S101") in active and ("tests/t.py", 3, "ruff.S105") in active
    assert set(quiet.values()) == {"# noqa on line 4 (ruff)"}  # the inline marker still stands
    assert len(result.notices) == 1 and "--isolated" in result.notices[0]
    assert not result.not_analysed  # newer syntax than ruff's default target is not a parse error


@pytest.mark.parametrize(
    ("value", "dropped"),
    [
        ("", True),
        ("bearer", True),
        ("success", True),
        ("password_reset_failed", True),
        ("INVALID_TOKEN", True),
        ("https://example.org/reset", True),
        ("Your password was changed", True),
        ("{password}", True),
        ("changeme", False),
        ("hunter2", False),
        ("correct-horse-battery", False),
        ("S3cr3t!", False),
    ],
)
def test_password_name_hints_on_obvious_non_secrets_are_dropped(value: str, dropped: bool) -> None:
    assert not_a_secret(value) is dropped


def test_password_name_hints_rank_low(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        'TOKEN_TYPE = "bearer"\nSTATUS_PASSWORD = "success"\nPASSWORD = "hunter2x"\n'
    )
    ctx = RepoContext(
        root=tmp_path,
        files=(SourceFile("a.py", tmp_path / "a.py", 9, "python"),),
        config=Config(),
        is_git=False,
    )
    (finding,) = RuffAnalyzer().analyze_repo(ctx).findings
    assert (finding.rule_id, finding.location.line) == ("ruff.S105", 3)
    assert finding.severity is Severity.LOW and finding.confidence is Confidence.LOW


def test_a_shell_running_a_literal_command_is_a_low_hint(tmp_path: Path) -> None:
    (tmp_path / "c.py").write_text(
        'import subprocess\nsubprocess.call("ls -l", shell=True)\nsubprocess.call(cmd, shell=True)\n'
    )
    ctx = RepoContext(
        root=tmp_path,
        files=(SourceFile("c.py", tmp_path / "c.py", 9, "python"),),
        config=Config(),
        is_git=False,
    )
    shells = {
        f.location.line: f for f in RuffAnalyzer().analyze_repo(ctx).findings if f.rule_id == "ruff.S602"
    }
    assert shells[2].severity is Severity.LOW and shells[2].prop("input") == "constant"
    assert shells[3].severity is Severity.HIGH and shells[3].prop("input") is None


def test_names_that_describe_a_credential_are_not_credentials(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text(
        'def f(token_type="auth"):\n    TOKEN_PREFIX = "tok_"\n    password_field = "pw1"\n'
        '    api_token = "9f8e7d6c"\n    return token_type\n'
    )
    ctx = RepoContext(
        root=tmp_path,
        files=(SourceFile("t.py", tmp_path / "t.py", 9, "python"),),
        config=Config(),
        is_git=False,
    )
    (finding,) = RuffAnalyzer().analyze_repo(ctx).findings
    assert (finding.rule_id, finding.location.line) == ("ruff.S105", 4)
