"""The single traversal of a module: scope tracking and dispatch to every rule family.

The walker knows, at every node: the enclosing function (dotted), whether it is ``async``, the
handler route if any enclosing function is a request handler, the loops around the node (inside
the current function only: a function defined in a loop does not run per iteration), simple
``name = value`` assignments per scope, imports and router objects. Families read that through
the ``Walk`` they are given and report through ``Walk.emit``.
"""

from __future__ import annotations

import ast
import weakref
from collections.abc import Callable, Sequence

from stackaudit.analyzers.python import frameworks
from stackaudit.analyzers.python.family import Frame, Loop, LoopNode, RuleFamily
from stackaudit.analyzers.python.frameworks import Route, Routers
from stackaudit.analyzers.python.names import (
    CHAIN_DEPTH,
    Imports,
    dotted,
    is_chunked_iterable,
    is_constant_iterable,
    is_retry_range,
)
from stackaudit.analyzers.python.source import SourceLines
from stackaudit.model import CodeContext, Confidence, Finding, Location, RuleMeta

Comprehension = ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp


def _targets(node: ast.expr) -> frozenset[str]:
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))


class Walk(ast.NodeVisitor):
    """Per-file traversal state. Create one per file; call ``run``; read ``findings``."""

    def __init__(self, path: str, text: str, families: Sequence[type[RuleFamily]]) -> None:
        self.path = path
        self.text = text
        self.source = SourceLines(text)
        self.imports = Imports()
        self.routers = Routers()
        self.path_context = frameworks.path_context(path)
        self.views_module = frameworks.is_views_module(path)
        self._qualnames: dict[int, str | None] = {}
        self.frames: list[Frame] = []
        self.classes: list[ast.ClassDef] = []
        self.attr_assigns: dict[str, ast.expr] = {}  # "self.session" -> value, file-wide
        self.awaited: set[int] = set()
        self.call_funcs: set[int] = set()
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, int, int]] = set()
        instances = [family(self) for family in families]
        self._hooks: dict[str, list[Callable[..., None]]] = {
            hook: [getattr(inst, hook) for inst in instances if hook in _overridden(type(inst))]
            for hook in RuleFamily.HOOKS
        }
        # The hooks called at most nodes, looked up once (a dispatch per call and attribute).
        self._on_call = self._hooks["on_call"]
        self._on_attribute = self._hooks["on_attribute"]
        self._on_string = self._hooks["on_string"]

    # ---- running -------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> list[Finding]:
        try:
            self.frames.append(Frame("module", tree, None))
            for stmt in tree.body:
                self.visit(stmt)
            self._dispatch("finish")
        finally:
            self._unhook()
        self.findings.sort(key=lambda f: (f.location.line, f.location.column, f.rule_id))
        return self.findings

    def _unhook(self) -> None:
        """Drop the families (each points back at this walk): without the cycle, the walk, its
        frames and the tree they hold are freed as soon as the caller drops them, not at the
        cyclic GC's next full collection (which workers may run without: engine/worker.py)."""
        self._hooks = {hook: [] for hook in RuleFamily.HOOKS}
        self._on_call, self._on_attribute, self._on_string = [], [], []

    def _dispatch(self, hook: str, *args: object) -> None:
        for fn in self._hooks[hook]:
            fn(*args)

    # ---- scope queries for families -----------------------------------------------------------
    @property
    def frame(self) -> Frame:
        return self.frames[-1]

    @property
    def function(self) -> Frame | None:
        for frame in reversed(self.frames):
            if frame.kind == "function":
                return frame
        return None

    @property
    def in_async(self) -> bool:
        function = self.function
        return function is not None and function.is_async

    @property
    def loops(self) -> list[Loop]:
        return self.frame.loops

    def data_loop(self) -> Loop | None:
        """The innermost data-driven loop around the current node, in this function."""
        for loop in reversed(self.frame.loops):
            if loop.data_driven:
                return loop
        return None

    @property
    def route(self) -> Route | None:
        for frame in reversed(self.frames):
            if frame.route is not None:
                return frame.route
        return None

    @property
    def context(self) -> CodeContext:
        if self.path_context is not None:
            return self.path_context
        return CodeContext.HANDLER if self.route is not None else CodeContext.LIBRARY

    def lookup(self, name: str) -> ast.expr | None:
        """The last value assigned to ``name`` (a local, a global or a ``self.attr``)."""
        if "." in name:
            return self.attr_assigns.get(name)
        for frame in reversed(self.frames):
            if frame.kind == "class" and frame is not self.frame:
                continue  # class bodies are not visible from methods
            if name in frame.assigns:
                return frame.assigns[name]
        return None

    def history(self, name: str) -> list[ast.expr]:
        """Every value assigned to a plain name in the innermost scope that has it, in order."""
        for frame in reversed(self.frames):
            if frame.kind == "class" and frame is not self.frame:
                continue
            if name in frame.history:
                return frame.history[name]
        return []

    def resolve(self, node: ast.expr) -> ast.expr:
        """Follow ``x`` -> the value assigned to ``x``, a few hops at most."""
        for _ in range(CHAIN_DEPTH):
            name = dotted(node) if isinstance(node, ast.Name | ast.Attribute) else None
            value = self.lookup(name) if name else None
            if value is None or value is node:
                return node
            node = value
        return node

    def qualname(self, node: ast.expr) -> str | None:
        """Import-resolved dotted name, memoised per node (several rules ask about each callee)."""
        key = id(node)
        if key in self._qualnames:
            return self._qualnames[key]
        name = self.imports.qualname(node)
        self._qualnames[key] = name
        return name

    # ---- reporting -----------------------------------------------------------------------
    def location(self, node: ast.AST) -> Location:
        return Location(self.path, *self.source.span(node), self.symbol)

    @property
    def symbol(self) -> str | None:
        for frame in reversed(self.frames):
            if frame.qualname:
                return frame.qualname
        return None

    def snippet(self, node: ast.AST) -> str:
        return self.source.snippet(node)

    def header(self, node: ast.AST) -> str:
        return self.source.header(node)

    def prepare(
        self,
        rule: RuleMeta,
        node: ast.AST,
        message: str,
        *,
        snippet: str | None = None,
        related: Sequence[ast.AST] = (),
        confidence: Confidence | None = None,
        context: CodeContext | None = None,
    ) -> Finding:
        """Build a finding with the current scope (symbol, context, endpoint) without adding it:
        for rules that decide at the end of the module."""
        route = self.route
        return rule.finding(
            self.location(node),
            message,
            self.snippet(node) if snippet is None else snippet,
            confidence=confidence,
            related=tuple(self.location(r) for r in related),
            context=context if context is not None and self.path_context is None else self.context,
            endpoint=route.endpoint if route else None,
        )

    def add(self, finding: Finding) -> None:
        key = (finding.rule_id, finding.location.line, finding.location.column)
        if key not in self._seen:
            self._seen.add(key)
            self.findings.append(finding)

    def emit(
        self,
        rule: RuleMeta,
        node: ast.AST,
        message: str,
        *,
        snippet: str | None = None,
        related: Sequence[ast.AST] = (),
        confidence: Confidence | None = None,
        context: CodeContext | None = None,
    ) -> None:
        self.add(
            self.prepare(
                rule,
                node,
                message,
                snippet=snippet,
                related=related,
                confidence=confidence,
                context=context,
            )
        )

    # ---- traversal -------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> None:
        """Dispatch through a per-type table (ast.NodeVisitor's getattr per node is the hot path)."""
        method = _VISITORS.get(type(node))
        if method is not None:
            method(self, node)
        else:
            self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        for name in _child_fields(type(node)):
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_Import(self, node: ast.Import) -> None:
        self.imports.add(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.imports.add(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # docstrings and bare string statements are prose, not code
        self.visit(node.value)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for child in (*node.decorator_list, *node.bases, *(k.value for k in node.keywords)):
            self.visit(child)
        self._dispatch("on_class", node)
        self.classes.append(node)
        self.frames.append(Frame("class", node, self._qualify(node.name)))
        for stmt in node.body:
            self.visit(stmt)
        self.frames.pop()
        self.classes.pop()

    def _qualify(self, name: str) -> str:
        outer = self.symbol
        return f"{outer}.{name}" if outer else name

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for child in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
            if child is not None:
                self.visit(child)
        view_class = self.frame.kind == "class" and frameworks.is_view_class(self.classes[-1])
        nested = self.frame.kind == "function"
        route = frameworks.route_from_decorators(
            node.decorator_list, self.imports, self.routers
        ) or frameworks.implicit_route(node, self.views_module, view_class, nested)
        is_async = isinstance(node, ast.AsyncFunctionDef)
        frame = Frame("function", node, self._qualify(node.name), is_async, route)
        self.frames.append(frame)
        self._dispatch("on_function_enter", frame)
        for stmt in node.body:
            self.visit(stmt)
        self._dispatch("on_function_exit", frame)
        self.frames.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for child in (*node.args.defaults, *node.args.kw_defaults):
            if child is not None:
                self.visit(child)
        frame = Frame("function", node, None)
        self.frames.append(frame)
        self._dispatch("on_function_enter", frame)
        self.visit(node.body)
        self._dispatch("on_function_exit", frame)
        self.frames.pop()

    def _loop(self, loop: Loop, body: Sequence[ast.AST]) -> None:
        self.frame.loops.append(loop)
        self._dispatch("on_loop_enter", loop)
        for stmt in body:
            self.visit(stmt)
        self._dispatch("on_loop_exit", loop)
        self.frame.loops.pop()

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        driven = not (
            is_constant_iterable(node.iter, self.resolve)
            or is_retry_range(node.target, node.iter)
            or is_chunked_iterable(self.resolve(node.iter))
        )
        self._loop(Loop(node, node, _targets(node.target), node.iter, driven), node.body)
        for stmt in node.orelse:
            self.visit(stmt)

    visit_For = _for
    visit_AsyncFor = _for

    def visit_While(self, node: ast.While) -> None:
        self.visit(node.test)
        self._loop(Loop(node, node, frozenset(), None, False), node.body)
        for stmt in node.orelse:
            self.visit(stmt)

    def _comprehension(self, node: Comprehension) -> None:
        loops: list[LoopNode] = []
        for gen in node.generators:
            self.visit(gen.iter)
            resolved = self.resolve(gen.iter)
            fixed = is_constant_iterable(gen.iter, self.resolve) or is_chunked_iterable(resolved)
            driven = not fixed
            loop = Loop(gen, node, _targets(gen.target), gen.iter, driven)
            self.frame.loops.append(loop)
            self._dispatch("on_loop_enter", loop)
            loops.append(gen)
            for cond in gen.ifs:
                self.visit(cond)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        for _ in loops:
            self._dispatch("on_loop_exit", self.frame.loops[-1])
            self.frame.loops.pop()

    visit_ListComp = _comprehension
    visit_SetComp = _comprehension
    visit_GeneratorExp = _comprehension
    visit_DictComp = _comprehension

    def visit_BinOp(self, node: ast.BinOp) -> None:
        """Iterative over left-nested chains (``"a" + "b" + …`` hundreds long in generated code)."""
        rights: list[ast.expr] = []
        current: ast.expr = node
        while isinstance(current, ast.BinOp):
            rights.append(current.right)
            current = current.left
        self.visit(current)
        for right in reversed(rights):
            self.visit(right)

    def visit_Call(self, node: ast.Call) -> None:
        self.call_funcs.add(id(node.func))
        for hook in self._on_call:
            hook(node)
        self.generic_visit(node)

    def visit_Await(self, node: ast.Await) -> None:
        if isinstance(node.value, ast.Call):
            self.awaited.add(id(node.value))
        self.visit(node.value)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load):
            for hook in self._on_attribute:
                hook(node)
        self.visit(node.value)

    def _bind(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.frame.assigns[target.id] = value
            self.frame.history.setdefault(target.id, []).append(value)
            self.routers.observe(target.id, value, self.imports)
        elif isinstance(target, ast.Attribute):
            name = dotted(target)
            if name:
                self.attr_assigns[name] = value
        self._dispatch("on_assign", target, value)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._bind(target, node.value)
            self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self._bind(node.target, node.value)
        self.visit(node.target)

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if isinstance(node, ast.AsyncWith) and isinstance(item.context_expr, ast.Call):
                self.awaited.add(id(item.context_expr))  # `async with session.get(u)` awaits it
            self.visit(item.context_expr)
            if isinstance(item.optional_vars, ast.Name):
                self.frame.assigns[item.optional_vars.id] = item.context_expr
        for stmt in node.body:
            self.visit(stmt)

    visit_With = _with
    visit_AsyncWith = _with

    def visit_Return(self, node: ast.Return) -> None:
        self._dispatch("on_return", node)
        if node.value is not None:
            self.visit(node.value)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            for hook in self._on_string:
                hook(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._dispatch("on_string", node)
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                self.visit(part.value)


def _overridden(family: type[RuleFamily]) -> frozenset[str]:
    """Hooks a family class overrides: computed once per class (a walk per file asked it for
    every hook, 8% of the rules' time). Weakly keyed: some callers make a class per module."""
    found = _OVERRIDDEN.get(family)
    if found is None:
        found = frozenset(h for h in RuleFamily.HOOKS if getattr(family, h) is not getattr(RuleFamily, h))
        _OVERRIDDEN[family] = found
    return found


_OVERRIDDEN: weakref.WeakKeyDictionary[type[RuleFamily], frozenset[str]] = weakref.WeakKeyDictionary()


SKIPPED_FIELDS = frozenset(  # never hold a node worth visiting: contexts, operators, plain values
    {
        "ctx",
        "op",
        "ops",
        "type_comment",
        "type_ignores",
        "id",
        "attr",
        "arg",
        "kind",
        "conversion",
        "is_async",
        "level",
        "module",
    }
)


def _fields_of(kind: type[ast.AST]) -> tuple[str, ...]:
    if kind is ast.Constant:
        return ()
    return tuple(f for f in kind._fields if f not in SKIPPED_FIELDS)


# Constant tables, computed from the ast module's node classes (no runtime mutation).
_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {
    kind: _fields_of(kind)
    for kind in vars(ast).values()
    if isinstance(kind, type) and issubclass(kind, ast.AST)
}


def _child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """Fields that may hold child nodes worth visiting (not contexts or operators)."""
    fields = _FIELDS.get(kind)
    return fields if fields is not None else _fields_of(kind)


_VISITORS: dict[type[ast.AST], Callable[[Walk, ast.AST], None]] = {
    getattr(ast, name[len("visit_") :]): getattr(Walk, name)
    for name in dir(Walk)
    if name.startswith("visit_") and hasattr(ast, name[len("visit_") :])
}
