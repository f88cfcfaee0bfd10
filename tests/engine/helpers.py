"""Small analyzers used to exercise the runner's isolation, limits and cache.

They are real analyzers of the interface (not mocks of a component): each finds a
marker in a file, crashes on another, or sleeps past the time limit.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import ClassVar

from stackaudit.analyzers.base import (
    AnalyzerSkipped,
    FileAnalyzer,
    FileInput,
    FileResult,
    NotAnalysable,
    RepoAnalyzer,
    RepoContext,
    RepoResult,
)
from stackaudit.config.schema import Config
from stackaudit.model import Category, Location, NotAnalysedReason, RuleMeta, SafetyProof, Severity

MARKER_RULE = RuleMeta(
    id="test.marker",
    title="marker",
    category=Category.PERFORMANCE,
    severity=Severity.HIGH,
    doc="d",
    impact=8,
    likelihood=7,
    effort=2,
)

REPO_RULE = RuleMeta(id="test.repo", title="repo", category=Category.PROCESS, severity=Severity.LOW, doc="d")


class MarkerAnalyzer(FileAnalyzer):
    """Reports every line containing MARKER; crashes on 'CRASH'; sleeps on 'SLOW'."""

    name = "marker"
    version = "1"
    rules: ClassVar[tuple[RuleMeta, ...]] = (MARKER_RULE,)
    languages = frozenset({"python"})
    calls_log: ClassVar[Path | None] = None

    def analyze(self, source: FileInput, config: Config) -> FileResult:
        if self.calls_log is not None:
            with self.calls_log.open("a") as log:
                log.write(source.path + "\n")
        if "CRASH" in source.text:
            raise RuntimeError("boom")
        if "SLOW" in source.text:
            time.sleep(5)
        found = []
        for number, line in enumerate(source.text.splitlines(), start=1):
            if "MARKER" in line:
                found.append(MARKER_RULE.finding(Location(source.path, number), "marker", line.strip()))
        return FileResult(tuple(found))


class ParsingAnalyzer(FileAnalyzer):
    """Parses Python (raising NotAnalysable on syntax errors) and reports nothing."""

    name = "parsing"
    version = "1"
    rules: ClassVar[tuple[RuleMeta, ...]] = ()

    def analyze(self, source: FileInput, config: Config) -> FileResult:
        source.python_tree()
        return FileResult()


class _RepoBase(RepoAnalyzer):
    version = "1"
    rules: ClassVar[tuple[RuleMeta, ...]] = (REPO_RULE,)

    def cache_inputs(self, ctx: RepoContext) -> None:
        return None


class PidRepoAnalyzer(_RepoBase):
    """CPU-bound: reports the process it ran in, to prove it ran in a worker."""

    name = "pid-repo"
    cpu_bound = True

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        finding = REPO_RULE.finding(Location("repo", 0), str(os.getpid()), "pid")
        return RepoResult(findings=(finding,))


class HangingRepoAnalyzer(_RepoBase):
    name = "hanging-repo"
    cpu_bound = True

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        time.sleep(60)
        return RepoResult()


class HangingThreadAnalyzer(HangingRepoAnalyzer):
    name = "hanging-thread"
    cpu_bound = False


class BrokenRepoAnalyzer(_RepoBase):
    name = "broken-repo"
    cpu_bound = True

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        raise NotAnalysable(NotAnalysedReason.MALFORMED, "custom exception that does not pickle by default")


class SkippingRepoAnalyzer(_RepoBase):
    name = "skipping-repo"

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        raise AnalyzerSkipped("tool not installed")


class ProofAnalyzer(FileAnalyzer):
    """Proves every line containing SAFE safe (CWE-78), as the taint engine does for sink sites."""

    name = "proof"
    version = "1"
    rules: ClassVar[tuple[RuleMeta, ...]] = ()
    languages = frozenset({"python"})

    def analyze(self, source: FileInput, config: Config) -> FileResult:
        proofs = tuple(
            SafetyProof(source.path, n, n, (78,), "the command is a constant")
            for n, line in enumerate(source.text.splitlines(), start=1)
            if "SAFE" in line
        )
        return FileResult(proofs=proofs)


class ProofRepoAnalyzer(RepoAnalyzer):
    """A cacheable repo analyzer that proves line 1 of every file safe (CWE-89)."""

    name = "proof-repo"
    version = "1"
    rules: ClassVar[tuple[RuleMeta, ...]] = ()

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        proofs = tuple(SafetyProof(f.path, 1, 1, (89,), "parameterised") for f in ctx.files)
        return RepoResult(proofs=proofs)
