"""The ``taint`` repository analyzer: parse every Python file once, then follow data."""

from __future__ import annotations

import ast
import re
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from stackaudit.analyzers.base import RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.pyparse import ParsedModules, gc_paused
from stackaudit.analyzers.taint.api_rules import API_HINT, check_module
from stackaudit.analyzers.taint.interp import BudgetExceeded
from stackaudit.analyzers.taint.modules import ModuleInfo, build_module, mentions_sink, source_hint
from stackaudit.analyzers.taint.program import Program
from stackaudit.analyzers.taint.ruff_merge import RUFF_EQUIVALENTS
from stackaudit.analyzers.taint.rules import ALL_RULES
from stackaudit.config.sections.taint import TaintConfig
from stackaudit.model import AnalyzerState, Finding, NotAnalysed, NotAnalysedReason, SafetyProof

NAME = "taint"


@dataclass(frozen=True, slots=True)
class Parsed:
    modules: tuple[ModuleInfo, ...]
    not_analysed: tuple[NotAnalysed, ...]


def parse_files(
    files: Iterable[SourceFile],
    keep_tree: Callable[[ModuleInfo], bool] | None = None,
    shared: ParsedModules | None = None,
) -> Parsed:
    """Read and parse each Python file once; bad files become NotAnalysed entries.

    ``keep_tree(module)`` False: the module's tree is released right away (it is parsed
    again only if a tainted call reaches it), which bounds the memory of large trees.
    ``shared``: the run's parses (analyzers/pyparse.py), so other analyzers in this process
    reuse these trees and a released tree comes back without a second parse.
    """
    modules: list[ModuleInfo] = []
    bad: list[NotAnalysed] = []
    for file in files:
        try:
            text = file.abspath.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            bad.append(NotAnalysed(file.path, NotAnalysedReason.DECODE_ERROR, "not UTF-8", NAME))
            continue
        except FileNotFoundError:
            bad.append(NotAnalysed(file.path, NotAnalysedReason.VANISHED, "deleted during the scan", NAME))
            continue
        except OSError as exc:
            bad.append(NotAnalysed(file.path, NotAnalysedReason.PERMISSION, type(exc).__name__, NAME))
            continue
        try:
            tree = shared.parse(text, file.path) if shared is not None else _parse(text, file.path)
        except SyntaxError as exc:
            bad.append(
                NotAnalysed(file.path, NotAnalysedReason.SYNTAX_ERROR, f"line {exc.lineno}: {exc.msg}", NAME)
            )
            continue
        except (RecursionError, MemoryError, ValueError) as exc:
            detail = f"cannot be parsed within bounds ({type(exc).__name__})"
            bad.append(NotAnalysed(file.path, NotAnalysedReason.PARTIAL, detail, NAME))
            continue
        module = build_module(file.path, text, tree)
        module.shared = shared
        if keep_tree is not None and not keep_tree(module):
            module.release_tree()
            if shared is not None:  # taint runs last in its worker: free the tree now
                shared.forget(text, file.path)
        modules.append(module)
    return Parsed(tuple(modules), tuple(bad))


def _parse(text: str, path: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=path)


@dataclass(frozen=True, slots=True)
class Outcome:
    findings: list[Finding]
    partial: dict[str, str]  # path -> which bound cut it short
    errors: dict[str, str]  # path -> the analyzer bug it hit (the rest of the run is unaffected)
    proofs: tuple[SafetyProof, ...] = ()  # sink sites proven safe


# Syntax trees kept in memory between parsing and analysis, counted in characters of source
# (a tree costs about 40x its source). Modules beyond it are parsed again when analysed.
TREE_BUDGET_CHARS = 8_000_000


class _KeepTrees:
    """Keep the trees of modules that will certainly be analysed, within a memory budget."""

    def __init__(self, hint: re.Pattern[str], budget: int = TREE_BUDGET_CHARS) -> None:
        self.hint = hint
        self.left = budget
        self.kept: set[str] = set()

    def __call__(self, mod: ModuleInfo) -> bool:
        needed = mod.mentions(self.hint) or mod.mentions(API_HINT) or mentions_sink(mod.text)
        needed = needed or any(f.is_route for f in mod.functions_all())
        if not needed or len(mod.text) > self.left:
            return False
        self.left -= len(mod.text)
        self.kept.add(mod.path)
        return True


SWEEP_EVERY = 64  # modules analysed between two releases of trees parsed again on demand


def analyse_modules(
    modules: tuple[ModuleInfo, ...],
    config: TaintConfig,
    kept: frozenset[str] | None = None,
    root: Path | None = None,
) -> Outcome:
    """Run the taint engine and the API rules over parsed modules.

    ``kept``: paths whose trees stay in memory; any other tree parsed again on demand is
    released every ``SWEEP_EVERY`` modules (None: keep everything).
    """
    program = Program(list(modules), config)
    program.root = root
    api: list[Finding] = []
    errors: dict[str, str] = {}
    for index, mod in enumerate(modules):
        if kept is not None and index % SWEEP_EVERY == SWEEP_EVERY - 1:
            for other in modules:
                if other.path not in kept:
                    other.release_tree()
        program.deadline = time.monotonic() + config.file_time_limit_s
        try:
            _analyse_module(program, mod)
            api.extend(check_module(mod, program.sites))
        except BudgetExceeded:
            program.abandon()
            program.mark_partial(mod.path, f"stopped at taint.file_time_limit_s={config.file_time_limit_s}")
        except RecursionError:
            program.abandon()
            program.mark_partial(mod.path, "nesting too deep for the analyzer")
        except Exception as exc:  # a bug on one file must not cost the others their findings
            program.abandon()
            errors[mod.path] = f"taint analyzer error: {type(exc).__name__}"
    program.deadline = float("inf")
    program.finish()
    return Outcome([*program.findings.values(), *api], program.partial, errors, program.sites.proofs())


def _analyse_module(program: Program, mod: ModuleInfo) -> None:
    if mod.mentions(program.hint):
        program.module_globals(mod)  # runs the module's top-level code (scripts reading sys.argv)
    functions = [
        *mod.functions.values(),
        *(f for methods in mod.classes.values() for f in methods.values()),
        *mod.nested,
    ]
    marks = mod.mentions(MARK_SAFE_HINT)
    for func in functions:
        if program.hinted(func) or program.sink_hinted(func) or (marks and func.hinted(MARK_SAFE_HINT)):
            program.summary(func)


# Functions that mark HTML safe are roots even without a source: ruff reports every
# mark_safe/Markup call, and only a proof (a constant, format_html, escape) removes its finding.
# Not analysed, they kept all of them (issue 8: 0 of 14 labelled true on the review set).
MARK_SAFE_HINT = re.compile(r"\b(?:mark_safe|Markup)\(")


class TaintAnalyzer(RepoAnalyzer):
    """Cross-module taint tracking for Python web code, plus API misuse rules."""

    name = NAME
    config_keys = ("taint", "analyzer_timeout_s")
    version = "29"
    rules = ALL_RULES
    cpu_bound = True  # pure-Python work over every module: a worker process of its own
    drops_trees = True  # keeps only the trees of modules it will analyse (bounded memory)
    ruff_equivalents = RUFF_EQUIVALENTS

    def cache_inputs(self, ctx: RepoContext) -> list[SourceFile]:
        return [f for f in ctx.files if f.language == "python"]

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        config = ctx.config.taint
        with gc_paused():
            keep = _KeepTrees(source_hint(config.extra_sources))
            parsed = parse_files(self.cache_inputs(ctx), keep, ctx.parsed)
            bad = parsed.not_analysed
            try:
                outcome = analyse_modules(parsed.modules, config, frozenset(keep.kept), ctx.root)
            finally:
                # Free the trees while the GC is still paused: modules and functions point at each
                # other (released here), and the millions of nodes would otherwise all be scanned
                # by the first collection after the pause.
                for mod in parsed.modules:
                    mod.release()
                del parsed
        partial_entries = tuple(
            NotAnalysed(path, NotAnalysedReason.PARTIAL, reason, NAME)
            for path, reason in sorted(outcome.partial.items())
        )
        error_entries = tuple(
            NotAnalysed(path, NotAnalysedReason.ERROR, detail, NAME)
            for path, detail in sorted(outcome.errors.items())
        )
        not_analysed = (*bad, *partial_entries, *error_entries)
        cut = len(partial_entries) + len(error_entries)
        state = AnalyzerState.PARTIAL if cut else AnalyzerState.OK
        reason = f"{cut} file(s) analysed partially" if cut else ""
        findings = sorted(outcome.findings, key=lambda f: f.sort_key)
        return RepoResult(tuple(findings), not_analysed, state, reason, proofs=outcome.proofs)
