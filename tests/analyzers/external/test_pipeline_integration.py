"""The three analyzers through the real pipeline: registered, run, findings and
NotAnalysed entries land in the AuditResult, owners come from CODEOWNERS."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from stackaudit.analyzers.registry import repo_analyzers, rule_index
from stackaudit.config.schema import Config
from stackaudit.engine.pipeline import AuditOptions, run_audit
from stackaudit.model import AnalyzerState

FIXTURES = Path(__file__).parent / "fixtures"
OURS = frozenset({"ruff", "zizmor", "ci-hardening"})


def test_registered_with_unique_rule_ids() -> None:
    assert {a.name for a in repo_analyzers()} >= OURS
    ids = rule_index().rules
    assert {"ruff.S602", "zizmor.template-injection", "ci.unsigned-commits", "ruff.unmapped"} <= set(ids)


@pytest.mark.slow
def test_audit_runs_the_engines_end_to_end(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "zizmor_project", root)
    shutil.copytree(FIXTURES / "ruff_project" / "app", root / "app")
    (root / "CODEOWNERS").write_text("* @acme/app\n/.github/ @acme/platform\n")
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        [
            "-c",
            "user.email=dev@example.com",
            "-c",
            "user.name=Dev",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "-m",
            "init",
        ],
    ):
        subprocess.run([git, *args], cwd=root, check=True, capture_output=True)
    options = AuditOptions(
        root=root,
        config=Config(),
        db_url=f"sqlite:///{tmp_path / 'store.db'}",
        jobs=1,
        use_cache=False,
        only_analyzers=OURS,
        record=False,
    )
    result = run_audit(options)
    states = {r.name: r.state for r in result.run.analyzers}
    assert states == {name: AnalyzerState.OK for name in OURS}
    by_rule = {a.finding.rule_id: a for a in result.findings}
    assert {"ruff.S602", "zizmor.template-injection", "ci.unsigned-commits"} <= set(by_rule)
    owners = {(a.finding.rule_id, a.finding.location.path): a.owner for a in result.findings}
    assert owners[("zizmor.template-injection", ".github/workflows/injection.yml")] == "@acme/platform"
    assert owners[("zizmor.template-injection", "actions/setup/action.yml")] == "@acme/app"
    assert by_rule["ruff.S602"].owner == "@acme/app"
    missing = {(n.path, n.analyzer) for n in result.run.not_analysed}
    assert ("app/broken.py", "ruff") in missing and (".github/workflows/broken.yml", "zizmor") in missing
