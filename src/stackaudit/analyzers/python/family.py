"""The interface of a rule family: hooks the single traversal calls, and the scope it exposes.

A family is a small class grouping related rules (one module each). The walker creates one
instance per file, so a family may keep per-file state on itself; nothing is shared between
files. Hooks a family does not override cost nothing: the walker only dispatches to overriders.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from stackaudit.analyzers.python.frameworks import Route
from stackaudit.model import RuleMeta

if TYPE_CHECKING:
    from stackaudit.analyzers.python.walker import Walk

LoopNode = ast.For | ast.AsyncFor | ast.While | ast.comprehension
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


@dataclass(slots=True)
class Loop:
    """A loop being traversed. ``data_driven``: a ``for``/comprehension over something that is
    not a literal (``for x in (1, 2)`` and ``range(3)`` are not), so its body runs per item."""

    node: LoopNode
    header: ast.AST  # the node whose position is the loop header (comprehension: the comp)
    targets: frozenset[str]
    iter: ast.expr | None
    data_driven: bool


@dataclass(slots=True)
class Frame:
    """A scope: the module, a class body or a function (lambdas included)."""

    kind: str  # "module" | "class" | "function"
    node: ast.AST
    qualname: str | None
    is_async: bool = False
    route: Route | None = None
    assigns: dict[str, ast.expr] = field(default_factory=dict)
    history: dict[str, list[ast.expr]] = field(default_factory=dict)  # every value, in order
    loops: list[Loop] = field(default_factory=list)


class RuleFamily:
    """Base of every rule family. Override the hooks you need; each is called in source order."""

    rules: ClassVar[tuple[RuleMeta, ...]]
    HOOKS: ClassVar[tuple[str, ...]] = (
        "on_function_enter",
        "on_function_exit",
        "on_class",
        "on_loop_enter",
        "on_loop_exit",
        "on_call",
        "on_attribute",
        "on_assign",
        "on_string",
        "on_return",
        "finish",
    )

    def __init__(self, walk: Walk) -> None:
        self.walk = walk

    def on_function_enter(self, frame: Frame) -> None:
        """A function (or lambda) scope was entered; ``frame`` is now innermost."""

    def on_function_exit(self, frame: Frame) -> None:
        """The function's body has been traversed; ``frame`` is still innermost."""

    def on_class(self, node: ast.ClassDef) -> None:
        """A class statement, before its body is traversed."""

    def on_loop_enter(self, loop: Loop) -> None:
        """A loop whose iterable was traversed; its body comes next."""

    def on_loop_exit(self, loop: Loop) -> None:
        """The loop's body was traversed; ``loop`` is still the innermost loop."""

    def on_call(self, node: ast.Call) -> None:
        """A call, before its arguments are traversed."""

    def on_attribute(self, node: ast.Attribute) -> None:
        """An attribute read (Load context)."""

    def on_assign(self, target: ast.expr, value: ast.expr) -> None:
        """``target = value`` (also annotated assignments), after ``value`` was traversed."""

    def on_string(self, node: ast.Constant | ast.JoinedStr) -> None:
        """A string literal or f-string that is not a bare expression statement (docstring)."""

    def on_return(self, node: ast.Return) -> None:
        """A return statement, before its value is traversed."""

    def finish(self) -> None:
        """The whole module was traversed; emit anything deferred."""
