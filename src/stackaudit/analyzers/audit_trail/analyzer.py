"""The ``audit-trail`` file analyzer: auth, admin and export handlers that log nothing."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from stackaudit.analyzers.audit_trail.handlers import Handler, dotted, find_handlers
from stackaudit.analyzers.audit_trail.rules import MISSING_AUDIT_EVENT, RULES
from stackaudit.analyzers.base import FileAnalyzer, FileInput, FileResult
from stackaudit.config.schema import Config
from stackaudit.model import CodeContext, Finding, Location, RuleMeta

MAX_DEPTH = 3
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


def emits_event(
    fn: FnNode,
    funcs: dict[str, FnNode],
    policy: EventPolicy,
    depth: int = 0,
    seen: frozenset[str] = frozenset(),
) -> bool:
    """True when ``fn`` or a same-module function it calls (up to MAX_DEPTH) emits an event."""
    callees: list[FnNode] = []
    for name in _calls(fn):
        if policy.is_event(name):
            return True
        local = name.removeprefix("self.").removeprefix("cls.")
        if local in funcs and local not in seen and "." not in local:
            callees.append(funcs[local])
    if depth >= MAX_DEPTH:
        return False
    marked = seen | {fn.name}
    return any(emits_event(c, funcs, policy, depth + 1, marked) for c in callees)


class AuditTrailAnalyzer(FileAnalyzer):
    """Authentication, admin and export handlers must leave an audit trail."""

    name: ClassVar[str] = "audit-trail"
    version: ClassVar[str] = "1.0.0"
    rules: ClassVar[tuple[RuleMeta, ...]] = RULES
    languages: ClassVar[frozenset[str]] = frozenset({"python"})

    def analyze(self, source: FileInput, config: Config) -> FileResult:
        if _is_test_path(source.path):
            return FileResult()  # tests exercise handlers; they are not handlers
        tree = source.python_tree()
        funcs = _module_functions(tree)
        policy = EventPolicy(tuple(config.privilege.audit_log_calls))
        findings = [
            _finding(h, source.path) for h in find_handlers(tree) if not emits_event(h.node, funcs, policy)
        ]
        return FileResult(tuple(findings))


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
