"""Flask, FastAPI and aiohttp endpoints: route decorators, ``add_url_rule`` / ``add_resource`` /
``add_get`` calls, ``MethodView``/``Resource`` classes and lists of ``(path, ViewClass)`` handed to
a project's own registration helper.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from stackaudit.scope import auth as au
from stackaudit.scope import views as vw
from stackaudit.scope.model import Auth, Endpoint, Handler
from stackaudit.scope.routers import Key, Routers, exempted, kw
from stackaudit.scope.source import Func, FuncNode, Index, Module, leaf

ROUTE_VERBS = {"get", "post", "put", "patch", "delete", "head", "options"}
ROUTE_ANY = {"route", "api_route", "view"}
AIOHTTP_ADD = {f"add_{v}": v.upper() for v in ROUTE_VERBS}


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _methods(node: ast.expr | None, default: str) -> tuple[str, ...]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        found = tuple(s.upper() for e in node.elts if (s := _string(e)))
        return found or (default,)
    return (default,)


def handler_of(func: Func, end: int | None = None) -> Handler:
    node = func.node
    return Handler(func.module, func.qualname, func.path, node.lineno, end or node.end_lineno or node.lineno)


def function_auth(index: Index, mod: Module, node: FuncNode, extra: Auth) -> Auth:
    found = au.decorator_auth(index, mod, node.decorator_list).join(au.guard_level(node.body))
    return found.join(au.params_auth(index, mod, node)).join(extra)


class Decorated:
    def __init__(self, index: Index, routers: Routers) -> None:
        self.index = index
        self.routers = routers

    def endpoints(self) -> Iterator[Endpoint]:
        for mod in self.index.modules.values():
            if not any(
                w in mod.text for w in ("route", "add_url_rule", "add_resource", "add_get", ".get(", ".post(")
            ):
                continue
            for func in mod.funcs.values():
                yield from self._decorated(mod, func)
            yield from self._calls(mod)
            yield from self._tuples(mod)

    def _mounted(self, key: Key, path: str) -> Iterator[tuple[str, Auth]]:
        for prefix, auth in self.routers.prefixes(key):
            full = prefix + path
            yield full, Auth() if exempted(auth, path) or exempted(auth, full) else auth

    def _endpoint(
        self,
        framework: str,
        methods: tuple[str, ...],
        path: str,
        handler: Handler,
        auth: Auth,
        node: FuncNode | None,
        collection: bool = False,
    ) -> Endpoint:
        clean = Auth(auth.level, tuple(s for s in auth.seen if not s.startswith("exempt:")))
        lists = collection or vw.lists_records(node, methods[0], path)
        return Endpoint(framework, methods, path, handler, clean, lists)

    def _decorated(self, mod: Module, func: Func) -> Iterator[Endpoint]:
        for dec in func.node.decorator_list:
            if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)):
                continue
            verb = dec.func.attr
            key = self.routers.key(mod, dec.func.value)
            if key is None or (verb not in ROUTE_VERBS and verb not in ROUTE_ANY):
                continue
            router = self.routers.known[key]
            methods: tuple[str, ...]
            if verb == "route" and router.framework == "aiohttp":  # routes.route("GET", "/p")
                methods, path = (
                    (_string(dec.args[0]) or "*",),
                    _string(dec.args[1]) if len(dec.args) > 1 else None,
                )
            else:
                path = _string(dec.args[0]) if dec.args else _string(kw(dec, "path") or kw(dec, "rule"))
                default = verb.upper() if verb in ROUTE_VERBS else "GET"
                methods = _methods(kw(dec, "methods"), default) if verb in ROUTE_ANY else (default,)
            if path is None:
                continue
            extra = au.dependencies_auth(self.index, mod, kw(dec, "dependencies"))
            own = function_auth(self.index, mod, func.node, extra)
            for full, auth in self._mounted(key, path):
                yield self._endpoint(
                    router.framework, methods, full, handler_of(func), auth.join(own), func.node
                )

    def _calls(self, mod: Module) -> Iterator[Endpoint]:
        for node in mod.calls:
            if not isinstance(node.func, ast.Attribute):
                continue
            verb = node.func.attr
            if verb == "add_url_rule":
                yield from self._url_rule(mod, node)
            elif verb == "add_resource" and node.args:
                key = self.routers.key(mod, node.func.value)
                paths = [p for a in node.args[1:] if (p := _string(a))]
                if key is not None:
                    yield from self._class_routes(mod, node.args[0], paths, key)
            elif verb in AIOHTTP_ADD or verb == "add_route":
                yield from self._aiohttp_add(mod, node, verb)

    def _url_rule(self, mod: Module, node: ast.Call) -> Iterator[Endpoint]:
        key = self.routers.key(mod, node.func.value)  # type: ignore[attr-defined]
        path = _string(node.args[0]) if node.args else _string(kw(node, "rule"))
        view = kw(node, "view_func") or (node.args[2] if len(node.args) > 2 else None)
        if key is None or path is None or view is None:
            return
        if isinstance(view, ast.Call) and leaf(view) == "as_view" and isinstance(view.func, ast.Attribute):
            yield from self._class_routes(mod, view.func.value, [path], key)
            return
        func = self.index.func(mod, view)
        if func is None:
            return
        owner = self.index.modules[func.module]
        methods = _methods(kw(node, "methods"), "GET")
        own = function_auth(self.index, owner, func.node, Auth())
        for full, auth in self._mounted(key, path):
            yield self._endpoint("flask", methods, full, handler_of(func), auth.join(own), func.node)

    def _class_routes(
        self, mod: Module, cls_node: ast.expr, paths: list[str], key: Key, extra: Auth | None = None
    ) -> Iterator[Endpoint]:
        found = self.index.class_def(mod, cls_node)
        if found is None:
            return
        owner, cls = found
        class_auth = _flask_class_auth(self.index, owner, cls).join(extra or Auth())
        for method in vw.view_methods(self.index, owner, cls, viewset=False):
            if method.func is None:
                continue
            func = owner_func(self.index, method)
            own = function_auth(self.index, method.owner, method.func, class_auth).join(
                vw.class_auth(self.index, owner, cls, method.methods[0], Auth())
            )
            own = own.join(vw.super_auth(self.index, owner, cls, method))
            for path in paths:
                for full, auth in self._mounted(key, path):
                    yield self._endpoint("flask", method.methods, full, func, auth.join(own), method.func)

    def _tuples(self, mod: Module) -> Iterator[Endpoint]:
        """``routes = [("/path", ViewClass), ...]`` passed with a blueprint to a registration helper."""
        for node in mod.calls:
            if not any(isinstance(a, ast.Name | ast.List) for a in node.args[1:]):
                continue
            key = next((k for a in node.args if (k := self.routers.key(mod, a)) is not None), None)
            if key is None:
                continue
            listed = kw(node, "decorators")  # the helper wraps every view in these
            extra = (
                au.decorator_auth(self.index, mod, list(listed.elts))
                if isinstance(listed, ast.List)
                else Auth()
            )
            for arg in node.args:
                value = mod.assigns.get(arg.id) if isinstance(arg, ast.Name) else arg
                if not isinstance(value, ast.List | ast.Tuple):
                    continue
                for elt in value.elts:
                    if isinstance(elt, ast.Tuple) and len(elt.elts) == 2 and (path := _string(elt.elts[0])):
                        yield from self._class_routes(mod, elt.elts[1], [path], key, extra)

    def _aiohttp_add(self, mod: Module, node: ast.Call, verb: str) -> Iterator[Endpoint]:
        args = list(node.args)
        if verb == "add_route":
            method = _string(args[0]) if args else None
            args = args[1:]
            method = method or (ast.unparse(node.args[0]).rsplit("_", 1)[-1] if node.args else "*")
        else:
            method = AIOHTTP_ADD[verb]
        path = _string(args[0]) if args else _string(kw(node, "path"))
        target = args[1] if len(args) > 1 else kw(node, "handler")
        if path is None or target is None:
            return
        func = self._method_or_func(mod, target, node)
        if func is None:
            return
        owner = self.index.modules[func.module]
        own = function_auth(self.index, owner, func.node, Auth())
        yield self._endpoint("aiohttp", (method.upper(),), path, handler_of(func), own, func.node)

    def _method_or_func(self, mod: Module, target: ast.expr, site: ast.AST) -> Func | None:
        if (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
        ):
            for func in mod.funcs.values():
                if func.cls and func.node.name == target.attr and _encloses_class(mod, func.cls, site):
                    return func
            return None
        return self.index.func(mod, target)


def owner_func(index: Index, method: vw.ViewMethod) -> Handler:
    func = method.owner.funcs.get(method.qualname)
    if func is not None:
        return handler_of(func)
    node = method.func
    line = node.lineno if node else 1
    return Handler(
        method.owner.name,
        method.qualname,
        method.owner.path,
        line,
        (node.end_lineno or line) if node else line,
    )


def _flask_class_auth(index: Index, mod: Module, cls: ast.ClassDef) -> Auth:
    """``decorators = [login_required]`` / ``method_decorators = [jwt_required()]`` on a view class."""
    found = Auth()
    for owner, cdef, _ in index.lineage(mod, cls):
        for node in cdef.body if cdef is not None else []:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in ("decorators", "method_decorators") for t in node.targets
            ):
                elts = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else []
                found = found.join(au.decorator_auth(index, owner, list(elts)))
    return found


def _encloses_class(mod: Module, cls: str, site: ast.AST) -> bool:
    node = mod.classes.get(cls)
    line = getattr(site, "lineno", 0)
    return node is not None and node.lineno <= line <= (node.end_lineno or node.lineno)
