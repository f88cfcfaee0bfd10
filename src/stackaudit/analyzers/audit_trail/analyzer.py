"""The ``audit-trail`` analyzer: auth, admin and export handlers that log nothing.

It looks at the repository as a whole so that a handler which records its event through the
project's own helper (``from app.audit import record_login``) is seen to leave a trail.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from stackaudit.analyzers.audit_trail.handlers import Handler, dotted, find_handlers
from stackaudit.analyzers.audit_trail.imports import (
    ModuleIndex,
    callee_target,
    imported_functions,
    imported_modules,
)
from stackaudit.analyzers.audit_trail.rules import MISSING_AUDIT_EVENT, RULES
from stackaudit.analyzers.base import RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.pyparse import ParsedModules, statement_nodes
from stackaudit.config.schema import Config
from stackaudit.model import CodeContext, Finding, Location, NotAnalysed, NotAnalysedReason, RuleMeta

MAX_DEPTH = 3
MAX_HOPS = 3  # imports followed from a handler into the project's helpers
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "msg", "fatal"}
_LOGGER_ROOT = re.compile(r"(?i)^(?:_*(?:log|logger|logging|structlog|audit\w*|\w*_logger|\w*_log|log_\w+))$")
_SIGNAL = re.compile(r"(?i)logged_in|logged_out|login_failed|signal|audit")
_AUDIT_ROOTS = (
    "current_app.logger",
    "app.logger",
    "self.logger",
    "self.log",
    "cls.logger",
    "request.app.logger",
)

FnNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True, slots=True)
class EventPolicy:
    """What counts as an audit or log event."""

    extra: tuple[str, ...] = ()

    def is_event(self, name: str) -> bool:
        plain = name.replace("()", "")
        if any(plain == e or plain.endswith("." + e) or plain.startswith(e + ".") for e in self.extra):
            return True
        if "audit" in plain.lower():
            return True
        parts = plain.split(".")
        if plain.startswith(_AUDIT_ROOTS) and parts[-1] in _LOG_METHODS:
            return True
        if parts[-1].startswith("log_") or parts[-1].endswith(("_log", "_logged")):
            return True  # ``cfp.log_action(...)``, ``activity_log(...)``: the project's own audit API
        sends = {"send", "send_robust", "asend", "asend_robust", "emit"}
        if len(parts) >= 2 and parts[-1] in sends and _SIGNAL.search(parts[-2]):
            return True
        if parts[-1] in _LOG_METHODS and len(parts) >= 2:
            return bool(
                _LOGGER_ROOT.match(parts[-2])
                or _LOGGER_ROOT.match(parts[0])
                or "getLogger" in name
                or "get_logger" in name
            )
        return False


def _module_functions(tree: ast.Module) -> dict[str, FnNode]:
    funcs: dict[str, FnNode] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            funcs.setdefault(node.name, node)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    funcs.setdefault(item.name, item)
    return funcs


def _calls(fn: FnNode) -> Iterable[str]:
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            yield dotted(node.func)


External = Callable[[str], bool]  # dotted call name -> an imported project function that emits


def _no_external(name: str) -> bool:
    return False


def emits_event(
    fn: FnNode,
    funcs: dict[str, FnNode],
    policy: EventPolicy,
    depth: int = 0,
    seen: frozenset[str] = frozenset(),
    external: External = _no_external,
) -> bool:
    """True when ``fn`` or a same-module function it calls (up to MAX_DEPTH) emits an event;
    ``external`` answers for calls into the project's other modules."""
    callees: list[FnNode] = []
    for name in _calls(fn):
        if policy.is_event(name) or external(name):
            return True
        local = name.removeprefix("self.").removeprefix("cls.")
        if local in funcs and local not in seen and "." not in local:
            callees.append(funcs[local])
    if depth >= MAX_DEPTH:
        return False
    marked = seen | {fn.name}
    return any(emits_event(c, funcs, policy, depth + 1, marked, external) for c in callees)


# A module worth parsing names a handler kind somewhere; most modules do not.
_CANDIDATE = re.compile(
    r"(?i)log_?in|log_?out|sign_?in|passw|reset|token|oauth|admin|staff|superuser|permission"
    r"|export|download|dump|backup|report|csv|attachment|send_file|FileResponse|impersonat"
)


def _parse(text: str, path: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning from audited code
        return ast.parse(text, filename=path)


class _Project:
    """The repository's Python modules, read and parsed on demand, once each."""

    def __init__(
        self, files: Iterable[SourceFile], policy: EventPolicy, shared: ParsedModules | None = None
    ) -> None:
        self.shared = shared  # the run's parses (analyzers/pyparse.py)
        self.files = {f.path: f for f in files}
        self.index = ModuleIndex(self.files)
        self.policy = policy
        self._trees: dict[str, ast.Module | None] = {}
        self._emits: dict[tuple[str, str], bool] = {}

    def text(self, path: str) -> str | None:
        try:
            return self.files[path].abspath.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def tree(self, path: str) -> ast.Module | None:
        if path not in self._trees:
            text = self.text(path)
            try:
                if text is None:
                    self._trees[path] = None
                elif self.shared is not None:
                    self._trees[path] = self.shared.parse(text, path)
                else:
                    self._trees[path] = _parse(text, path)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._trees[path] = None
        return self._trees[path]

    def emits(self, path: str, function: str, hops: int = 1) -> bool:
        """Does ``function`` of module ``path`` (its module's helpers, and up to MAX_HOPS imports
        further) emit an event?"""
        key = (path, function)
        if key not in self._emits:
            self._emits[key] = False  # a cycle of imports counts as no event
            tree = self.tree(path)
            if tree is None:
                return False
            funcs = _module_functions(tree)
            further = self.external(tree, path, hops + 1) if hops < MAX_HOPS else _no_external
            self._emits[key] = function in funcs and emits_event(
                funcs[function], funcs, self.policy, external=further
            )
        return self._emits[key]

    def external(self, tree: ast.Module, importer: str, hops: int = 1) -> External:
        functions = imported_functions(tree, importer, self.index)
        modules = imported_modules(tree, importer, self.index)

        def resolve(name: str) -> bool:
            target = callee_target(name.replace("()", ""), functions, modules)
            return target is not None and self.emits(*target, hops)

        return resolve


# Django's own login/logout/authenticate send the auth signals (user_logged_in, user_logged_out,
# user_login_failed) that audit receivers hook: a handler calling them leaves a trail.
_DJANGO_AUTH = frozenset({"login", "logout", "authenticate"})


def _framework_events(tree: ast.Module) -> tuple[str, ...]:
    names: list[str] = []
    for node in statement_nodes(tree):  # imports are statements: ast.walk's order, no expressions
        if isinstance(node, ast.ImportFrom) and node.module == "django.contrib.auth":
            names += [a.asname or a.name for a in node.names if a.name in _DJANGO_AUTH]
        elif isinstance(node, ast.Import):
            names += [
                f"{a.asname or a.name}.{f}"
                for a in node.names
                if a.name == "django.contrib.auth"
                for f in _DJANGO_AUTH
            ]
    return tuple(names)


def analyze_module(
    tree: ast.Module, path: str, policy: EventPolicy, external: External = _no_external
) -> list[Finding]:
    """The findings of one parsed module: its handlers that emit no event."""
    policy = EventPolicy((*policy.extra, *_framework_events(tree)))
    funcs = _module_functions(tree)
    return [
        _finding(h, path)
        for h in find_handlers(tree)
        if not emits_event(h.node, funcs, policy, external=external)
    ]


class AuditTrailAnalyzer(RepoAnalyzer):
    """Authentication, admin and export handlers must leave an audit trail."""

    name: ClassVar[str] = "audit-trail"
    version: ClassVar[str] = "1.2.0"
    rules: ClassVar[tuple[RuleMeta, ...]] = RULES
    cpu_bound: ClassVar[bool] = True  # parses Python: a worker process of its own

    def cache_inputs(self, ctx: RepoContext) -> list[SourceFile]:
        return [f for f in ctx.files if f.language == "python"]

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        return RepoResult(*audit_files(self.cache_inputs(ctx), ctx.config, ctx.parsed))


def audit_files(
    files: Iterable[SourceFile], config: Config, shared: ParsedModules | None = None
) -> tuple[tuple[Finding, ...], tuple[NotAnalysed, ...]]:
    """Findings and unparsable files over the repository's Python files (tests excluded:
    they exercise handlers, they are not handlers)."""
    policy = EventPolicy(tuple(config.privilege.audit_log_calls))
    project = _Project([f for f in files if not _is_test_path(f.path)], policy, shared)
    findings: list[Finding] = []
    skipped: list[NotAnalysed] = []
    for path in sorted(project.files):
        text = project.text(path)
        if text is None or not _CANDIDATE.search(text):
            continue
        tree = project.tree(path)
        if tree is None:
            skipped.append(NotAnalysed(path, NotAnalysedReason.SYNTAX_ERROR, "does not parse", "audit-trail"))
            continue
        findings += analyze_module(tree, path, policy, project.external(tree, path))
    return tuple(findings), tuple(skipped)


def _is_test_path(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or any(p in {"tests", "test", "testing"} for p in parts[:-1])
    )


def _finding(handler: Handler, path: str) -> Finding:
    node = handler.node
    where = f" ({handler.endpoint})" if handler.endpoint else ""
    message = (
        f"{handler.kind.value} handler {handler.qualname}{where} emits no audit or log event "
        f"[{handler.reason}]"
    )
    location = Location(
        path,
        node.lineno,
        node.col_offset + 1,
        node.end_lineno or node.lineno,
        (node.end_col_offset or 0) + 1,
        handler.qualname,
    )
    return MISSING_AUDIT_EVENT.finding(
        location,
        message,
        f"def {handler.qualname} [{handler.kind.value}]",
        context=CodeContext.HANDLER,
        endpoint=handler.endpoint,
        properties=(("handler_kind", handler.kind.value),),
    )
