"""Django URL confs and Django REST framework routers.

The root URL conf (``ROOT_URLCONF``, else every ``urls`` module nobody includes) is walked:
``path``/``re_path``/``url`` entries, ``include("dotted")``, ``include(module.urls)``,
``include([...])``, ``include((patterns, "ns"))`` and ``include(router.urls)``, each with its
prefix. Views wrapped in the URL conf (``login_required(views.x)``) carry that auth. A URL conf
built at run time (a loop over installed plugins) is recorded as a note, not guessed.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator

from stackaudit.scope import auth as au
from stackaudit.scope import views as vw
from stackaudit.scope.decorated import function_auth, handler_of, owner_func
from stackaudit.scope.model import Auth, AuthLevel, Endpoint
from stackaudit.scope.source import Func, Index, Module, dotted, leaf

PATH_CALLS = {"path", "re_path", "url"}
ROUTER_CLASSES = re.compile(r"Router$")
METHOD_DECORATORS = {"require_GET": ("GET",), "require_POST": ("POST",), "require_safe": ("GET", "HEAD")}
MAX_DEPTH = 8


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _clean(route: str) -> str:
    return route.removeprefix("^").removesuffix("$")


class Django:
    def __init__(self, index: Index) -> None:
        self.index = index
        self.notes: list[str] = []
        self.drf_default = self._drf_default()

    def endpoints(self) -> Iterator[Endpoint]:
        site = self._site_auth()
        for mod in self._roots():
            for ep in self._patterns(mod, self._list(mod, "urlpatterns"), "/", Auth(), 0):
                yield (
                    ep
                    if not site.level or _exempt(self.index, ep)
                    else dataclasses.replace(ep, auth=ep.auth.join(site))
                )

    def _site_auth(self) -> Auth:
        """Django's ``LoginRequiredMiddleware`` (5.1) in ``MIDDLEWARE``: every view needs a signed-in
        user unless it is marked ``@login_not_required``."""
        for mod in self.index.modules.values():
            value = mod.assigns.get("MIDDLEWARE")
            names = [_string(e) or "" for e in value.elts] if isinstance(value, ast.List | ast.Tuple) else []
            if any(n.endswith("LoginRequiredMiddleware") for n in names):
                return Auth(AuthLevel.AUTHENTICATED, ("LoginRequiredMiddleware",))
        return Auth()

    def _roots(self) -> list[Module]:
        roots = []
        for mod in self.index.modules.values():
            conf = _string(mod.assigns.get("ROOT_URLCONF"))
            found = self.index.module(conf, mod.name) if conf else None
            if found is not None and found not in roots:
                roots.append(found)
        if roots:
            return roots
        confs = [m for m in self.index.modules.values() if "urlpatterns" in m.assigns]
        included = {inc.name for m in confs for inc in self._includes(m)}
        return [m for m in confs if m.name not in included]

    def _includes(self, mod: Module) -> Iterator[Module]:
        for node in mod.calls:
            if leaf(node) == "include" and node.args:
                text = _string(node.args[0])
                found = self.index.module(text, mod.name) if text else None
                if found is not None:
                    yield found

    def _list(self, mod: Module, name: str, depth: int = 0) -> list[ast.expr]:
        """A module-level list of patterns with every ``+=``, ``+`` and ``.append``/``.extend``.
        ``urlpatterns = urlpatterns + [...]`` reads the list built so far."""
        out: list[ast.expr] = []
        for node in _statements(mod.tree.body):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets
            ):
                out = self._flatten(mod, node.value, depth, (name, out))
            elif (
                isinstance(node, ast.AugAssign)
                and isinstance(node.target, ast.Name)
                and node.target.id == name
            ):
                out = out + self._flatten(mod, node.value, depth, (name, out))
            elif (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and dotted(node.value.func) in (f"{name}.append", f"{name}.extend")
            ):
                for arg in node.value.args:
                    more = (
                        [arg] if leaf(node.value) == "append" else self._flatten(mod, arg, depth, (name, out))
                    )
                    out = out + more
        return out

    def _flatten(
        self, mod: Module, node: ast.expr, depth: int, building: tuple[str, list[ast.expr]] = ("", [])
    ) -> list[ast.expr]:
        if depth > MAX_DEPTH:
            return []
        if isinstance(node, ast.List | ast.Tuple):
            return list(node.elts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self._flatten(mod, node.left, depth + 1, building)
            return left + self._flatten(mod, node.right, depth + 1, building)
        if isinstance(node, ast.Name) and node.id == building[0]:
            return list(building[1])  # the list as built so far
        if isinstance(node, ast.Name) and node.id in mod.assigns:
            return self._list(mod, node.id, depth + 1)
        if isinstance(node, ast.Attribute) and node.attr == "urls":
            return [node]  # router.urls, expanded where it is met
        if (
            isinstance(node, ast.Call)
            and leaf(node) in ("i18n_patterns", "format_suffix_patterns")
            and node.args
        ):
            return [e for a in node.args for e in self._flatten(mod, a, depth + 1, building)]
        return []

    def _patterns(
        self, mod: Module, items: list[ast.expr], prefix: str, auth: Auth, depth: int
    ) -> Iterator[Endpoint]:
        if depth > MAX_DEPTH:
            return
        for item in items:
            if isinstance(item, ast.Attribute) and item.attr == "urls":
                yield from self._router(mod, item.value, prefix, auth)
                continue
            if not (isinstance(item, ast.Call) and leaf(item) in PATH_CALLS and len(item.args) >= 2):
                continue
            route = _string(item.args[0])
            if route is None:
                self.notes.append(f"{mod.path}:{item.lineno}: a URL pattern built at run time")
                continue
            yield from self._view(mod, item.args[1], prefix + _clean(route), auth, depth)

    def _view(self, mod: Module, view: ast.expr, path: str, auth: Auth, depth: int) -> Iterator[Endpoint]:
        if isinstance(view, ast.Call) and leaf(view) == "include" and view.args:
            yield from self._include(mod, view.args[0], path, auth, depth)
        elif isinstance(view, ast.Call) and leaf(view) == "as_view" and isinstance(view.func, ast.Attribute):
            yield from self._class(mod, view.func.value, path, auth, view)
        elif isinstance(view, ast.Call) and len(view.args) == 1:  # login_required(views.x)
            level = au.name_level(leaf(view), ast.unparse(view))
            wrap = Auth(level, (f"{leaf(view)}(...)",)) if level is not None else Auth()
            yield from self._view(mod, view.args[0], path, auth.join(wrap), depth)
        else:
            func = self.index.func(mod, view)
            if func is not None:
                yield self._function(func, path, auth)

    def _include(
        self, mod: Module, target: ast.expr, path: str, auth: Auth, depth: int
    ) -> Iterator[Endpoint]:
        if isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[0]
        text = _string(target)
        if text is not None:
            inc = self.index.module(text, mod.name)
            if inc is None:
                return
            yield from self._patterns(inc, self._list(inc, "urlpatterns"), path, auth, depth + 1)
        elif isinstance(target, ast.Attribute) and target.attr == "urls":
            found = self.index.resolve(mod, dotted(target.value) or "")
            if found is not None and not found[1]:  # include(app.urls): a module
                yield from self._patterns(
                    found[0], self._list(found[0], "urlpatterns"), path, auth, depth + 1
                )
            else:
                yield from self._router(mod, target.value, path, auth)
        else:
            owner, name = mod, dotted(target) or ""
            found = self.index.resolve(mod, name) if name else None
            if found is not None and found[1]:
                owner, name = found
            items = (
                self._flatten(owner, target, 0)
                if not isinstance(target, ast.Name)
                else self._list(owner, name)
            )
            yield from self._patterns(owner, items, path, auth, depth + 1)

    def _function(self, func: Func, path: str, auth: Auth) -> Endpoint:
        mod = self.index.modules[func.module]
        methods: tuple[str, ...] = ("*",)
        for dec in func.node.decorator_list:
            name = leaf(dec)
            if name in METHOD_DECORATORS:
                methods = METHOD_DECORATORS[name]
            elif name in ("require_http_methods", "api_view") and isinstance(dec, ast.Call) and dec.args:
                elts = dec.args[0].elts if isinstance(dec.args[0], ast.List | ast.Tuple) else []
                methods = tuple(s.upper() for e in elts if (s := _string(e))) or methods
        own = function_auth(self.index, mod, func.node, auth)
        if any(leaf(d) == "api_view" for d in func.node.decorator_list) and not any(
            leaf(d) == "permission_classes" for d in func.node.decorator_list
        ):
            own = own.join(self.drf_default)
        framework = "drf" if "rest_framework" in mod.text else "django"
        return Endpoint(
            framework,
            methods,
            path,
            handler_of(func),
            own,
            vw.lists_records(func.node, methods[0] if methods[0] != "*" else "GET", path),
        )

    def _class(
        self, mod: Module, cls_node: ast.expr, path: str, auth: Auth, call: ast.Call
    ) -> Iterator[Endpoint]:
        found = self.index.class_def(mod, cls_node)
        if found is None:
            return
        owner, cls = found
        mapping = call.args[0] if call.args and isinstance(call.args[0], ast.Dict) else None
        wanted = (
            {
                (_string(v) or ""): (_string(k) or "").upper()
                for k, v in zip(mapping.keys, mapping.values, strict=False)
                if k
            }
            if mapping
            else None
        )
        framework = "drf" if "rest_framework" in owner.text else "django"
        for method in vw.view_methods(self.index, owner, cls, viewset=wanted is not None):
            if wanted is not None and method.name not in wanted:
                continue
            verbs = (wanted[method.name],) if wanted is not None else method.methods
            yield self._class_endpoint(framework, owner, cls, method, verbs, path, auth)

    def _class_endpoint(
        self,
        framework: str,
        owner: Module,
        cls: ast.ClassDef,
        method: vw.ViewMethod,
        verbs: tuple[str, ...],
        path: str,
        auth: Auth,
    ) -> Endpoint:
        own = vw.class_auth(self.index, owner, cls, verbs[0], self.drf_default).join(auth)
        if method.func is not None:
            own = own.join(au.decorator_auth(self.index, method.owner, method.func.decorator_list))
            own = own.join(au.guard_level(method.func.body))
        lists = method.collection or vw.lists_records(method.func, verbs[0], path)
        return Endpoint(framework, verbs, path, owner_func(self.index, method), own, lists)

    def _router(self, mod: Module, node: ast.expr, prefix: str, auth: Auth) -> Iterator[Endpoint]:
        found = self.index.resolve(mod, dotted(node) or "")
        owner, name = found if found is not None and found[1] else (mod, dotted(node) or "")
        for call in _registrations(owner, name):
            route = _clean(_string(call.args[0]) or "").strip("/")
            cls_found = self.index.class_def(owner, call.args[1])
            if cls_found is None:
                continue
            cmod, cls = cls_found
            base = f"{prefix}{route}/" if route else prefix
            for method in vw.view_methods(self.index, cmod, cls, viewset=True):
                where = f"{base}<pk>/" if method.detail else base
                where += f"{method.url_path}/" if method.url_path else ""
                yield self._class_endpoint("drf", cmod, cls, method, method.methods, where, auth)

    def _drf_default(self) -> Auth:
        """``REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]`` in the settings."""
        for mod in self.index.modules.values():
            value = mod.assigns.get("REST_FRAMEWORK")
            if not isinstance(value, ast.Dict):
                continue
            for key, item in zip(value.keys, value.values, strict=False):
                if _string(key) == "DEFAULT_PERMISSION_CLASSES" and isinstance(item, ast.List | ast.Tuple):
                    found = Auth()
                    for elt in item.elts:
                        name = (_string(elt) or "").rsplit(".", 1)[-1]
                        level = au.name_level(name)
                        found = found.join(Auth(level, (f"default {name}",)) if level is not None else Auth())
                    return found
        return Auth()


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module statements in order, those under ``if settings.X:`` / ``try:`` included (both
    branches: a feature flag's patterns exist in some deployments)."""
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.Try):
            yield from _statements([*node.body, *node.orelse, *getattr(node, "finalbody", [])])
            for handler in getattr(node, "handlers", []):
                yield from _statements(handler.body)


def _exempt(index: Index, ep: Endpoint) -> bool:
    mod = index.modules.get(ep.handler.module)
    func = mod.funcs.get(ep.handler.qualname) if mod is not None else None
    return func is not None and any(leaf(d) == "login_not_required" for d in func.node.decorator_list)


def _registrations(mod: Module, name: str) -> Iterator[ast.Call]:
    for node in mod.calls:
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "register"
            and dotted(node.func.value) == name
            and len(node.args) >= 2
        ):
            yield node
