"""The baseline ref whose schemas clients still use, and the files of that ref.

Read with ``git`` plumbing (``ls-tree``, ``cat-file --batch``): nothing is checked out, no hook
runs, and the working tree is never touched. Paths are relative to the audited root, which may
be a subdirectory of the repository (as in ``engine/baseline.py``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

FALLBACK_BRANCHES = ("origin/HEAD", "origin/main", "origin/master", "main", "master")
MAX_BYTES = 2_000_000


class GitError(Exception):
    """git is missing or failed; the message says what was run."""


@dataclass(frozen=True, slots=True)
class BaselineRef:
    commit: str
    label: str  # how it was chosen: "tag v1.2", "merge-base with main", "config ref"


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=root, input=stdin, capture_output=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {args[0]}: {exc}") from None
    if proc.returncode != 0:
        raise GitError(f"git {args[0]} failed: {proc.stderr.decode(errors='replace').strip()[:200]}")
    return proc.stdout


def _commit(root: Path, ref: str) -> str | None:
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip() or None
    except GitError:
        return None


def resolve(root: Path, configured: str | None) -> BaselineRef | str:
    """The baseline commit, or a one-line reason why there is none."""
    head = _commit(root, "HEAD")
    if head is None:
        return "no commit yet (first run): nothing to compare with"
    if configured is not None:
        commit = _commit(root, configured)
        return (
            BaselineRef(commit, f"ref {configured}") if commit else f"baseline ref {configured!r} not found"
        )
    try:
        tag = _git(root, "describe", "--tags", "--abbrev=0").decode().strip()
    except GitError:
        tag = ""
    if tag and (commit := _commit(root, tag)):
        return BaselineRef(commit, f"tag {tag}")
    for branch in FALLBACK_BRANCHES:
        if _commit(root, branch) is None:
            continue
        try:
            base = _git(root, "merge-base", "HEAD", branch).decode().strip()
        except GitError:
            continue
        if base and base != head:
            return BaselineRef(base, f"merge-base with {branch}")
    return BaselineRef(head, "HEAD (the last commit)")


def list_files(root: Path, commit: str, wanted: Callable[[str], bool]) -> list[str]:
    """Paths (relative to ``root``) of blobs at ``commit`` that ``wanted`` keeps, size-capped."""
    out: list[str] = []
    for line in _git(root, "ls-tree", "-r", "-l", "-z", commit).split(b"\0"):
        if not line or b"\t" not in line:
            continue
        meta, path = line.split(b"\t", 1)
        parts = meta.split()
        if len(parts) < 4 or parts[1] != b"blob" or not parts[3].isdigit() or int(parts[3]) > MAX_BYTES:
            continue
        name = path.decode(errors="replace")
        if wanted(name):
            out.append(name)
    return out


def read_files(root: Path, commit: str, paths: Iterable[str]) -> dict[str, str]:
    """The text of each path at ``commit``, in one ``git cat-file --batch``."""
    names = list(paths)
    if not names:
        return {}
    request = "".join(f"{commit}:./{p}\n" for p in names).encode()
    data = _git(root, "cat-file", "--batch", stdin=request)
    texts: dict[str, str] = {}
    pos = 0
    for name in names:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        texts[name] = data[pos : pos + size].decode("utf-8", errors="replace")
        pos += size + 1
    return texts
