"""Owners: CODEOWNERS first (GitHub semantics), else git blame of the finding's line."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from stackaudit.inventory.codeowners import CodeOwners
from stackaudit.model import Finding
from stackaudit.storage.project import repo_top

BLAME_TIMEOUT_S = 20.0
BLAME_WORKERS = 4
# Blame is the slowest thing an audit of a repository with a long history does. Only what a
# reader sees needs an author: the top of the ranked list (and the findings no earlier run
# owned, which are the only ones passed in). Lines blamed at a commit are cached by commit.
BLAME_LIMIT = 300
NOT_COMMITTED = "not.committed.yet"


@dataclass(frozen=True, slots=True)
class Owner:
    name: str
    source: str  # "CODEOWNERS" | "git blame"


def _blame(root: Path, path: str, lines: Sequence[int], timeout: float) -> dict[int, str]:
    """Map each requested line to the e-mail of the author who last changed it."""
    args = ["git", "blame", "--line-porcelain", "-w"]
    for line in sorted(set(lines)):
        args += ["-L", f"{line},{line}"]
    try:
        proc = subprocess.run(
            [*args, "--", path], cwd=root, capture_output=True, timeout=max(1.0, timeout), check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if proc.returncode != 0:
        return {}
    result: dict[int, str] = {}
    current = 0
    for raw in proc.stdout.decode("utf-8", "replace").splitlines():
        parts = raw.split(" ")
        if len(parts) >= 3 and len(parts[0]) == 40 and parts[1].isdigit() and parts[2].isdigit():
            current = int(parts[2])
        elif raw.startswith("author-mail "):
            mail = raw[len("author-mail ") :].strip("<>")
            if mail != NOT_COMMITTED:
                result[current] = mail
    return result


def _codeowners(root: Path) -> tuple[CodeOwners | None, str]:
    """The CODEOWNERS that GitHub applies to ``root`` and the prefix of ``root`` in its repository.

    GitHub reads CODEOWNERS at the repository's top level with patterns relative to it, so a
    project in a subdirectory (a monorepo) is owned by the top-level file, matched on
    ``sub/dir/path``. A project's own CODEOWNERS, when it has one, wins (a vendored repository).
    """
    own = CodeOwners.load(root)
    top = repo_top(root.resolve())
    if own is not None or top is None or top == root.resolve():
        return own, ""
    return CodeOwners.load(top), root.resolve().relative_to(top).as_posix() + "/"


class BlameCache:
    """Authors of lines at one commit, kept between runs (a committed line's author at a commit
    never changes). Files with uncommitted changes are never cached."""

    def __init__(self, root: Path, commit: str | None, directory: Path | None = None) -> None:
        self.dirty = _dirty_paths(root) if commit else set()
        base = directory or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "stackaudit"
        key = hashlib.sha256(f"{root.resolve()}@{commit}".encode()).hexdigest()[:24]
        self.path = base / "blame" / f"{key}.json" if commit else None
        self.lines: dict[str, dict[str, str]] = {}
        if self.path is not None and self.path.is_file():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                self.lines = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self.lines = {}
        self.changed = False

    def get(self, path: str, line: int) -> str | None:
        return None if path in self.dirty else self.lines.get(path, {}).get(str(line))

    def put(self, path: str, authors: dict[int, str]) -> None:
        if self.path is not None and path not in self.dirty and authors:
            self.lines.setdefault(path, {}).update({str(k): v for k, v in authors.items()})
            self.changed = True

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.lines), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass  # a cache that cannot be written only costs time


def _dirty_paths(root: Path) -> set[str]:
    try:
        proc = subprocess.run(
            ["git", "status", "--porcelain", "-z", "--", "."],
            cwd=root,
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return set()
    top = repo_top(root.resolve())
    prefix = "" if top is None or top == root.resolve() else root.resolve().relative_to(top).as_posix() + "/"
    entries = proc.stdout.decode("utf-8", "replace").split("\0")  # paths relative to the repository
    return {e[3:].removeprefix(prefix) for e in entries if len(e) > 3}


def resolve_owners(
    root: Path,
    findings: Sequence[Finding],
    is_git: bool,
    budget_s: float = BLAME_TIMEOUT_S,
    commit: str | None = None,
    limit: int = BLAME_LIMIT,
) -> dict[str, Owner]:
    """Owner by fingerprint. ``findings`` should come ranked: blame spends its budget, and at
    most ``limit`` lines, on the top; lines blamed before at ``commit`` come from the cache."""
    codeowners, prefix = _codeowners(root)
    owners: dict[str, Owner] = {}
    cache = BlameCache(root, commit if is_git else None)
    need_blame: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        names = codeowners.owners_for(prefix + finding.location.path) if codeowners else ()
        if names:
            owners[finding.fingerprint] = Owner(" ".join(names), "CODEOWNERS")
        elif is_git and finding.location.line > 0:
            known = cache.get(finding.location.path, finding.location.line)
            if known:
                owners[finding.fingerprint] = Owner(known, "git blame")
            elif sum(map(len, need_blame.values())) < limit:
                need_blame[finding.location.path].append(finding)
    if not need_blame:
        return owners
    deadline = time.monotonic() + budget_s

    def blame_file(path: str) -> tuple[str, dict[int, str]]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return path, {}
        return path, _blame(root, path, [f.location.line for f in need_blame[path]], remaining)

    with ThreadPoolExecutor(max_workers=BLAME_WORKERS) as pool:
        for path, authors in pool.map(blame_file, list(need_blame)):
            cache.put(path, authors)
            for finding in need_blame[path]:
                author = authors.get(finding.location.line)
                if author:
                    owners[finding.fingerprint] = Owner(author, "git blame")
    cache.save()
    return owners
