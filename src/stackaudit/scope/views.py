"""Class-based views (Django, Django REST framework, Flask ``MethodView``/Flask-RESTful
``Resource``): which HTTP methods a class answers, through which method, and its auth.

Methods a class inherits from the framework (``ModelViewSet`` lists, creates, retrieves, updates
and destroys) are answered by the class itself: the handler is the class then.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from stackaudit.scope import auth as au
from stackaudit.scope.model import Auth, AuthLevel
from stackaudit.scope.source import FuncNode, Index, Module, leaf

VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE", "head": "HEAD"}
ACTIONS = {  # DRF viewset action -> (method, detail route)
    "list": ("GET", False),
    "create": ("POST", False),
    "retrieve": ("GET", True),
    "update": ("PUT", True),
    "partial_update": ("PATCH", True),
    "destroy": ("DELETE", True),
}
# Framework bases and what they answer without a method of their own.
INHERITED: dict[str, tuple[str, ...]] = {
    "ModelViewSet": ("list", "create", "retrieve", "update", "partial_update", "destroy"),
    "ReadOnlyModelViewSet": ("list", "retrieve"),
    "ListModelMixin": ("list",),
    "CreateModelMixin": ("create",),
    "RetrieveModelMixin": ("retrieve",),
    "UpdateModelMixin": ("update", "partial_update"),
    "DestroyModelMixin": ("destroy",),
    "ListAPIView": ("get",),
    "CreateAPIView": ("post",),
    "RetrieveAPIView": ("get",),
    "DestroyAPIView": ("delete",),
    "UpdateAPIView": ("put", "patch"),
    "ListCreateAPIView": ("get", "post"),
    "RetrieveUpdateAPIView": ("get", "put", "patch"),
    "RetrieveDestroyAPIView": ("get", "delete"),
    "RetrieveUpdateDestroyAPIView": ("get", "put", "patch", "delete"),
    "ListView": ("get",),
    "DetailView": ("get",),
    "TemplateView": ("get",),
    "RedirectView": ("get",),
    "ArchiveIndexView": ("get",),
    "FormView": ("get", "post"),
    "CreateView": ("get", "post"),
    "UpdateView": ("get", "post"),
    "DeleteView": ("get", "post"),
    "LoginView": ("get", "post"),
    "LogoutView": ("post",),
}
COLLECTION_BASES = re.compile(r"ListView$|ListAPIView$|ListCreateAPIView$|ArchiveIndexView$")
DRF_BASES = re.compile(r"APIView$|ViewSet$|ViewSetMixin$")


@dataclass(frozen=True, slots=True)
class ViewMethod:
    name: str  # "get", "list", "my_action"
    methods: tuple[str, ...]
    func: FuncNode | None  # None: inherited from the framework, answered by the class
    owner: Module
    qualname: str  # "OrderViewSet.list" or "OrderViewSet"
    detail: bool = False  # DRF: on the detail route (…/<pk>/)
    url_path: str = ""  # DRF @action: the extra path segment
    collection: bool = False


def is_view_class(index: Index, mod: Module, cls: ast.ClassDef) -> bool:
    return any(
        re.search(r"View$|ViewSet$|Resource$|APIView$|ViewMixin$", base.rsplit(".", 1)[-1])
        for _, c, base in index.lineage(mod, cls)
        if c is None
    )


def view_methods(index: Index, mod: Module, cls: ast.ClassDef, viewset: bool) -> list[ViewMethod]:
    """What the class answers. ``viewset``: DRF actions count (a router routes them)."""
    seen: dict[str, ViewMethod] = {}
    collection = False
    for owner, cdef, base in index.lineage(mod, cls):
        if cdef is None:
            short = base.rsplit(".", 1)[-1]
            collection = collection or bool(COLLECTION_BASES.search(short))
            for name in INHERITED.get(short, ()):
                found = _method(name, None, owner, cls.name, collection)
                if name not in seen and (viewset or name in VERBS) and found is not None:
                    seen[name] = found
            continue
        for node in cdef.body:
            if isinstance(node, FuncNode) and node.name not in seen:
                found = _method(node.name, node, owner, f"{cdef.name}.{node.name}", collection, viewset)
                if found is not None:
                    seen[node.name] = found
    return list(seen.values())


def _method(
    name: str, node: FuncNode | None, owner: Module, qual: str, collection: bool, viewset: bool = True
) -> ViewMethod | None:
    if name in VERBS:
        return ViewMethod(name, (VERBS[name],), node, owner, qual, collection=collection and name == "get")
    if viewset and name in ACTIONS:
        method, detail = ACTIONS[name]
        return ViewMethod(name, (method,), node, owner, qual, detail, collection=name == "list")
    action = _action(node) if node is not None and viewset else None
    if action is None:
        return None
    methods, detail, url_path = action
    return ViewMethod(name, methods, node, owner, qual, detail, url_path or name)


def _action(node: FuncNode) -> tuple[tuple[str, ...], bool, str] | None:
    """DRF ``@action(detail=True, methods=["post"], url_path="x")``."""
    for dec in node.decorator_list:
        if isinstance(dec, ast.Call) and leaf(dec) in ("action", "detail_route", "list_route"):
            kws = {k.arg: k.value for k in dec.keywords if k.arg}
            listed = kws.get("methods")
            elts = listed.elts if isinstance(listed, ast.List | ast.Tuple) else []
            methods = tuple(s.upper() for e in elts if (s := _string(e)))
            flag = kws.get("detail")
            detail = leaf(dec) == "detail_route" or (isinstance(flag, ast.Constant) and flag.value is True)
            return methods or ("GET",), detail, _string(kws.get("url_path")) or ""
    return None


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def super_auth(index: Index, mod: Module, cls: ast.ClassDef, method: ViewMethod) -> Auth:
    """An override that calls ``super().post()`` runs the base method's checks too."""
    if method.func is None or "super()" not in ast.unparse(method.func):
        return Auth()
    found = Auth()
    for owner, cdef, _ in list(index.lineage(mod, cls))[1:]:
        for node in cdef.body if cdef is not None else []:
            if isinstance(node, FuncNode) and node.name == method.name and node is not method.func:
                found = found.join(au.decorator_auth(index, owner, node.decorator_list))
                found = found.join(au.guard_level(node.body))
    return found


def class_auth(index: Index, mod: Module, cls: ast.ClassDef, method: str, drf_default: Auth) -> Auth:
    """Mixins, ``permission_classes``, class decorators and ``dispatch`` decorators, first in the MRO wins
    for ``permission_classes``; every mixin applies."""
    found = Auth()
    permissions: Auth | None = None
    drf = False
    for owner, cdef, base in index.lineage(mod, cls):
        if cdef is None:
            short = base.rsplit(".", 1)[-1]
            drf = drf or (bool(DRF_BASES.search(short)) and base.startswith("rest_framework"))
            level = au.name_level(short, _test_func_text(index, mod, cls) if "PassesTest" in short else "")
            if level is not None and short.endswith("Mixin"):
                found = found.join(Auth(level, (short,)))
            continue
        found = found.join(au.decorator_auth(index, owner, cdef.decorator_list))
        for node in cdef.body:
            value = _class_attr(node, "permission_classes")
            if value is not None and permissions is None:
                permissions = au.permission_auth(index, owner, value, method)
            if isinstance(node, FuncNode) and node.name == "dispatch":
                found = found.join(au.decorator_auth(index, owner, node.decorator_list))
            if isinstance(node, FuncNode) and node.name == "test_func":
                found = found.join(_test_func_auth(node))
            required = _class_attr(node, "permission_required")
            if required is not None:  # a named permission: a signed-in user holding it
                level = (
                    AuthLevel.ADMIN
                    if au.ADMIN_WORD.search(ast.unparse(required))
                    else AuthLevel.AUTHENTICATED
                )
                found = found.join(Auth(level, (f"permission_required {ast.unparse(required)[:40]}",)))
    if permissions is None and drf:
        permissions = drf_default
    return found.join(permissions or Auth())


def _class_attr(node: ast.stmt, name: str) -> ast.expr | None:
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
        return node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
        return node.value
    return None


def _test_func_auth(node: FuncNode) -> Auth:
    text = ast.unparse(node)
    level = AuthLevel.ADMIN if au.ADMIN_WORD.search(text) else AuthLevel.AUTHENTICATED
    return Auth(level, ("test_func",))


def _test_func_text(index: Index, mod: Module, cls: ast.ClassDef) -> str:
    for _, cdef, _ in index.lineage(mod, cls):
        for node in cdef.body if cdef is not None else []:
            if isinstance(node, FuncNode) and node.name == "test_func":
                return ast.unparse(node)
    return ""


def lists_records(node: FuncNode | None, method: str, path: str) -> bool:
    """A GET whose path ends in no parameter and whose body reads many rows (``.all()``,
    ``.filter(...)``, ``.find(...)``, ``select(...)``) or is named ``list_*``/``index``."""
    if method != "GET" or node is None or re.search(r"[<{][^/]*[>}]/?$", path):
        return False
    if re.match(r"(list|get_all|all|index|search)", node.name):
        return True
    text = ast.unparse(node)
    return bool(
        re.search(r"\.(all|filter|filter_by|find|scalars|values_list)\(|\bselect\(|\.objects\.", text)
    ) and not re.search(r"\.(first|one|one_or_none|get|count|exists)\(\)", text)
