"""Read deployments, change sets and failure signals from git (argument lists, ``cwd=``, no shell)."""

from __future__ import annotations

import fnmatch
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from stackaudit.governance.dora.model import Deployment, DoraInputError

GIT_TIMEOUT_S = 60
_REVERT = re.compile(r"This reverts commit ([0-9a-f]{7,40})")
_HOTFIX = re.compile(r"\bhot-?fix(?:es)?\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit of a change set: sha, author time, subject, and the sha it reverts if any."""

    sha: str
    authored: datetime
    subject: str
    reverts: str | None

    @property
    def is_hotfix(self) -> bool:
        return self.reverts is None and bool(_HOTFIX.search(self.subject))


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``; a failure is an input error naming the command."""
    try:
        proc = subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False
        )
    except FileNotFoundError:
        raise DoraInputError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise DoraInputError(f"git {args[0]} timed out after {GIT_TIMEOUT_S}s in {repo}") from None
    if proc.returncode != 0:
        raise DoraInputError(f"git {' '.join(args)} failed in {repo}: {proc.stderr.strip()[:300]}")
    return proc.stdout


def is_repo(repo: Path) -> bool:
    try:
        return git(repo, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except DoraInputError:
        return False


def resolve(repo: Path, rev: str) -> str | None:
    """The full sha of a commit-ish, or None when the repository does not have it."""
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}").strip()
    except DoraInputError:
        return None


def _epoch(value: str) -> datetime:
    return datetime.fromtimestamp(int(value), tz=UTC)


def tag_deployments(repo: Path, glob: str) -> tuple[list[Deployment], list[str]]:
    """Annotated tags matching ``glob``, the tagger date as deploy time; lightweight tags are noted."""
    fmt = "%(refname:short)%00%(objecttype)%00%(taggerdate:unix)%00%(*objectname)%00%(objectname)"
    deployments: list[Deployment] = []
    lightweight: list[str] = []
    for line in git(repo, "for-each-ref", f"--format={fmt}", "refs/tags").splitlines():
        name, kind, date, peeled, target = line.split("\0")
        if not fnmatch.fnmatchcase(name, glob):
            continue
        if kind != "tag" or not date:
            lightweight.append(name)
            continue
        commit = peeled or target
        deployments.append(Deployment(id=name, time=_epoch(date), commit=commit, tag=name))
    deployments.sort(key=lambda d: (d.time, d.id))
    notes = []
    if lightweight:
        notes.append(
            f"{len(lightweight)} lightweight tag(s) matching {glob!r} have no tag date and were not used: "
            + ", ".join(sorted(lightweight)[:10])
        )
    return deployments, notes


def change_starts(repo: Path, previous: str, current: str) -> list[tuple[str, datetime]]:
    """Each first-parent change in ``previous..current`` and the author time of its first commit.

    A merge is one change: it starts at the earliest author time of the commits it merged.
    """
    changes: list[tuple[str, datetime]] = []
    out = git(repo, "log", "--first-parent", "--format=%H %P %at", f"{previous}..{current}")
    for line in out.splitlines():
        sha, *rest = line.split()
        parents, authored = rest[:-1], rest[-1]
        if len(parents) > 1:
            times = git(repo, "log", "--format=%at", f"{parents[0]}..{sha}").split()
            changes.append((sha, min(_epoch(t) for t in times)))
        else:
            changes.append((sha, _epoch(authored)))
    return changes


def commits(repo: Path, previous: str, current: str) -> list[Commit]:
    """Every commit in ``previous..current`` (branches included), for revert and hotfix signals."""
    out = git(repo, "log", "--format=%H%x1f%at%x1f%s%x1f%b%x1e", f"{previous}..{current}")
    found = []
    for record in out.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, authored, subject, body = record.split("\x1f", 3)
        match = _REVERT.search(body) or _REVERT.search(subject)
        found.append(Commit(sha, _epoch(authored), subject, match.group(1) if match else None))
    return found


def is_ancestor(repo: Path, ancestor: str, descendant: str) -> bool:
    proc = subprocess.run(
        ["git", "merge-base", "--is-ancestor", ancestor, descendant],
        cwd=repo,
        capture_output=True,
        timeout=GIT_TIMEOUT_S,
        check=False,
    )
    return proc.returncode == 0
