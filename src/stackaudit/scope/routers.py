"""Router objects (Flask apps and blueprints, FastAPI apps and routers, aiohttp route tables and
applications, Flask-RESTful ``Api``) and the prefixes and auth they are mounted with.

A router is keyed by the module and variable that hold it. ``register_blueprint(bp,
url_prefix=...)``, ``include_router(r, prefix=..., dependencies=[...])`` and
``add_subapp(prefix, app)`` anywhere in the repository mount one router on another; a router
mounted twice has two prefixes.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from stackaudit.scope import auth as au
from stackaudit.scope.model import Auth, AuthLevel
from stackaudit.scope.source import Index, Module, dotted, leaf

FACTORIES: dict[str, tuple[str, str]] = {  # constructor leaf -> (framework, prefix keyword)
    "Flask": ("flask", ""),
    "Blueprint": ("flask", "url_prefix"),
    "Api": ("flask", "prefix"),  # flask_restful / flask_restx over an app or a blueprint
    "Namespace": ("flask", "path"),
    "FastAPI": ("fastapi", ""),
    "APIRouter": ("fastapi", "prefix"),
    "RouteTableDef": ("aiohttp", ""),
    "Application": ("aiohttp", ""),
}
FRAMEWORK_ROOTS = {
    "flask": ("flask", "flask_restful", "flask_restx", "flask_smorest"),
    "fastapi": ("fastapi",),
    "aiohttp": ("aiohttp",),
}
MOUNTS = {"register_blueprint", "include_router", "add_subapp", "add_namespace", "register_api"}
Key = tuple[str, str]  # (module, variable)


@dataclass(slots=True)
class Router:
    framework: str
    prefix: str = ""
    auth: Auth = field(default_factory=Auth)
    parents: list[tuple[Key, str | None, Auth]] = field(default_factory=list)  # (parent, prefix, auth)
    tables: list[Key] = field(default_factory=list)  # aiohttp: route tables added to this app


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def kw(call: ast.Call, name: str) -> ast.expr | None:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


class Routers:
    def __init__(self, index: Index) -> None:
        self.index = index
        self.known: dict[Key, Router] = {}
        for mod in index.modules.values():
            if any(r in mod.text for roots in FRAMEWORK_ROOTS.values() for r in roots):
                self._collect(mod)
        for mod in index.modules.values():
            if any(m in mod.text for m in (*MOUNTS, "add_routes")):
                self._mounts(mod)
            if "before_request" in mod.text:
                self._before_requests(mod)

    def _before_requests(self, mod: Module) -> None:
        """``@bp.before_request`` hooks that require a user: every route of ``bp`` needs one too."""
        for func in mod.funcs.values():
            for dec in func.node.decorator_list:
                if isinstance(dec, ast.Attribute) and dec.attr in ("before_request", "before_app_request"):
                    key = self.key(mod, dec.value)
                    if key is not None:
                        hook = [d for d in func.node.decorator_list if d is not dec and not _is_hook(d)]
                        found = au.decorator_auth(self.index, mod, hook).join(au.guard_level(func.node.body))
                        self.known[key].auth = self.known[key].auth.join(found)

    def _collect(self, mod: Module) -> None:
        for node in mod.bindings:
            if not isinstance(node.value, ast.Call):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            name = dotted(targets[0]) if targets else None
            factory = FACTORIES.get(leaf(node.value))
            qual = self.index.qualified(mod, node.value)
            if name is None or factory is None or not _framework_ok(qual, factory[0]):
                continue
            framework, prefix_kw = factory
            call = node.value
            prefix = (_string(kw(call, prefix_kw)) or "") if prefix_kw else ""
            if leaf(call) == "Namespace" and not prefix:
                prefix = "/" + (_string(call.args[0]) or "") if call.args else ""
            router = Router(
                framework, prefix.rstrip("/"), au.dependencies_auth(self.index, mod, kw(call, "dependencies"))
            )
            if leaf(call) == "Api" and call.args:  # Api(blueprint): routes land on the blueprint
                parent = self.key(mod, call.args[0])
                if parent is not None:
                    router.parents.append((parent, None, Auth()))
            if leaf(call) == "Application":
                router.auth = self._middleware_auth(mod, kw(call, "middlewares"))
            self.known[(mod.name, name)] = router

    def key(self, mod: Module, node: ast.expr) -> Key | None:
        """The router a name or attribute refers to (``bp``, ``orders.bp``, ``self.app``)."""
        text = dotted(node)
        if text is None:
            return None
        if (mod.name, text) in self.known:
            return (mod.name, text)
        found = self.index.resolve(mod, text)
        if found is not None and (found[0].name, found[1]) in self.known:
            return (found[0].name, found[1])
        short = text.rsplit(".", 1)[-1]
        return (mod.name, short) if (mod.name, short) in self.known else None

    def _mounts(self, mod: Module) -> None:
        for node in mod.calls:
            if not isinstance(node.func, ast.Attribute):
                continue
            verb = node.func.attr
            parent = self.key(mod, node.func.value)
            if verb == "add_routes" and node.args:
                table = self.key(mod, node.args[0])
                if parent is not None and table is not None and table != parent:
                    self.known[table].parents.append((parent, None, self.known[parent].auth))
                continue
            if verb not in MOUNTS or not node.args or parent is None:
                continue
            child_node = node.args[1] if verb == "add_subapp" and len(node.args) > 1 else node.args[0]
            child = self.key(mod, child_node)
            if child is None:
                continue
            prefix = (
                _string(node.args[0])
                if verb == "add_subapp"
                else _string(kw(node, "url_prefix") or kw(node, "prefix") or kw(node, "path"))
            )
            dep = au.dependencies_auth(self.index, mod, kw(node, "dependencies"))
            self.known[child].parents.append((parent, prefix, dep))

    def prefixes(self, key: Key, depth: int = 0) -> list[tuple[str, Auth]]:
        """Every full prefix the router is reached under, with the auth its mounts add."""
        router = self.known[key]
        if not router.parents or depth > 6:
            return [(router.prefix, router.auth)]
        out: list[tuple[str, Auth]] = []
        for parent, prefix, dep in router.parents:
            own = router.prefix if prefix is None or router.framework == "fastapi" else ""
            mount = (prefix or "").rstrip("/") if prefix is not None else ""
            for outer, outer_auth in self.prefixes(parent, depth + 1):
                joined = (
                    outer + mount + own if router.framework == "fastapi" or prefix is None else outer + mount
                )
                out.append((joined, outer_auth.join(dep).join(router.auth)))
        return list(dict.fromkeys(out)) or [(router.prefix, router.auth)]

    def _middleware_auth(self, mod: Module, node: ast.expr | None) -> Auth:
        """aiohttp middlewares that check a token or a session before the handler runs."""
        found = Auth()
        for elt in node.elts if isinstance(node, ast.List | ast.Tuple) else []:
            func = self.index.func(mod, elt)
            if func is None:
                continue
            owner = self.index.modules[func.module]
            for call in ast.walk(func.node):
                if isinstance(call, ast.Call) and au.name_level(leaf(call)) is not None:
                    level = max(au.name_level(leaf(call)) or 0, _checks_admin(self.index, owner, call.func))
                    exempt = _exempt_paths(func.node)
                    found = found.join(Auth(AuthLevel(level), (f"middleware {func.node.name}", *exempt)))
        return found


def _is_hook(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr in ("before_request", "before_app_request")


def _framework_ok(qual: str, framework: str) -> bool:
    return qual.split(".")[0] in FRAMEWORK_ROOTS[framework] or "." not in qual


def _checks_admin(index: Index, mod: Module, node: ast.expr, depth: int = 0) -> int:
    """A check function that (through up to two helpers) asks whether the user is an admin."""
    func = index.func(mod, node)
    if func is None or depth > 2:
        return 0
    owner = index.modules[func.module]
    for call in ast.walk(func.node):
        if isinstance(call, ast.Call) and au.ADMIN_WORD.search(leaf(call)):
            return int(AuthLevel.ADMIN)
        if isinstance(call, ast.Call) and _checks_admin(index, owner, call.func, depth + 1):
            return int(AuthLevel.ADMIN)
    return 0


EXEMPT_MARK = "exempt:"


def _exempt_paths(node: ast.AST) -> tuple[str, ...]:
    """Paths a middleware lets through: ``path.startswith("/auth/")``, ``path == "/features"``."""
    out: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and leaf(sub) == "startswith" and sub.args:
            text = _string(sub.args[0])
            out += [f"{EXEMPT_MARK}{text}*"] if text else []
        elif isinstance(sub, ast.Compare) and any(isinstance(o, ast.Eq) for o in sub.ops):
            text = _string(sub.comparators[0])
            out += [f"{EXEMPT_MARK}{text}"] if text and text.startswith("/") else []
    return tuple(out)


def exempted(auth: Auth, path: str) -> bool:
    for mark in auth.seen:
        if mark.startswith(EXEMPT_MARK):
            rule = mark.removeprefix(EXEMPT_MARK)
            if (rule.endswith("*") and path.startswith(rule[:-1])) or path == rule or path.endswith(rule):
                return True
    return False
