"""The list of repositories: URL@REF and URL REF lines, comments, directories of checkouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.fleet.sources import RepoSpec, SourceError, read_list, read_repos, shown_url
from tests.fleet.repos import make_repo


def _list(tmp_path: Path, text: str) -> list[RepoSpec]:
    path = tmp_path / "repos.txt"
    path.write_text(text, encoding="utf-8")
    return read_list(path)


def test_urls_refs_and_comments(tmp_path: Path) -> None:
    specs = _list(
        tmp_path,
        "# nightly fleet\n"
        "https://git.example.org/shop/api.git@v1.2\n"
        "https://git.example.org/shop/web.git release-3  # the release branch\n"
        "git@github.com:org/billing.git\n"
        "git@github.com:org/billing.git@main\n"
        "ssh://git@host:2222/org/auth\n"
        "\n"
        "services/local\n"
        "https://git.example.org/shop/api.git@v1.2\n",  # a duplicate is audited once
    )
    assert specs == [
        RepoSpec("https://git.example.org/shop/api.git", "v1.2", is_url=True),
        RepoSpec("https://git.example.org/shop/web.git", "release-3", is_url=True),
        RepoSpec("git@github.com:org/billing.git", None, is_url=True),
        RepoSpec("git@github.com:org/billing.git", "main", is_url=True),
        RepoSpec("ssh://git@host:2222/org/auth", None, is_url=True),
        RepoSpec(str(tmp_path / "services" / "local")),
    ]
    assert [s.name for s in specs] == ["api", "web", "billing", "billing", "auth", "local"]


def test_credentials_in_a_url_are_never_shown(tmp_path: Path) -> None:
    (spec,) = _list(tmp_path, "https://ci:ghp_S3cretT0kenValue@git.example.org/shop/api.git@main\n")
    assert spec.ref == "main"
    assert "ghp_S3cretT0kenValue" not in spec.shown
    assert spec.shown == "https://***@git.example.org/shop/api.git@main"
    assert "S3cret" not in shown_url("fatal: unable to access 'https://u:S3cret@h/r.git/'")


def test_a_line_of_three_words_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"repos.txt:2: expected 'URL \[REF\]'"):
        _list(tmp_path, "a\nhttps://h/r.git main extra\n")


def test_a_directory_lists_its_checkouts(tmp_path: Path) -> None:
    make_repo(tmp_path / "b-service", 1)
    make_repo(tmp_path / "a-service", 2)
    (tmp_path / "notes").mkdir()
    specs, ignored = read_repos(tmp_path)
    assert [Path(s.source).name for s in specs] == ["a-service", "b-service"]
    assert ignored == ["notes"]


def test_a_missing_list_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or directory"):
        read_repos(tmp_path / "absent.txt")
