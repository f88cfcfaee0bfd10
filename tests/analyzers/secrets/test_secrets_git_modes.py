"""--staged and --history against real git repositories built by the test."""

from __future__ import annotations

import random
import string
import subprocess
from pathlib import Path

import pytest

from stackaudit.analyzers.base import AnalyzerSkipped, RepoContext
from stackaudit.analyzers.secrets.checks import crc32_checksum
from stackaudit.analyzers.secrets.history import HistorySecretsAnalyzer
from stackaudit.analyzers.secrets.staged import StagedSecretsAnalyzer
from stackaudit.config.schema import Config

R = random.Random(11)
ALNUM = string.ascii_letters + string.digits


def token() -> str:
    body = "".join(R.choice(ALNUM) for _ in range(30))
    return "ghp_" + body + crc32_checksum(body)


def stripe() -> str:
    return "sk_live_" + "".join(R.choice(ALNUM) for _ in range(24))


def git(root: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
        "HOME": str(root),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True, timeout=30
    ).stdout.strip()


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "README.md").write_text("hello\n")
    commit(tmp_path, "init")
    return tmp_path


def ctx(root: Path) -> RepoContext:
    return RepoContext(root=root, files=(), config=Config(), is_git=True)


def test_staged_scans_the_index_not_the_working_tree(repo: Path) -> None:
    staged_secret = token()
    (repo / "settings.py").write_text(f'GITHUB_TOKEN = "{staged_secret}"\n')
    git(repo, "add", "settings.py")
    (repo / "settings.py").write_text('GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]\n')  # fixed, not staged
    (repo / "unstaged.env").write_text(f"STRIPE={stripe()}\n")  # never staged
    result = StagedSecretsAnalyzer().analyze_repo(ctx(repo))
    assert [(f.rule_id, f.location.path) for f in result.findings] == [("secret.github-token", "settings.py")]
    assert staged_secret not in result.findings[0].message + result.findings[0].snippet
    assert result.findings[0].prop("mode") == "staged"


def test_staged_clean_index_and_binary(repo: Path) -> None:
    (repo / "blob.bin").write_bytes(b"\x00\x01" + token().encode())
    (repo / "ok.py").write_text("TOKEN = get_token()\n")
    git(repo, "add", "blob.bin", "ok.py")
    result = StagedSecretsAnalyzer().analyze_repo(ctx(repo))
    assert result.findings == ()
    assert [(n.path, n.reason.value) for n in result.not_analysed] == [("blob.bin", "binary")]


def test_history_reports_each_secret_once_with_introducing_commit(repo: Path) -> None:
    leaked = token()
    (repo / "config.py").write_text(f'TOKEN = "{leaked}"\n')
    first = commit(repo, "add config")
    (repo / "copy.py").write_text(f'OTHER = 1\nTOKEN = "{leaked}"\n')  # same secret again, later
    commit(repo, "copy it")
    (repo / "config.py").write_text("TOKEN = os.environ['TOKEN']\n")
    (repo / "copy.py").unlink()
    commit(repo, "remove the secret")
    git(repo, "checkout", "-q", "-b", "feature")
    second = stripe()
    (repo / "pay.py").write_text(f'KEY = "{second}"\n')
    on_branch = commit(repo, "stripe on a branch")
    git(repo, "checkout", "-q", "main")

    findings = HistorySecretsAnalyzer().analyze_repo(ctx(repo)).findings
    by_rule = {f.rule_id: f for f in findings}
    assert sorted(by_rule) == ["secret.github-token", "secret.stripe-key"]
    assert len(findings) == 2
    gh = by_rule["secret.github-token"]
    assert gh.prop("commit") == first and gh.location.path == "config.py"
    assert by_rule["secret.stripe-key"].prop("commit") == on_branch
    assert leaked not in gh.message and first[:12] in gh.message


def test_not_a_repository_is_a_skip(tmp_path: Path) -> None:
    with pytest.raises(AnalyzerSkipped):
        HistorySecretsAnalyzer().analyze_repo(ctx(tmp_path))
    with pytest.raises(AnalyzerSkipped):
        StagedSecretsAnalyzer().analyze_repo(ctx(tmp_path))


def test_staged_paths_are_relative_to_an_audited_subdirectory(repo: Path) -> None:
    service = repo / "services" / "billing"
    service.mkdir(parents=True)
    (service / "keys.py").write_text(f'KEY = "{stripe()}"\n')
    (repo / "other.py").write_text(f'KEY = "{stripe()}"\n')  # staged, but outside the audited root
    git(repo, "add", "-A")
    findings = StagedSecretsAnalyzer().analyze_repo(ctx(service)).findings
    assert [(f.rule_id, f.location.path) for f in findings] == [("secret.stripe-key", "keys.py")]


def test_history_records_oversized_blobs(repo: Path) -> None:
    (repo / "dump.sql").write_text("x" * 5000 + "\n")
    commit(repo, "big file")
    cfg = Config.model_validate({"max_file_size": 1000})
    result = HistorySecretsAnalyzer().analyze_repo(RepoContext(root=repo, files=(), config=cfg, is_git=True))
    assert [(n.path, n.reason.value) for n in result.not_analysed] == [("dump.sql", "too-large")]
