"""Where ``pr-check`` gets its input: a GitHub event file or a body file, and the diff from git."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

GIT_TIMEOUT_S = 60
MAX_READ_BYTES = 2_000_000  # a changed file larger than this is not parsed (it is still listed)


class PrInputError(Exception):
    """The event, the body file or the git refs cannot be used (exit 2)."""


@dataclass(frozen=True, slots=True)
class PrInput:
    body: str
    base: str
    head: str
    notes: tuple[str, ...] = ()


def from_event(path: Path) -> PrInput:
    """The PR body and base/head shas of a ``pull_request`` (or ``pull_request_target``) event."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PrInputError(f"{path}: event file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PrInputError(f"{path}: not a readable GitHub event JSON: {exc}") from None
    pr = data.get("pull_request") if isinstance(data, dict) else None
    if not isinstance(pr, dict):
        raise PrInputError(f"{path}: not a pull_request event (no 'pull_request' object)")
    try:
        base, head = str(pr["base"]["sha"]), str(pr["head"]["sha"])
    except (KeyError, TypeError):
        raise PrInputError(f"{path}: pull_request.base.sha or pull_request.head.sha is missing") from None
    body = pr.get("body")
    return PrInput(body if isinstance(body, str) else "", base, head)


def from_body_file(path: Path, base: str, head: str) -> PrInput:
    """A body file; a missing one counts as an empty body (every demanded item is then missing)."""
    try:
        return PrInput(path.read_text(encoding="utf-8", errors="replace"), base, head)
    except FileNotFoundError:
        return PrInput("", base, head, (f"{path}: body file not found; checked as an empty body",))
    except OSError as exc:
        raise PrInputError(f"{path}: cannot read the body file: {exc}") from None


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, timeout=GIT_TIMEOUT_S, check=False
        )
    except FileNotFoundError:
        raise PrInputError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise PrInputError(f"git {args[0]} timed out in {repo}") from None


def changed_files(repo: Path, base: str, head: str) -> list[str]:
    """``git diff --name-only base...head``: the files the PR changes since it left the base."""
    proc = _git(repo, "diff", "--name-only", "-z", "--no-renames", f"{base}...{head}", "--")
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()[:300]
        raise PrInputError(
            f"git diff {base}...{head} failed in {repo}: {err} "
            "(in GitHub Actions, check out with fetch-depth: 0 so both commits are present)"
        )
    return [p for p in proc.stdout.decode("utf-8", "replace").split("\0") if p]


@dataclass(frozen=True, slots=True)
class Reader:
    """Reads a changed file as it is at ``head`` (never imports it); None when deleted or too large."""

    repo: Path
    head: str

    def __call__(self, path: str) -> str | None:
        size = _git(self.repo, "cat-file", "-s", f"{self.head}:{path}")
        if size.returncode != 0 or int(size.stdout.strip() or 0) > MAX_READ_BYTES:
            return None
        proc = _git(self.repo, "show", f"{self.head}:{path}")
        return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None
