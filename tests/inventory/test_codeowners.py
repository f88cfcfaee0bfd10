"""CODEOWNERS semantics, table-driven, cases from GitHub's documentation example file."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.inventory.codeowners import CodeOwners, compile_pattern

# GitHub's documented example CODEOWNERS file (docs: "About code owners", "Example of a
# CODEOWNERS file"), comments shortened.
GITHUB_EXAMPLE = r"""
# These owners will be the default owners for everything in the repo.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most precedence.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer.
*.go docs@example.com

# Teams can be specified as code owners as well.
*.txt @octo-org/octocats

# In this example, @doctocat owns any files in the build/logs directory at the root.
/build/logs/ @doctocat

# The `docs/*` pattern will match files like docs/getting-started.md but not nested.
docs/*  docs@example.com

# @octocat owns any file in an apps directory anywhere in your repository.
apps/ @octocat

# @doctocat owns any file in the `/docs` directory in the root of your repository.
/docs/ @doctocat

# @doctocat owns any file in the `/scripts` directory and any subdirectory.
/scripts/ @doctocat @octocat

# @octocat owns any file in a `/logs` directory such as /build/logs, /scripts/logs and deeply/nested/logs.
**/logs @octocat

# @octocat owns any file in the `/apps` directory except the `/apps/github` subdirectory.
/apps/ @octocat
/apps/github
"""

GLOBAL = ("@global-owner1", "@global-owner2")

CASES = [
    ("README.md", GLOBAL),
    ("src/main.py", GLOBAL),
    ("app.js", ("@js-owner",)),
    ("web/static/app.js", ("@js-owner",)),
    ("cmd/main.go", ("docs@example.com",)),
    ("notes.txt", ("@octo-org/octocats",)),
    ("build/logs/out.log", ("@octocat",)),  # **/logs wins: it comes after /build/logs/
    ("build/out.bin", GLOBAL),
    ("docs/getting-started.md", ("@doctocat",)),  # /docs/ comes after docs/*
    ("docs/build-app/troubleshooting.md", ("@doctocat",)),
    ("scripts/deploy.sh", ("@doctocat", "@octocat")),
    ("scripts/ci/run.sh", ("@doctocat", "@octocat")),
    ("scripts/logs/x.log", ("@octocat",)),
    ("deeply/nested/logs/x.log", ("@octocat",)),
    ("services/apps/main.py", ("@octocat",)),  # apps/ matches at any depth
    ("apps/main.py", ("@octocat",)),
    ("apps/github/main.py", ()),  # explicitly un-assigned
    ("apps/github", ()),
    ("appsx/main.py", GLOBAL),
]


@pytest.fixture(scope="module")
def example() -> CodeOwners:
    return CodeOwners.parse(GITHUB_EXAMPLE, source=".github/CODEOWNERS")


@pytest.mark.parametrize(("path", "owners"), CASES)
def test_github_example(example: CodeOwners, path: str, owners: tuple[str, ...]) -> None:
    assert example.owners_for(path) == owners
    assert example.errors == ()


# pattern, path, matches?
PATTERN_CASES = [
    ("*", "a/b/c.py", True),
    ("*.js", "a.js", True),
    ("*.js", "deep/er/a.js", True),
    ("*.js", "a.jsx", False),
    ("docs/*", "docs/a.md", True),
    ("docs/*", "docs/sub/a.md", False),
    ("docs/*", "x/docs/a.md", False),  # a slash in the middle anchors
    ("/docs/", "docs/a/b.md", True),
    ("/docs/", "src/docs/a.md", False),
    ("/docs/", "docs", False),  # trailing slash: only what is inside a directory
    ("docs/", "src/docs/a.md", True),
    ("apps", "apps", True),
    ("apps", "x/apps/y.py", True),
    ("/apps", "x/apps/y.py", False),
    ("docs/github", "docs/github/a.md", True),
    ("docs/github", "src/docs/github/a.md", False),
    ("**/logs", "logs/a", True),
    ("**/logs", "a/b/logs/c", True),
    ("**/logs", "a/blogs/c", False),
    ("/docs/**", "docs/a/b/c.md", True),
    ("/docs/**", "docs", False),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True),
    ("a/**/b", "a/x/y/c", False),
    ("file?.txt", "file1.txt", True),
    ("file?.txt", "file10.txt", False),
    ("src/*.py", "src/a.py", True),
    ("src/*.py", "src/a/b.py", False),
    ("README", "readme", False),  # case sensitive
    ("a.b", "aXb", False),  # dots are literal
]


@pytest.mark.parametrize(("pattern", "path", "expected"), PATTERN_CASES)
def test_pattern(pattern: str, path: str, expected: bool) -> None:
    assert (compile_pattern(pattern).match(path) is not None) is expected


def test_last_match_wins_and_unassign() -> None:
    owners = CodeOwners.parse("*.py @a\nsrc/ @b\nsrc/gen/\n")
    assert owners.owners_for("src/x.py") == ("@b",)
    assert owners.owners_for("src/gen/x.py") == ()
    assert owners.owners_for("tools/x.py") == ("@a",)
    assert owners.rule_for("src/gen/x.py") is not None
    assert owners.rule_for("README") is None


def test_escaped_hash_and_space() -> None:
    owners = CodeOwners.parse("\\#notes.md @a\nmy\\ file.txt @b # trailing comment\n")
    assert owners.owners_for("#notes.md") == ("@a",)
    assert owners.owners_for("my file.txt") == ("@b",)
    assert owners.errors == ()


def test_comments_and_blank_lines() -> None:
    owners = CodeOwners.parse("# only a comment\n\n   \n   # indented comment\n")
    assert owners.rules == ()
    assert owners.errors == ()


def test_errors_have_line_numbers_and_lines_are_skipped() -> None:
    text = "* @ok\n!secret.txt @a\n*.[ch] @b\nsrc/ not-an-owner\nlib/ @good\n"
    owners = CodeOwners.parse(text)
    assert [e.split(":")[0] for e in owners.errors] == ["line 2", "line 3", "line 4"]
    assert "negated" in owners.errors[0]
    assert "not-an-owner" in owners.errors[2]
    assert owners.owners_for("src/a.py") == ("@ok",)  # the bad line did not un-assign
    assert owners.owners_for("lib/a.py") == ("@good",)


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        ((".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"), ".github/CODEOWNERS"),
        (("CODEOWNERS", "docs/CODEOWNERS"), "CODEOWNERS"),
        (("docs/CODEOWNERS",), "docs/CODEOWNERS"),
    ],
)
def test_location_precedence(tmp_path: Path, present: tuple[str, ...], expected: str) -> None:
    for index, relative in enumerate(present):
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"* @owner{index}\n")
    owners = CodeOwners.load(tmp_path)
    assert owners is not None
    assert owners.source == expected
    assert owners.owners_for("x.py") == (f"@owner{present.index(expected)}",)


def test_load_none_when_absent(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("hi")
    assert CodeOwners.load(tmp_path) is None


def test_load_undecodable_bytes(tmp_path: Path) -> None:
    (tmp_path / "CODEOWNERS").write_bytes(b"* @a\n\xff\xfe @b\n")
    owners = CodeOwners.load(tmp_path)
    assert owners is not None
    assert owners.owners_for("x") == ("@a",)  # the undecodable pattern matches nothing real
    assert len(owners.rules) == 2
