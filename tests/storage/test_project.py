"""project_key: the origin remote's last path segment, read from .git/config as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.storage.store import project_key

CONFIG = """[core]
\trepositoryformatversion = 0
[remote "upstream"]
\turl = https://example.org/other/upstream-name.git
[remote "origin"]
\turl = {url}
\tfetch = +refs/heads/*:refs/remotes/origin/*
[branch "main"]
\tremote = origin
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/orders-service.git", "orders-service"),
        ("https://github.com/acme/orders-service", "orders-service"),
        ("https://github.com/acme/orders-service/", "orders-service"),
        ("git@github.com:acme/billing.git", "billing"),
        ("git@host:billing.git", "billing"),
        ("ssh://git@host:2222/team/api.git", "api"),
        ("https://user:tok3n@gitlab.example/group/sub/payments.git", "payments"),
        ("/srv/git/local-repo.git", "local-repo"),
        ('"https://example.org/a/quoted.git"', "quoted"),
    ],
)
def test_origin_url_gives_the_name(tmp_path: Path, url: str, expected: str) -> None:
    root = tmp_path / "checkout-dir"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text(CONFIG.format(url=url))
    assert project_key(root) == expected


def test_no_git_or_no_origin_gives_the_directory_name(tmp_path: Path) -> None:
    plain = tmp_path / "plain-dir"
    plain.mkdir()
    assert project_key(plain) == "plain-dir"
    no_origin = tmp_path / "no-origin"
    (no_origin / ".git").mkdir(parents=True)
    (no_origin / ".git" / "config").write_text('[remote "upstream"]\n\turl = https://x/y/z.git\n')
    assert project_key(no_origin) == "no-origin"
    assert project_key(tmp_path / "plain-dir" / ".") == "plain-dir"


def test_worktree_gitdir_file_is_followed(tmp_path: Path) -> None:
    main = tmp_path / "main"
    (main / ".git" / "worktrees" / "wt").mkdir(parents=True)
    (main / ".git" / "config").write_text(CONFIG.format(url="git@h:org/shared.git"))
    (main / ".git" / "worktrees" / "wt" / "commondir").write_text("../..\n")
    wt = tmp_path / "wt"
    wt.mkdir()
    (wt / ".git").write_text(f"gitdir: {main / '.git' / 'worktrees' / 'wt'}\n")
    assert project_key(wt) == "shared"


def test_unreadable_config_falls_back(tmp_path: Path) -> None:
    root = tmp_path / "odd"
    (root / ".git" / "config").mkdir(parents=True)  # a directory where the file should be
    assert project_key(root) == "odd"
