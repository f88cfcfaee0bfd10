"""Owners: CODEOWNERS first (GitHub semantics), else git blame of the finding's line."""

from __future__ import annotations

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


def resolve_owners(
    root: Path, findings: Sequence[Finding], is_git: bool, budget_s: float = BLAME_TIMEOUT_S
) -> dict[str, Owner]:
    """Owner by fingerprint. ``findings`` should come ranked: blame spends its budget on the top."""
    codeowners, prefix = _codeowners(root)
    owners: dict[str, Owner] = {}
    need_blame: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        names = codeowners.owners_for(prefix + finding.location.path) if codeowners else ()
        if names:
            owners[finding.fingerprint] = Owner(" ".join(names), "CODEOWNERS")
        elif is_git and finding.location.line > 0:
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
            for finding in need_blame[path]:
                author = authors.get(finding.location.line)
                if author:
                    owners[finding.fingerprint] = Owner(author, "git blame")
    return owners
