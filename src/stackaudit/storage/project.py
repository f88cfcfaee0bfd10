"""A stable project name for a repository, read from ``.git/config`` as text (nothing is run)."""

from __future__ import annotations

import re
from pathlib import Path

_SECTION = re.compile(r'^\s*\[\s*remote\s+"origin"\s*\]\s*$')
_ANY_SECTION = re.compile(r"^\s*\[")
_URL = re.compile(r"^\s*url\s*=\s*(.+?)\s*$")


def _git_dir(root: Path) -> Path | None:
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
        try:
            text = dot_git.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith("gitdir:"):
                target = Path(line.partition(":")[2].strip())
                target = target if target.is_absolute() else root / target
                common = target / "commondir"
                if common.is_file():
                    shared = Path(common.read_text(encoding="utf-8", errors="replace").strip())
                    return shared if shared.is_absolute() else target / shared
                return target
    return None


def origin_url(root: Path) -> str | None:
    git_dir = _git_dir(root)
    if git_dir is None:
        return None
    try:
        text = (git_dir / "config").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    in_origin = False
    for line in text.splitlines():
        if _ANY_SECTION.match(line):
            in_origin = bool(_SECTION.match(line))
        elif in_origin and (match := _URL.match(line)):
            return match.group(1).strip('"')
    return None


def repo_top(root: Path) -> Path | None:
    """The nearest enclosing directory holding ``.git`` (the repository's top level), if any."""
    for candidate in (root, *root.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def project_key(root: Path) -> str:
    """The repository's name (origin remote's last segment, else its folder), plus the subpath.

    A subdirectory of a repository (one project of a monorepo) is ``repo/sub/path``, so two
    projects of one repository, or two repositories with a ``backend/`` each, never share a history.
    """
    root = root.resolve()
    top = repo_top(root) or root
    name = _repo_name(top)
    if top == root:
        return name
    return f"{name}/{root.relative_to(top).as_posix()}"


def _repo_name(top: Path) -> str:
    url = origin_url(top)
    if url:
        name = re.split(r"[/:\\]", url.rstrip("/"))[-1]
        name = name.removesuffix(".git")
        if name:
            return name
    return top.name or "root"
