"""``secrets-history``: every blob reachable from any ref, each secret once with its commit.

Blobs are listed once (``git rev-list --objects --all``), sized once
(``git cat-file --batch-check``), read once (``git cat-file --batch``); the commit
that introduced each blob comes from one walk of ``git log --raw`` oldest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from stackaudit.analyzers.base import RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.secrets.findings import git_exclusions, scanner_for, to_finding
from stackaudit.analyzers.secrets.gitio import batch_check, cat_file, decode_text, ensure_repo, git
from stackaudit.analyzers.secrets.scanner import SecretMatch
from stackaudit.analyzers.secrets.staged import language_of
from stackaudit.model import Finding, NotAnalysed, NotAnalysedReason, RuleMeta


@dataclass(frozen=True, slots=True)
class Introduced:
    commit: str
    order: int  # position in the oldest-first walk
    path: str


@dataclass(frozen=True, slots=True)
class _Candidate:
    match: SecretMatch
    path: str
    blob: str
    introduced: Introduced | None


def reachable_blobs(root: Path, max_size: int, timeout: float) -> tuple[dict[str, str], dict[str, int]]:
    """(sha -> a path, for reachable blobs up to ``max_size``; path -> size of the larger ones)."""
    listing = git(root, "rev-list", "--objects", "--all", timeout=timeout).decode("utf-8", "surrogateescape")
    paths: dict[str, str] = {}
    for line in listing.splitlines():
        sha, _, path = line.partition(" ")
        if path:
            paths.setdefault(sha, path)
    if not paths:
        return {}, {}
    check = batch_check(root, list(paths), timeout)
    blobs = {sha: paths[sha] for sha, (kind, size) in check.items() if kind == "blob" and size <= max_size}
    large = {paths[sha]: size for sha, (kind, size) in check.items() if kind == "blob" and size > max_size}
    return blobs, large


def introducing_commits(root: Path, timeout: float) -> dict[str, Introduced]:
    """blob sha -> the oldest commit whose diff adds that blob (one ``git log --raw`` walk)."""
    log = git(
        root,
        "log",
        "--all",
        "--reverse",
        "--topo-order",
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "--root",
        "--format=%x00%H",
        timeout=timeout,
    ).decode("utf-8", "surrogateescape")
    result: dict[str, Introduced] = {}
    commit, order = "", 0
    for line in log.splitlines():
        if line.startswith("\0"):
            commit, order = line[1:].strip(), order + 1
        elif line.startswith(":"):
            meta, _, path = line.partition("\t")
            fields = meta.split()
            if len(fields) >= 5 and fields[4] != "D" and fields[3] not in result:
                result[fields[3]] = Introduced(commit, order, path)
    return result


class HistorySecretsAnalyzer(RepoAnalyzer):
    """Every secret ever committed on any ref, reported once with the commit that introduced it."""

    name: ClassVar[str] = "secrets-history"
    version: ClassVar[str] = "1.0.0"
    rules: ClassVar[tuple[RuleMeta, ...]] = ()  # the same rules as ``secrets`` (declared there)
    default_enabled: ClassVar[bool] = False

    def cache_inputs(self, ctx: RepoContext) -> Sequence[SourceFile] | None:
        return None  # history is not the tree: never cache on the tree's hash

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        ensure_repo(ctx.root)
        timeout = ctx.config.analyzer_timeout_s
        blobs, large = reachable_blobs(ctx.root, ctx.config.max_file_size, timeout)
        introduced = introducing_commits(ctx.root, timeout)
        scanner = scanner_for(ctx.config)
        skip = git_exclusions(ctx.config)
        prefix = git(ctx.root, "rev-parse", "--show-prefix", timeout=timeout).decode().strip()
        best: dict[tuple[str, str], _Candidate] = {}
        for blob in cat_file(ctx.root, sorted(blobs), timeout=timeout):
            intro = introduced.get(blob.sha)
            path = intro.path if intro else blobs[blob.sha]
            if not path.startswith(prefix):
                continue  # auditing a subdirectory: only its files' history
            path = path[len(prefix) :]
            text = decode_text(blob.data)
            if text is None or skip.match_file(path):
                continue
            for match in scanner.scan(text, language_of(path)):
                key = (match.rule.id, match.value_hash)
                cand = _Candidate(match, path, blob.sha, intro)
                if key not in best or _earlier(cand, best[key]):
                    best[key] = cand
        findings = [_finding(c) for c in sorted(best.values(), key=_order)]
        skipped = tuple(
            NotAnalysed(path, NotAnalysedReason.TOO_LARGE, f"a {size}-byte blob in git history", self.name)
            for path, size in sorted(large.items())
            if path.startswith(prefix) and not skip.match_file(path)
        )
        return RepoResult(tuple(findings), skipped, cacheable=False)


def _order(c: _Candidate) -> tuple[int, str, int]:
    return (c.introduced.order if c.introduced else 1 << 30, c.path, c.match.start)


def _earlier(a: _Candidate, b: _Candidate) -> bool:
    return _order(a) < _order(b)


def _finding(c: _Candidate) -> Finding:
    commit = c.introduced.commit if c.introduced else ""
    extra = (("mode", "history"), ("blob", c.blob), ("commit", commit))
    where = f" introduced in commit {commit[:12]}" if commit else " in an unreferenced blob"
    return to_finding(c.match, c.path, language_of(c.path), extra, where)
