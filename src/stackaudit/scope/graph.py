"""A simple call graph over the repository's functions: direct calls by name, imported
functions, ``self.method()`` and ``Class(...)`` (its ``__init__``). Enough to say which handlers
reach a store, and which handlers a helper serves; calls through values we cannot name are not
followed (the map then misses an edge rather than inventing one).
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator

from stackaudit.scope.auth import depends_targets
from stackaudit.scope.source import Func, FuncNode, Index, Module

MAX_DEPTH = 5


def _callee(index: Index, mod: Module, func: Func, call: ast.Call) -> Func | None:
    target = call.func
    if (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id in ("self", "cls")
    ):
        if func.cls is None:
            return None
        prefix = func.qualname.rsplit(".", 1)[0]
        return mod.funcs.get(f"{prefix}.{target.attr}")
    found = index.func(mod, target)
    if found is not None:
        return found
    cls = index.class_def(mod, target)
    if cls is not None:
        return cls[0].funcs.get(f"{cls[1].name}.__init__")
    return None


class CallGraph:
    def __init__(self, index: Index) -> None:
        self.index = index
        self.calls: dict[str, list[str]] = {}
        self.callers: dict[str, list[str]] = {}
        self.funcs: dict[str, Func] = {}
        self.nodes: dict[str, list[ast.AST]] = {}  # each function's own nodes, walked once
        for mod in index.modules.values():
            for func in mod.funcs.values():
                self.funcs[func.ref] = func
                self.nodes[func.ref] = list(_own_nodes(func.node))
        for ref, func in self.funcs.items():
            mod = index.modules[func.module]
            out = list(dict.fromkeys(c.ref for c in _calls(index, mod, func, self.nodes[ref])))
            self.calls[ref] = out
            for callee in out:
                self.callers.setdefault(callee, []).append(ref)

    def reach(self, start: str) -> Iterator[tuple[str, tuple[str, ...]]]:
        """Every function reachable from ``start`` (itself first) with the chain in between."""
        seen = {start}
        queue: deque[tuple[str, tuple[str, ...]]] = deque([(start, ())])
        while queue:
            ref, via = queue.popleft()
            yield ref, via
            if len(via) >= MAX_DEPTH:
                continue
            for callee in self.calls.get(ref, []):
                if callee not in seen:
                    seen.add(callee)
                    queue.append((callee, (*via, callee) if callee != start else via))

    def only_from(self, ref: str, roots: set[str]) -> set[str] | None:
        """The roots that reach ``ref`` when every path into it starts at one of them; None when
        some caller chain starts elsewhere (or nothing calls it) — then the roots do not decide."""
        found: set[str] = set()
        seen: set[str] = set()
        stack = [(ref, 0)]
        while stack:
            cur, depth = stack.pop()
            if cur in roots:
                found.add(cur)
                continue
            callers = self.callers.get(cur, [])
            if not callers or depth >= MAX_DEPTH:
                return None
            for caller in callers:
                if caller not in seen:
                    seen.add(caller)
                    stack.append((caller, depth + 1))
        return found or None


def _calls(index: Index, mod: Module, func: Func, nodes: list[ast.AST]) -> Iterator[Func]:
    for owner, target in depends_targets(index, mod, func.node):  # FastAPI calls these first
        found = index.func(owner, target)
        if found is not None:
            yield found
    for node in nodes:
        if isinstance(node, ast.Call):
            found = _callee(index, mod, func, node)
            if found is not None and found.node is not func.node:
                yield found


def _own_nodes(root: FuncNode) -> Iterator[ast.AST]:
    """The function's nodes, nested function bodies excluded (they are functions of their own)."""
    stack: list[ast.AST] = list(root.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, FuncNode | ast.ClassDef):
                stack.append(child)
