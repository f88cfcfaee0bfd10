"""Rate limits that do not separate tenants, in a project with tenant-scoped data.

Kept simple on purpose: the limiters are found by their declarations (flask-limiter and
slowapi ``Limiter(key_func=...)``, django-ratelimit ``@ratelimit(key=...)``, DRF throttle
classes), and a limiter counts as per tenant when its key (the key function's body, the key
string, the throttle's ``get_cache_key``) names the tenant. Whether every tenant-scoped
endpoint is limited at all is the ``rate-limit`` analyzer's question, not this one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from stackaudit.analyzers.python.names import dotted
from stackaudit.analyzers.tenant.models import TenantScope

THROTTLE_SETTING = "DEFAULT_THROTTLE_CLASSES"


@dataclass(frozen=True, slots=True)
class Limiter:
    """One limiter declaration and whether its key names the tenant."""

    path: str
    node: ast.AST
    kind: str  # "Limiter", "ratelimit", "DRF throttle"
    per_tenant: bool


def _functions(trees: Mapping[str, ast.Module]) -> dict[str, ast.AST]:
    return {
        n.name: n
        for tree in trees.values()
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def _names_tenant(node: ast.AST | None, scope: TenantScope, defs: Mapping[str, ast.AST]) -> bool:
    """The key expression, or the body of the project function it names, mentions the tenant."""
    if node is None:
        return False
    targets = [node]
    name = (dotted(node) or "").rsplit(".", 1)[-1] if isinstance(node, ast.Name | ast.Attribute) else ""
    if name in defs:
        targets.append(defs[name])
    for target in targets:
        for sub in ast.walk(target):
            text = (
                sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else None
            )
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                text = sub.value
            if text and scope.names_tenant(text):
                return True
    return False


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def limiters(trees: Mapping[str, ast.Module], scope: TenantScope) -> Iterator[Limiter]:
    """Every limiter declaration of the project, judged per tenant or not."""
    defs = _functions(trees)
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                last = (dotted(node.func) or "").rsplit(".", 1)[-1]
                if last == "Limiter":
                    key = _keyword(node, "key_func") or (node.args[0] if node.args else None)
                    yield Limiter(path, node, "Limiter", _names_tenant(key, scope, defs))
                elif last == "ratelimit":
                    yield Limiter(path, node, "ratelimit", _names_tenant(_keyword(node, "key"), scope, defs))
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == THROTTLE_SETTING for t in node.targets
            ):
                yield Limiter(path, node, "DRF throttle", _throttles_per_tenant(node.value, scope, defs))
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == THROTTLE_SETTING:
                        yield Limiter(path, key, "DRF throttle", _throttles_per_tenant(value, scope, defs))


def _throttles_per_tenant(value: ast.expr, scope: TenantScope, defs: Mapping[str, ast.AST]) -> bool:
    """``["shop.throttles.TenantRateThrottle"]``: a project throttle class keyed by tenant."""
    for item in ast.walk(value):
        if isinstance(item, ast.Constant) and isinstance(item.value, str):
            name = item.value.rsplit(".", 1)[-1]
            if scope.names_tenant(name) or (name in defs and _names_tenant(ast.Name(name), scope, defs)):
                return True
    return False
