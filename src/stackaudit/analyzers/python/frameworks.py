"""Web framework knowledge: which functions are request handlers, their routes, and where code runs.

Recognised (by syntax only, nothing is imported):

* Flask: ``@app.route("/p", methods=[...])``, ``@app.get("/p")``, blueprints with
  ``Blueprint(..., url_prefix="/api")``.
* FastAPI: ``@app.get("/p")``, ``@router.post("/p")``, ``APIRouter(prefix="/api")``,
  ``@app.api_route("/p", methods=[...])``.
* Django: function views (first parameter ``request`` in ``views.py`` / ``views/``), class-based
  views (methods ``get``/``post``/… of classes whose bases end in View, ViewSet, APIView),
  ``@api_view([...])``, ``@require_GET``, ``@require_http_methods([...])``.
* Celery tasks (``@app.task``, ``@shared_task``): they run per message, so they count as handlers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import PurePosixPath

from stackaudit.analyzers.python.names import Imports, dotted, keyword, string_value
from stackaudit.model import CodeContext

HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
VIEW_METHODS: dict[str, str | None] = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "head": "HEAD",
    "list": "GET",
    "retrieve": "GET",
    "create": "POST",
    "update": "PUT",
    "partial_update": "PATCH",
    "destroy": "DELETE",
    "get_queryset": None,
    "get_context_data": None,
}
VIEW_BASE_SUFFIXES = ("View", "ViewSet", "APIView", "Resource")
ROUTER_FACTORIES: dict[str, tuple[str, str]] = {  # constructor -> framework, prefix keyword
    "flask.Flask": ("flask", ""),
    "flask.Blueprint": ("flask", "url_prefix"),
    "fastapi.FastAPI": ("fastapi", "root_path"),
    "fastapi.APIRouter": ("fastapi", "prefix"),
}
TASK_DECORATORS = frozenset({"task", "shared_task", "periodic_task"})
DJANGO_METHOD_DECORATORS: dict[str, str] = {
    "require_GET": "GET",
    "require_POST": "POST",
    "require_safe": "GET",
}


@dataclass(frozen=True, slots=True)
class Route:
    """A handler's route as far as the source tells it."""

    framework: str  # "flask", "fastapi", "django", "celery", "web"
    method: str | None = None  # "GET"; None when any or unknown
    path: str | None = None  # "/orders" with any router prefix applied

    @property
    def endpoint(self) -> str | None:
        if self.method and self.path is not None:
            return f"{self.method} {self.path or '/'}"
        return None

    @property
    def serves_reads(self) -> bool:
        """Can this handler answer a GET (a list endpoint)?"""
        return self.framework != "celery" and self.method in (None, "GET")


class Routers:
    """Application / blueprint / router objects seen in the module, with their URL prefixes."""

    __slots__ = ("known",)

    def __init__(self) -> None:
        self.known: dict[str, tuple[str, str]] = {}  # variable -> (framework, prefix)

    def observe(self, target: str, value: ast.expr, imports: Imports) -> None:
        if not isinstance(value, ast.Call):
            return
        factory = imports.qualname(value.func)
        if factory not in ROUTER_FACTORIES:
            return
        framework, key = ROUTER_FACTORIES[factory]
        found = keyword(value, key) if key else None
        prefix = string_value(found.value) if found else None
        self.known[target] = (framework, (prefix or "").rstrip("/"))


def _first_string(items: ast.expr | None) -> str | None:
    if isinstance(items, ast.List | ast.Tuple | ast.Set):
        for elt in items.elts:
            text = string_value(elt)
            if text:
                return text.upper()
    return None


def _route_call(dec: ast.Call, imports: Imports, routers: Routers) -> Route | None:
    func = dec.func
    name = imports.qualname(func) or ""
    short = name.rsplit(".", 1)[-1]
    if short in TASK_DECORATORS:
        return Route("celery")
    if short == "api_view":
        return Route("django", _first_string(dec.args[0] if dec.args else None) or "GET")
    if short == "require_http_methods":
        return Route("django", _first_string(dec.args[0] if dec.args else None))
    if not isinstance(func, ast.Attribute):
        return None
    owner = dotted(func.value) or ""
    path = string_value(dec.args[0]) if dec.args else string_value(_kw(dec, "path", "rule"))
    if path is None:
        return None
    framework, prefix = routers.known.get(owner, ("web", ""))
    full = prefix + path
    if func.attr in HTTP_VERBS:
        return Route(framework, func.attr.upper(), full)
    if func.attr in {"route", "api_route"}:
        methods = keyword(dec, "methods")
        return Route(framework, _first_string(methods.value) if methods else "GET", full)
    return None


def _kw(call: ast.Call, *names: str) -> ast.expr | None:
    for name in names:
        found = keyword(call, name)
        if found is not None:
            return found.value
    return None


def route_from_decorators(decorators: list[ast.expr], imports: Imports, routers: Routers) -> Route | None:
    method: str | None = None
    for dec in decorators:
        if isinstance(dec, ast.Call):
            route = _route_call(dec, imports, routers)
            if route is not None:
                return route
            continue
        short = (imports.qualname(dec) or "").rsplit(".", 1)[-1]
        if short in TASK_DECORATORS:
            return Route("celery")
        method = DJANGO_METHOD_DECORATORS.get(short, method)
    return Route("django", method) if method else None


def is_view_class(node: ast.ClassDef) -> bool:
    for base in node.bases:
        name = dotted(base) or ""
        if name.rsplit(".", 1)[-1].endswith(VIEW_BASE_SUFFIXES):
            return True
    return False


def is_views_module(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return parts[-1] == "views.py" or "views" in parts[:-1]


def implicit_route(
    node: ast.FunctionDef | ast.AsyncFunctionDef, views_module: bool, view_class: bool, nested: bool
) -> Route | None:
    """Handlers without a route decorator: Django function views and class-based view methods."""
    if view_class:
        if node.name in VIEW_METHODS:
            return Route("django", VIEW_METHODS[node.name])
        return None
    args = node.args.posonlyargs + node.args.args
    if not nested and views_module and args and args[0].arg == "request":
        return Route("django")
    return None


def path_context(path: str) -> CodeContext | None:
    """Context decided by where the file lives; None means "look at the enclosing function"."""
    posix = PurePosixPath(path)
    parts = posix.parts
    name = posix.name
    if (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or any(p in {"tests", "test", "testing"} for p in parts[:-1])
    ):
        return CodeContext.TEST
    if name in {"manage.py", "setup.py", "noxfile.py", "fabfile.py"} or any(
        p in {"scripts", "migrations", "bin", "tools", "alembic", "cli"} for p in parts[:-1]
    ):
        return CodeContext.SCRIPT
    return None
