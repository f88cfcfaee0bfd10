"""Starlette route tables: ``Starlette(routes=[Route("/p", endpoint, methods=[...]), Mount("/api",
routes=[...])])`` and ``Router(routes=...)``; an endpoint is a function or an ``HTTPEndpoint`` class."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from stackaudit.scope import views as vw
from stackaudit.scope.decorated import function_auth, handler_of, owner_func
from stackaudit.scope.model import Auth, Endpoint
from stackaudit.scope.routers import kw
from stackaudit.scope.source import Index, Module, leaf

MAX_DEPTH = 6


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def endpoints(index: Index) -> Iterator[Endpoint]:
    for mod in index.modules.values():
        if "starlette" not in mod.text:
            continue
        for call in mod.calls:
            if leaf(call) in ("Starlette", "Router") and "starlette" in index.qualified(mod, call):
                yield from _routes(index, mod, kw(call, "routes"), "", 0)


def _items(mod: Module, node: ast.expr | None) -> list[ast.expr]:
    if isinstance(node, ast.Name):
        node = mod.assigns.get(node.id)
    return list(node.elts) if isinstance(node, ast.List | ast.Tuple) else []


def _routes(index: Index, mod: Module, node: ast.expr | None, prefix: str, depth: int) -> Iterator[Endpoint]:
    if depth > MAX_DEPTH:
        return
    for item in _items(mod, node):
        if not isinstance(item, ast.Call) or not item.args:
            continue
        path = _string(item.args[0])
        if path is None:
            continue
        if leaf(item) == "Mount":
            yield from _routes(index, mod, kw(item, "routes"), prefix + path.rstrip("/"), depth + 1)
        elif leaf(item) == "Route":
            target = item.args[1] if len(item.args) > 1 else kw(item, "endpoint")
            if target is not None:
                yield from _route(index, mod, item, target, prefix + path)


def _route(index: Index, mod: Module, call: ast.Call, target: ast.expr, path: str) -> Iterator[Endpoint]:
    func = index.func(mod, target)
    if func is not None:
        listed = kw(call, "methods")
        elts = listed.elts if isinstance(listed, ast.List | ast.Tuple) else []
        methods = tuple(s.upper() for e in elts if (s := _string(e))) or ("GET",)
        owner = index.modules[func.module]
        auth = function_auth(index, owner, func.node, Auth())
        yield Endpoint(
            "starlette", methods, path, handler_of(func), auth, vw.lists_records(func.node, methods[0], path)
        )
        return
    found = index.class_def(mod, target)
    if found is None:
        return
    owner, cls = found
    for method in vw.view_methods(index, owner, cls, viewset=False):
        if method.func is not None:
            auth = function_auth(index, method.owner, method.func, Auth())
            lists = vw.lists_records(method.func, method.methods[0], path)
            yield Endpoint("starlette", method.methods, path, owner_func(index, method), auth, lists)
