"""``secrets-staged``: the staged version of every staged file (the pre-commit entry)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from stackaudit.analyzers.base import RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.secrets.findings import git_exclusions, scanner_for, to_finding
from stackaudit.analyzers.secrets.gitio import cat_file, decode_text, ensure_repo, git
from stackaudit.model import Finding, NotAnalysed, NotAnalysedReason, RuleMeta


def language_of(path: str) -> str:
    """The discovery table's language; plain text if discovery is unavailable."""
    try:
        from stackaudit.discovery.languages import language_of as discover
    except ImportError:  # pragma: no cover - discovery ships with the package
        return "text"
    return discover(path)


class StagedSecretsAnalyzer(RepoAnalyzer):
    """Scan what is about to be committed: ``git diff --cached`` names, content via the index."""

    name: ClassVar[str] = "secrets-staged"
    version: ClassVar[str] = "1.0.0"
    rules: ClassVar[tuple[RuleMeta, ...]] = ()  # the same rules as ``secrets`` (declared there)
    default_enabled: ClassVar[bool] = False

    def cache_inputs(self, ctx: RepoContext) -> Sequence[SourceFile] | None:
        return None  # the index is not part of the tree's content hash

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        ensure_repo(ctx.root)
        timeout = ctx.config.analyzer_timeout_s
        raw = git(
            ctx.root,
            "diff",
            "--cached",
            "--name-only",
            "-z",
            "--diff-filter=ACMR",
            "--relative",
            timeout=timeout,
        )  # --relative and ":./" keep paths relative to the audited root
        paths = [p for p in raw.decode("utf-8", "surrogateescape").split("\0") if p]
        skip = git_exclusions(ctx.config)
        paths = [p for p in paths if not skip.match_file(p)]
        scanner = scanner_for(ctx.config)
        findings: list[Finding] = []
        skipped: list[NotAnalysed] = []
        for blob in cat_file(ctx.root, [f":./{p}" for p in paths], timeout=timeout):
            path = blob.name.removeprefix(":./")
            if len(blob.data) > ctx.config.max_file_size:
                detail = f"{len(blob.data)} bytes"
                skipped.append(NotAnalysed(path, NotAnalysedReason.TOO_LARGE, detail, self.name))
                continue
            text = decode_text(blob.data)
            if text is None:
                detail = "staged blob is binary"
                skipped.append(NotAnalysed(path, NotAnalysedReason.BINARY, detail, self.name))
                continue
            language = language_of(path)
            extra = (("mode", "staged"), ("blob", blob.sha))
            findings.extend(
                to_finding(m, path, language, extra, " in the staged file")
                for m in scanner.scan(text, language)
            )
        return RepoResult(tuple(findings), tuple(skipped), cacheable=False)
