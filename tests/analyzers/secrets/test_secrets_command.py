"""``stackaudit secrets`` end to end (tree, --staged, --history) and redaction in every format."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from stackaudit.analyzers import registry
from stackaudit.commands.secrets import analyzers_for

SECRET = "sk_live_Zq8RtY2mKp4LxW9vBn3cDf7G"  # stackaudit: ignore[secret.stripe-key] fake key for the test


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def run(root: Path, *args: str) -> Outcome:
    """The real CLI app in-process (CliRunner): same wiring as the console script, no start-up cost."""
    from typer.testing import CliRunner

    from stackaudit.cli import build_app

    argv = ["secrets", str(root), *args, "--db", f"sqlite:///{root}/.sa.db"]
    result = CliRunner().invoke(build_app(), argv, catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr if result.stderr_bytes is not None else "")


def git(root: Path, *args: str) -> None:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
        "HOME": str(root),
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, timeout=30)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / ".gitignore").write_text(".sa.db*\n*.out\n.stackaudit/\n")
    (tmp_path / "stackaudit.toml").write_text("jobs = 1\n")  # analyse in-process: a small repo
    (tmp_path / "app.py").write_text(f'STRIPE = "{SECRET}"\n')
    return tmp_path


def test_modes_select_analyzers() -> None:
    assert analyzers_for(False, False) == {"secrets"}
    assert analyzers_for(True, False) == {"secrets-staged"}
    assert analyzers_for(False, True) == {"secrets-history"}
    names = {a.name for a in registry.all_analyzers()}
    assert {"secrets", "secrets-staged", "secrets-history"} <= names


@pytest.mark.slow
def test_console_script_entry_point(repo: Path) -> None:
    exe = Path(sys.executable).parent / "stackaudit"
    proc = subprocess.run(
        [str(exe), "secrets", str(repo), "--db", f"sqlite:///{repo}/.sa.db"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=repo,
    )
    assert proc.returncode == 1 and SECRET not in proc.stdout + proc.stderr


def test_tree_scan_fails_and_never_prints_the_secret(repo: Path) -> None:
    out = repo / "r.out"
    proc = run(repo, "--format", "json", "--output", str(out), "--format", "terminal")
    assert proc.returncode == 1, proc.stderr
    assert SECRET not in proc.stdout + proc.stderr + out.read_text()
    rules = [f["rule_id"] for f in json.loads(out.read_text())["findings"]]
    assert rules == ["secret.stripe-key"]


def test_staged_and_history_modes(repo: Path) -> None:
    assert run(repo, "--staged").returncode == 0  # nothing staged yet
    git(repo, "add", "app.py")
    staged = run(repo, "--staged", "--format", "sarif", "--output", str(repo / "s.out"))
    assert staged.returncode == 1 and SECRET not in (repo / "s.out").read_text()
    git(repo, "commit", "-q", "-m", "leak")
    (repo / "app.py").write_text("STRIPE = os.environ['STRIPE']\n")
    git(repo, "commit", "-q", "-am", "fix")
    assert run(repo).returncode == 0  # the tree is clean now
    hist = run(repo, "--history", "--format", "json", "--output", str(repo / "h.out"))
    assert hist.returncode == 1
    data = (repo / "h.out").read_text()
    assert SECRET not in data and "secret.stripe-key" in data


def test_every_report_format_is_redacted(repo: Path) -> None:
    from stackaudit.commands.common import load
    from stackaudit.engine.pipeline import AuditOptions, run_audit
    from stackaudit.report import FORMATS, render

    result = run_audit(
        AuditOptions(
            root=repo,
            config=load(repo, None),
            db_url=f"sqlite:///{repo}/.sa.db",
            only_analyzers=frozenset({"secrets"}),
        )
    )
    assert result.findings
    rules = registry.rule_index().rules
    for fmt in FORMATS:
        assert SECRET not in render(result, fmt, rules), fmt
        assert SECRET[:12] not in render(result, fmt, rules), fmt


def test_pre_commit_hook_definition() -> None:
    import yaml

    hooks = yaml.safe_load((Path(__file__).resolve().parents[3] / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "stackaudit-secrets")
    assert hook["entry"] == "stackaudit secrets --staged"
    assert hook["language"] == "python" and hook["pass_filenames"] is False


@pytest.mark.slow
def test_as_a_real_git_pre_commit_hook(repo: Path) -> None:
    """git runs the hook entry before each commit: a staged secret blocks it, a clean one passes."""
    exe = Path(sys.executable).parent / "stackaudit"
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec '{exe}' secrets --staged --db 'sqlite:///{repo}/.sa.db'\n")
    hook.chmod(0o755)
    git(repo, "add", "app.py")
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
        "HOME": str(repo),
        "PATH": "/usr/bin:/bin",
    }
    blocked = subprocess.run(
        ["git", "commit", "-q", "-m", "leak"], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )
    assert blocked.returncode != 0 and SECRET not in blocked.stdout + blocked.stderr
    (repo / "app.py").write_text("STRIPE = os.environ['STRIPE']\n")
    git(repo, "add", "app.py", ".gitignore", "stackaudit.toml")
    ok = subprocess.run(
        ["git", "commit", "-q", "-m", "clean"], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
