"""Predictable random values that reach secrets: sessions, cookies, tokens, passwords, codes.

The name-based check in ``api_rules`` sees ``token = random.choice(...)``; real code
first builds the value in a variable or a small helper (``def generate(): return
"".join(random.choice(...))``) and then stores it in ``session[...]``, a cookie, or
``user.password``. This pass follows local names and module helpers to those places.
Nothing is imported or run; it walks the module's syntax tree.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from stackaudit.analyzers.taint.modules import ModuleInfo

RANDOM_FUNCS = frozenset(
    {
        "random",
        "randint",
        "randrange",
        "choice",
        "choices",
        "getrandbits",
        "sample",
        "uniform",
        "randbytes",
        "shuffle",
    }
)
SECRET_WORDS = re.compile(
    r"token|passw|secret|salt|nonce|otp|csrf|api_?key|session_?id|reset|"
    r"verification|auth_?code|invite_?code|pin\b|key$",
    re.IGNORECASE,
)
_SESSION = re.compile(r"(^|\.)session$")
_Scope = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True, slots=True)
class WeakRandomSite:
    """A ``random.*`` call (``origin``) whose value reaches ``target`` at ``use``."""

    origin: ast.Call
    use: ast.AST
    target: str


def qualname(mod: ModuleInfo, node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return mod.aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = qualname(mod, node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class _Scanner:
    def __init__(self, mod: ModuleInfo) -> None:
        self.mod = mod
        self.producers: dict[str, ast.Call] = {}  # module function -> the random call its result carries
        functions = [n for n in mod.tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        self.params = {f.name: [a.arg for a in (*f.args.posonlyargs, *f.args.args)] for f in functions}
        for _ in range(2):  # helpers calling helpers
            for func in functions:
                local = self.random_names(func)
                for node in _own_nodes(func):
                    if isinstance(node, ast.Return) and node.value is not None:
                        origin = self.origin(node.value, local)
                        if origin is not None:
                            self.producers.setdefault(func.name, origin)

    def is_random_call(self, node: ast.Call) -> bool:
        qn = qualname(self.mod, node.func) or ""
        if not (qn.startswith("random.") and qn[7:] in RANDOM_FUNCS):
            return False
        return not (qn == "random.choice" and node.args and self._constant_options(node.args[0]))

    def _constant_options(self, node: ast.expr) -> bool:
        """``random.choice(["red", "blue"])``: picking one of a few constants is a selection, not a secret."""
        if isinstance(node, ast.List | ast.Tuple):
            return all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) and len(e.value) > 1
                for e in node.elts
            )
        if isinstance(node, ast.Name) and isinstance(self.mod.consts.get(node.id), tuple):
            values = self.mod.consts[node.id]
            assert isinstance(values, tuple)
            return all(isinstance(v, str) and len(v) > 1 for v in values)
        return False

    def origin(self, expr: ast.expr, local: dict[str, ast.Call]) -> ast.Call | None:
        for node in ast.walk(expr):
            if isinstance(node, ast.Call):
                if self.is_random_call(node):
                    return node
                if isinstance(node.func, ast.Name) and node.func.id in self.producers:
                    return self.producers[node.func.id]
            elif isinstance(node, ast.Name) and node.id in local:
                return local[node.id]
        return None

    def random_names(self, scope: _Scope) -> dict[str, ast.Call]:
        local: dict[str, ast.Call] = {}
        assigns = [n for n in _own_nodes(scope) if isinstance(n, ast.Assign | ast.AnnAssign | ast.AugAssign)]
        for _ in range(2):
            for node in assigns:
                origin = self.origin(node.value, local) if node.value is not None else None
                if origin is None:
                    continue
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        local.setdefault(target.id, origin)
        return local

    def sites(self, scope: _Scope) -> Iterator[WeakRandomSite]:
        local = self.random_names(scope)
        secret_scope = not isinstance(scope, ast.Module) and bool(SECRET_WORDS.search(scope.name))
        for node in _own_nodes(scope):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                origin = self.origin(node.value, local)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets if origin is not None else []:
                    label = _secret_target(target)
                    if label and origin is not None:
                        yield WeakRandomSite(origin, node, label)
            elif isinstance(node, ast.Call):
                yield from self._call_sites(node, local)
            elif isinstance(node, ast.Return) and node.value is not None and secret_scope:
                origin = self.origin(node.value, local)
                if origin is not None and isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield WeakRandomSite(origin, node, f"the result of {scope.name}()")

    def _call_sites(self, node: ast.Call, local: dict[str, ast.Call]) -> Iterator[WeakRandomSite]:
        leaf = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        receiver = ast.unparse(node.func.value) if isinstance(node.func, ast.Attribute) else ""
        whole = (
            leaf == "set_cookie"
            or SECRET_WORDS.search(leaf)
            or (leaf in ("update", "setdefault") and _SESSION.search(receiver))
        )
        for arg in node.args if whole else []:
            origin = self.origin(arg, local)
            if origin is not None:
                yield WeakRandomSite(origin, node, "a cookie" if leaf == "set_cookie" else f"{leaf}()")
        for kw in node.keywords:
            origin = self.origin(kw.value, local)
            if origin is not None and (whole or (kw.arg and SECRET_WORDS.search(kw.arg))):
                yield WeakRandomSite(origin, node, kw.arg or leaf)
        params = self.params.get(leaf, []) if isinstance(node.func, ast.Name) and not whole else []
        for arg, param in zip(node.args, params, strict=False):
            origin = self.origin(arg, local)
            if origin is not None and SECRET_WORDS.search(param):
                yield WeakRandomSite(origin, node, f"{leaf}({param})")  # send_mail(to, reset_code)


def _secret_target(target: ast.expr) -> str:
    """What an assignment target says about the value: a session entry, a secret-named field."""
    if isinstance(target, ast.Subscript):
        base = ast.unparse(target.value)
        if _SESSION.search(base):
            return f"{base}[...]"
        key = target.slice.value if isinstance(target.slice, ast.Constant) else None
        return f"[{key!r}]" if isinstance(key, str) and SECRET_WORDS.search(key) else ""
    leaf = (
        target.attr
        if isinstance(target, ast.Attribute)
        else target.id
        if isinstance(target, ast.Name)
        else ""
    )
    return leaf if leaf and SECRET_WORDS.search(leaf) else ""


def _own_nodes(scope: _Scope) -> Iterator[ast.AST]:
    """Nodes of a scope, not descending into nested functions or classes (their own scopes)."""
    stack: list[ast.AST] = list(reversed(scope.body))
    while stack:
        node = stack.pop()
        yield node
        for child in reversed(list(ast.iter_child_nodes(node))):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                stack.append(child)


def weak_random_sites(mod: ModuleInfo) -> list[WeakRandomSite]:
    """Every place a predictable random value reaches a secret, one per random call."""
    scanner = _Scanner(mod)
    scopes: list[_Scope] = [mod.tree]
    scopes += [n for n in ast.walk(mod.tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    seen: set[int] = set()
    out: list[WeakRandomSite] = []
    for scope in scopes:
        for site in scanner.sites(scope):
            if id(site.origin) not in seen:
                seen.add(id(site.origin))
                out.append(site)
    return out
