"""The analyzer interface.

Two kinds of analyzer plug into the runner:

* ``FileAnalyzer``: looks at one file at a time. The runner spreads files over a
  process pool and caches each file's result by content hash, analyzer version
  and config hash. Must be picklable (no open handles on the instance).
* ``RepoAnalyzer``: looks at the repository as a whole (an external engine run
  once over the tree, cross-module taint, dependency audit, git history). Runs in
  the main process; its result is cached on the hash of every input file.

Analyzers never format, never filter by suppressions or baselines, never touch the
store's history: they only turn input into ``Finding``s and ``NotAnalysed`` entries.
"""

from __future__ import annotations

import ast
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from stackaudit.analyzers.pyparse import PARSE_ERRORS, ParsedModules
from stackaudit.config.schema import Config
from stackaudit.model import AnalyzerState, Finding, NotAnalysed, NotAnalysedReason, RuleMeta, SafetyProof


class AnalyzerError(Exception):
    """Root of analyzer errors. The runner records it and carries on."""


class NotAnalysable(AnalyzerError):
    """This input cannot be analysed (syntax error, malformed file …)."""

    def __init__(self, reason: NotAnalysedReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class AnalyzerSkipped(AnalyzerError):
    """The analyzer cannot run at all here (binary missing, nothing to do)."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A discovered file. ``path`` is repo-relative POSIX; ``abspath`` is absolute."""

    path: str
    abspath: Path
    size: int
    language: str  # "python", "yaml", "json", "toml", "dockerfile", "shell", "text", …


class FileInput:
    """A file's decoded text, with a lazily parsed Python AST shared by all analyzers.

    ``parsed``: the run's shared parses when file analyzers run in the process the repository
    analyzers run in (a small audit, ``--jobs 1``): then the file is parsed once for all of them.
    """

    __slots__ = ("_parsed", "_tree", "file", "text")

    def __init__(self, file: SourceFile, text: str, parsed: ParsedModules | None = None) -> None:
        self.file = file
        self.text = text
        self._tree: ast.Module | None = None
        self._parsed = parsed

    @property
    def path(self) -> str:
        return self.file.path

    def python_tree(self) -> ast.Module:
        """Parse once; raise ``NotAnalysable`` on a syntax error."""
        if self._tree is None:
            try:
                self._tree = self._parse()
            except SyntaxError as exc:
                raise NotAnalysable(NotAnalysedReason.SYNTAX_ERROR, f"line {exc.lineno}: {exc.msg}") from None
            except PARSE_ERRORS as exc:
                raise NotAnalysable(NotAnalysedReason.SYNTAX_ERROR, type(exc).__name__) from None
        return self._tree

    def _parse(self) -> ast.Module:
        if self._parsed is not None:
            return self._parsed.parse(self.text, self.file.path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning from audited code
            return ast.parse(self.text, filename=self.file.path)

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


@dataclass(frozen=True, slots=True)
class FileResult:
    findings: tuple[Finding, ...] = ()
    partial: str | None = None  # set when a bound cut the analysis short: why
    proofs: tuple[SafetyProof, ...] = ()  # sink sites proven safe (see model/proof.py)


@dataclass(frozen=True)
class RepoContext:
    root: Path
    files: tuple[SourceFile, ...]  # everything discovery accepted
    config: Config
    is_git: bool
    db_url: str | None = None  # the store, for analyzers that read data from it (vulndb)
    cache_dir: Path | None = None  # a private scratch dir (e.g. ruff's --cache-dir)
    jobs: int = 1
    changed: frozenset[str] | None = None  # diff mode: only these paths changed
    # The run's one parse per Python file, shared by the repository analyzers of a process
    # (analyzers/pyparse.py): parse with ``ctx.parsed.parse(text, path)``, never mutate a tree.
    parsed: ParsedModules = field(default_factory=ParsedModules, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class RepoResult:
    findings: tuple[Finding, ...] = ()
    not_analysed: tuple[NotAnalysed, ...] = ()
    state: AnalyzerState = AnalyzerState.OK
    reason: str = ""
    tool_version: str = ""
    notices: tuple[str, ...] = ()  # run-wide warnings (e.g. "vulnerability data is 120 days old")
    cacheable: bool = True
    proofs: tuple[SafetyProof, ...] = ()  # sink sites proven safe (see model/proof.py)


class Analyzer(ABC):
    name: ClassVar[str]
    version: ClassVar[str]  # bump when results change: it is part of every cache key
    rules: ClassVar[tuple[RuleMeta, ...]]
    default_enabled: ClassVar[bool] = True  # False: runs only when named (e.g. secrets-history)
    # The top-level config keys this analyzer reads: only they enter its cache key, so editing
    # another section (or fail_on) keeps its cache warm. None: every key that can change analysis.
    config_keys: ClassVar[tuple[str, ...] | None] = None
    # ruff code -> our rule, for problems this analyzer judges with more context than ruff's
    # pattern (data flow, session defaults). On a file it fully analysed it is authoritative:
    # ruff's findings of those codes there are dropped (engine/merge.py).
    ruff_equivalents: ClassVar[Mapping[str, str]] = {}


class FileAnalyzer(Analyzer):
    languages: ClassVar[frozenset[str]] = frozenset({"python"})  # empty = every text file

    def applies_to(self, file: SourceFile) -> bool:
        return not self.languages or file.language in self.languages

    @abstractmethod
    def analyze(self, source: FileInput, config: Config) -> FileResult:
        """Return the findings for one file; raise NotAnalysable when it can't."""


class RepoAnalyzer(Analyzer):
    # True: pure-Python CPU work; the runner gives it a worker process of its own
    # (real parallelism, and a crash or runaway cannot take the audit down).
    # False: it mostly waits on a subprocess or I/O, and runs on a thread.
    cpu_bound: ClassVar[bool] = False
    # True: keeps few of the trees it reads. Runs last among the CPU-bound analyzers sharing a
    # worker (engine/groups.py) and forgets the trees it drops, so they are freed at once.
    drops_trees: ClassVar[bool] = False

    def cache_inputs(self, ctx: RepoContext) -> Sequence[SourceFile] | None:
        """Files whose content decides the result; None = do not cache."""
        return ctx.files

    @abstractmethod
    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        """Analyse the repository; raise AnalyzerSkipped when it cannot run here."""


@dataclass(frozen=True, slots=True)
class RuleIndex:
    """All rules of all analyzers by id; duplicate ids fail loudly."""

    rules: dict[str, RuleMeta] = field(default_factory=dict)

    @classmethod
    def build(cls, analyzers: Sequence[type[Analyzer]], extra: Sequence[RuleMeta] = ()) -> RuleIndex:
        index: dict[str, RuleMeta] = {}
        owned = [(a.name, r) for a in analyzers for r in a.rules] + [("engine", r) for r in extra]
        for owner, rule in owned:
            if rule.id in index:
                raise ValueError(f"duplicate rule id {rule.id!r} (again in {owner!r})")
            index[rule.id] = rule
        return cls(index)
