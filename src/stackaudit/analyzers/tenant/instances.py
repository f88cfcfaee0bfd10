"""Calls through a module-level service instance (``ledger = Ledger()`` in one module,
``ledger.totals()`` in a handler elsewhere): edges the scope call graph leaves out (it follows
names, ``self.m()`` and ``Class.m()``), added here for request paths. An instance is only
recognised where it is made at module level from a project class; attributes of other objects
(``self.service.list()``, ``g.project.bills()``) stay unfollowed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from stackaudit.scope.graph import CallGraph
from stackaudit.scope.source import Index, Module, dotted

MADE = re.compile(r"(?m)^([A-Za-z_]\w*)\s*(?::[^=\n]+)?=\s*(?:[\w.]+\.)?([A-Z]\w*)\(")


def instance_names(texts: Iterable[str]) -> dict[str, set[str]]:
    """Class name -> the names of module-level instances made of it (``ledger = Ledger()``)."""
    out: dict[str, set[str]] = {}
    for text in texts:
        for name, cls in MADE.findall(text):
            out.setdefault(cls, set()).add(name)
    return out


def _instance_class(index: Index, mod: Module, value: ast.expr) -> tuple[Module, ast.ClassDef] | None:
    text = dotted(value)
    found = index.resolve(mod, text) if text else None
    if found is None or not found[1]:
        return None
    owner, name = found
    made = owner.assigns.get(name)
    return index.class_def(owner, made.func) if isinstance(made, ast.Call) else None


def callers(graph: CallGraph) -> dict[str, list[str]]:
    """Callee ref -> caller refs, for ``x.m()`` where ``x`` is a module-level ``X(...)``."""
    out: dict[str, list[str]] = {}
    for ref, func in graph.funcs.items():
        mod = graph.index.modules[func.module]
        for node in graph.nodes[ref]:
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            target = _instance_class(graph.index, mod, node.func.value)
            if target is None:
                continue
            owner, cls = target
            callee = owner.funcs.get(f"{cls.name}.{node.func.attr}")
            if callee is not None and callee.ref != ref and ref not in out.get(callee.ref, []):
                out.setdefault(callee.ref, []).append(ref)
    return out
