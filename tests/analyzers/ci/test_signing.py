"""ci.unsigned-commits on real git repositories (unsigned and SSH-signed commits)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from stackaudit.analyzers.ci.signing import SIGNATURE_CODES, SIGNED, check_signing, parse_signatures

GIT = shutil.which("git")
pytestmark = pytest.mark.skipif(GIT is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent)}
    subprocess.run([GIT or "git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def _repo(tmp_path: Path, unsigned: int, signed: int) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "Dev")
    for i in range(unsigned):
        _git(repo, "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", f"unsigned {i}")
    if signed:
        keygen = shutil.which("ssh-keygen")
        if keygen is None:
            pytest.skip("ssh-keygen is not installed")
        key = tmp_path / "key"
        subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        for i in range(signed):
            _git(
                repo,
                "-c",
                "gpg.format=ssh",
                "-c",
                f"user.signingkey={key}.pub",
                "commit",
                "-q",
                "--allow-empty",
                "-S",
                "-m",
                f"signed {i}",
            )
    return repo


def test_all_unsigned_is_reported(tmp_path: Path) -> None:
    repo = _repo(tmp_path, unsigned=3, signed=0)
    (finding,) = check_signing(repo, True, 0.8, 200, 30).findings
    assert finding.rule_id == "ci.unsigned-commits"
    assert finding.message.startswith("0 of the last 3 commits are signed (0%); threshold 80%")
    assert finding.prop("ratio") == "0.000" and finding.snippet == "signed-commit-ratio"


def test_ssh_signed_commits_count_as_signed(tmp_path: Path) -> None:
    repo = _repo(tmp_path, unsigned=1, signed=4)
    result = check_signing(repo, True, 0.8, 200, 30)
    assert result.findings == () and result.skipped == ""  # 4/5 = 80 % meets the threshold
    (finding,) = check_signing(repo, True, 0.9, 200, 30).findings
    assert "4 of the last 5 commits are signed (80%); threshold 90%" in finding.message


def test_depth_limits_history(tmp_path: Path) -> None:
    repo = _repo(tmp_path, unsigned=3, signed=2)
    assert check_signing(repo, True, 1.0, 2, 30).findings == ()  # only the 2 newest (signed)


def test_repository_config_cannot_pick_the_verifier(tmp_path: Path) -> None:
    repo = _repo(tmp_path, unsigned=0, signed=1)
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    evil.chmod(0o755)
    _git(repo, "config", "gpg.ssh.program", str(evil))
    _git(repo, "config", "gpg.program", str(evil))
    assert check_signing(repo, True, 0.5, 200, 30).findings == ()
    assert not marker.exists()


def test_not_a_git_repository_is_a_recorded_skip(tmp_path: Path) -> None:
    assert check_signing(tmp_path, False, 0.8, 200, 30).skipped == "unsigned-commits: not a git repository"
    result = check_signing(tmp_path, True, 0.8, 200, 30)  # discovery thought so, git disagrees
    assert result.findings == () and result.skipped.startswith("unsigned-commits: git log failed")


def test_empty_repository_is_a_recorded_skip(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    _git(repo, "init", "-q")
    assert check_signing(repo, True, 0.8, 200, 30).skipped.startswith("unsigned-commits:")


@pytest.mark.parametrize("letter", sorted(SIGNATURE_CODES))
def test_every_signature_letter_is_classified(letter: str) -> None:
    stats = parse_signatures(f"{letter}\nN\n")
    assert stats.total == 2
    assert stats.signed == (1 if letter in SIGNED else 0)
    assert (letter in SIGNED) is (letter not in ("N", "B"))


def test_parse_recorded_output() -> None:
    stats = parse_signatures("G\nG\nN\nE\nB\n\nU\n")
    assert (stats.total, stats.signed, stats.count("B")) == (6, 4, 1)
    assert abs(stats.ratio - 4 / 6) < 1e-9
    assert parse_signatures("").ratio == 0.0
