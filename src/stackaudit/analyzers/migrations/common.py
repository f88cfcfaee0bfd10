"""What every migration reader yields: one ``Issue`` per unsafe operation, plus SQL to lint."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from stackaudit.model import RuleMeta


@dataclass(frozen=True, slots=True)
class Issue:
    rule: RuleMeta
    line: int
    end_line: int
    message: str
    snippet: str


@dataclass(frozen=True, slots=True)
class EmbeddedSql:
    """SQL written inside a Python migration (``RunSQL``, ``op.execute``), linted by squawk."""

    sql: str
    line: int
    end_line: int
    in_transaction: bool


@dataclass(frozen=True, slots=True)
class Reading:
    issues: tuple[Issue, ...] = ()
    sql: tuple[EmbeddedSql, ...] = ()


def call_name(node: ast.expr) -> str:
    """``migrations.AddField`` → ``AddField``; ``op.add_column`` → ``add_column``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def arg(call: ast.Call, index: int, name: str) -> ast.expr | None:
    """A call's argument by position or keyword."""
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return keyword(call, name)


def is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def text(node: ast.expr | None) -> str | None:
    """A string literal's value (implicit concatenations and constant f-strings included)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    return None


def issue(rule: RuleMeta, node: ast.AST, message: str, source: str) -> Issue:
    line = getattr(node, "lineno", 1)
    end = getattr(node, "end_lineno", None) or line
    snippet = ast.get_source_segment(source, node) if isinstance(node, ast.expr | ast.stmt) else None
    first = (snippet or "").strip().splitlines()[0] if snippet else message
    return Issue(rule, line, end, message, first[:200])
