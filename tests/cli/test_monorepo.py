"""A scripted monorepo: two projects in one git repository, gated from the root and from a subdirectory.

The gate must pass when nothing changed and fail only on a real new finding, wherever it is
run from; owners come from the repository's CODEOWNERS; each project keeps its own history.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stackaudit.cli import build_app
from stackaudit.storage.project import project_key

RUNNER = CliRunner()
RISKY = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
SAFE = "def add(a, b):\n    return a + b\n"


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _commit(repo: Path, files: dict[str, str], message: str) -> None:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    repo = tmp_path / "mono"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _commit(
        repo,
        {
            ".github/CODEOWNERS": "/services/api/ @api-team\n/services/web/ @web-team\n",
            "services/api/app.py": RISKY,
            "services/web/app.py": SAFE,
        },
        "base",
    )
    _commit(repo, {"README.md": "docs only\n"}, "docs")
    return repo


def _gate(path: Path, db: Path, out: Path) -> tuple[int, dict]:
    args = ["gate", str(path), "--baseline", "HEAD~1", "--only", "python-rules", "--fail-on", "low"]
    result = RUNNER.invoke(build_app(), [*args, "-f", "json", "-o", str(out), "--db", str(db)])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(out.read_text())


def test_gate_from_root_and_subdir_pass_when_nothing_changed(monorepo: Path, tmp_path: Path) -> None:
    db, out = tmp_path / "h.db", tmp_path / "r.json"
    code, report = _gate(monorepo, db, out)
    assert code == 0, report["gate"]
    assert any(f["location"]["path"] == "services/api/app.py" for f in report["findings"])
    code, report = _gate(monorepo / "services" / "api", db, out)
    assert code == 0, report["gate"]
    paths = {f["location"]["path"] for f in report["findings"]}
    assert paths == {"app.py"}


def test_gate_from_subdir_fails_only_on_a_real_new_finding(monorepo: Path, tmp_path: Path) -> None:
    db, out = tmp_path / "h.db", tmp_path / "r.json"
    _commit(monorepo, {"services/web/app.py": SAFE + "\n\n" + RISKY}, "web gets a risky call")
    code, report = _gate(monorepo / "services" / "web", db, out)
    assert code == 1
    assert report["gate"]["new_findings"] >= 1
    code, _ = _gate(monorepo / "services" / "api", db, out)
    assert code == 0  # the other project did not change


def test_owners_come_from_the_repository_codeowners(monorepo: Path, tmp_path: Path) -> None:
    db, out = tmp_path / "h.db", tmp_path / "r.json"
    for _ in range(2):  # the second run reads the stored history: the label must not turn "triage"
        _, report = _gate(monorepo / "services" / "api", db, out)
        owners = {(f["owner"], f.get("owner_source")) for f in report["findings"]}
        assert owners == {("@api-team", "CODEOWNERS")}


def test_each_project_of_a_monorepo_has_its_own_identity(monorepo: Path) -> None:
    api, web = project_key(monorepo / "services" / "api"), project_key(monorepo / "services" / "web")
    assert api != web
    assert api == "mono/services/api"
    assert project_key(monorepo) == "mono"


def test_git_history_findings_are_not_new_against_an_exported_baseline(
    monorepo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    # HEAD itself, exported by git archive: the only difference is that the export has no history.
    args = ["gate", str(monorepo), "--baseline", "HEAD", "--only", "ci-hardening", "--fail-on", "info"]
    result = RUNNER.invoke(build_app(), [*args, "-f", "json", "-o", str(out), "--db", str(tmp_path / "h.db")])
    report = json.loads(out.read_text())
    assert any(f["location"]["path"] == ".git" for f in report["findings"])  # e.g. unsigned commits
    assert result.exit_code == 0, report["gate"]
