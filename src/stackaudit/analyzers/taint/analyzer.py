"""The ``taint`` repository analyzer: parse every Python file once, then follow data."""

from __future__ import annotations

import ast
import gc
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from stackaudit.analyzers.base import RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.taint.api_rules import check_module
from stackaudit.analyzers.taint.interp import BudgetExceeded
from stackaudit.analyzers.taint.modules import ModuleInfo, build_module
from stackaudit.analyzers.taint.program import Program
from stackaudit.analyzers.taint.rules import ALL_RULES
from stackaudit.config.sections.taint import TaintConfig
from stackaudit.model import AnalyzerState, Finding, NotAnalysed, NotAnalysedReason

NAME = "taint"


@dataclass(frozen=True, slots=True)
class Parsed:
    modules: tuple[ModuleInfo, ...]
    not_analysed: tuple[NotAnalysed, ...]


def parse_files(files: Iterable[SourceFile]) -> Parsed:
    """Read and parse each Python file once; bad files become NotAnalysed entries."""
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
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(text, filename=file.path)
        except SyntaxError as exc:
            bad.append(
                NotAnalysed(file.path, NotAnalysedReason.SYNTAX_ERROR, f"line {exc.lineno}: {exc.msg}", NAME)
            )
            continue
        except (RecursionError, MemoryError, ValueError) as exc:
            detail = f"cannot be parsed within bounds ({type(exc).__name__})"
            bad.append(NotAnalysed(file.path, NotAnalysedReason.PARTIAL, detail, NAME))
            continue
        modules.append(build_module(file.path, text, tree))
    return Parsed(tuple(modules), tuple(bad))


@dataclass(frozen=True, slots=True)
class Outcome:
    findings: list[Finding]
    partial: dict[str, str]  # path -> which bound cut it short
    errors: dict[str, str]  # path -> the analyzer bug it hit (the rest of the run is unaffected)


def analyse_modules(modules: tuple[ModuleInfo, ...], config: TaintConfig) -> Outcome:
    """Run the taint engine and the API rules over parsed modules."""
    program = Program(list(modules), config)
    api: list[Finding] = []
    errors: dict[str, str] = {}
    for mod in modules:
        program.deadline = time.monotonic() + config.file_time_limit_s
        try:
            _analyse_module(program, mod)
            api.extend(check_module(mod))
        except BudgetExceeded:
            program.mark_partial(mod.path, f"stopped at taint.file_time_limit_s={config.file_time_limit_s}")
        except RecursionError:
            program.mark_partial(mod.path, "nesting too deep for the analyzer")
        except Exception as exc:  # a bug on one file must not cost the others their findings
            errors[mod.path] = f"taint analyzer error: {type(exc).__name__}"
    program.deadline = float("inf")
    return Outcome([*program.findings.values(), *api], program.partial, errors)


def _analyse_module(program: Program, mod: ModuleInfo) -> None:
    if program.hint.search(mod.text):
        program.module_globals(mod)  # runs the module's top-level code (scripts reading sys.argv)
    functions = [
        *mod.functions.values(),
        *(f for methods in mod.classes.values() for f in methods.values()),
        *mod.nested,
    ]
    for func in functions:
        if program.hinted(func):
            program.summary(func, 0)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while parsed trees are alive.

    We hold every module's AST for cross-module analysis; the trees and our values
    are acyclic, so collection finds nothing but rescans millions of nodes each
    time (measured: about half the run time on Django). Restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class TaintAnalyzer(RepoAnalyzer):
    """Cross-module taint tracking for Python web code, plus API misuse rules."""

    name = NAME
    version = "1"
    rules = ALL_RULES
    cpu_bound = True  # pure-Python work over every module: a worker process of its own

    def cache_inputs(self, ctx: RepoContext) -> list[SourceFile]:
        return [f for f in ctx.files if f.language == "python"]

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        config = ctx.config.taint
        with _gc_paused():
            parsed = parse_files(self.cache_inputs(ctx))
            bad = parsed.not_analysed
            try:
                outcome = analyse_modules(parsed.modules, config)
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
        return RepoResult(tuple(findings), not_analysed, state, reason)
