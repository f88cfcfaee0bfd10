"""Query sites on tenant-scoped models inside one function, and whether each names the tenant.

A site is the start of a query chain: ``Order.objects`` (Django), ``select(Order)``,
``session.query(Order)``, ``Order.query`` (SQLAlchemy, Flask-SQLAlchemy), ``session.get(Order,
id)``, ``get_object_or_404(Order, ...)``. The chain is everything applied to it in the same
expression (``.filter(...).first()``); a variable holding it is followed through later chains
in the same function (``qs = qs.filter(tenant=...)``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from stackaudit.analyzers.python.names import dotted
from stackaudit.analyzers.tenant.models import TenantScope

QUERY_METHODS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "get",
        "first",
        "last",
        "values",
        "values_list",
        "iterator",
        "annotate",
        "order_by",
        "in_bulk",
        "update",
        "delete",
        "count",
        "aggregate",
        "select_related",
        "prefetch_related",
        "only",
        "defer",
        "distinct",
        "exists",
        "earliest",
        "latest",
        "filter_by",
        "where",
        "one",
        "one_or_none",
        "first_or_404",
        "get_or_404",
        "scalar",
        "scalars",
        "paginate",
    }
)
SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404", "aget_object_or_404"})
PK_WORDS = frozenset({"pk", "id", "uuid", "slug"})
OWNER_WORDS = ("request.user", "current_user", "g.user", "self.request.user", "info.context.user")


@dataclass(frozen=True, slots=True)
class Site:
    """One query on a scoped model: its model, anchor node, the whole chain and the pk used."""

    model: str
    node: ast.AST
    top: ast.expr
    pk: ast.expr | None  # the primary-key value of a single-object fetch


def parents(fn: ast.AST) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(fn) for child in ast.iter_child_nodes(node)}


def _chain_top(node: ast.expr, up: dict[int, ast.AST]) -> ast.expr:
    """Climb ``.attr`` and ``(...)`` applied to the node, and ``execute(<node>)`` wrappers."""
    current = node
    while True:
        parent = up.get(id(current))
        applied = (isinstance(parent, ast.Attribute) and parent.value is current) or (
            isinstance(parent, ast.Call) and parent.func is current
        )
        if not isinstance(parent, ast.expr) or not (applied or isinstance(parent, ast.Await)):
            return current
        current = parent


def _chain_calls(top: ast.expr) -> list[ast.Call]:
    """Every call in the chain expression: its own methods and the calls in their arguments
    (a filter value built by a call that names the tenant counts: erring toward silence)."""
    return [n for n in ast.walk(top) if isinstance(n, ast.Call)]


def _model_arg(call: ast.Call, scope: TenantScope) -> str | None:
    if call.args and isinstance(call.args[0], ast.Name) and call.args[0].id in scope.scoped:
        return call.args[0].id
    return None


def _pk_kwarg(call: ast.Call) -> ast.expr | None:
    """``pk=x`` / ``id=x`` keywords, or an ``Model.id == x`` comparison (SQLAlchemy)."""
    for kw in call.keywords:
        if kw.arg in PK_WORDS or (kw.arg or "").removesuffix("__exact") in PK_WORDS:
            return kw.value
    for arg in call.args:
        if isinstance(arg, ast.Compare) and len(arg.ops) == 1 and isinstance(arg.ops[0], ast.Eq):
            left = arg.left
            if isinstance(left, ast.Attribute) and left.attr in PK_WORDS:
                return arg.comparators[0]
    return None


def _site_of(node: ast.AST, scope: TenantScope, up: dict[int, ast.AST]) -> Site | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        model = node.value.id
        if model not in scope.scoped:
            return None
        if node.attr == "query":  # Flask-SQLAlchemy Model.query
            top = _chain_top(node, up)
            return Site(model, node, top, _first_pk(node, top))
        manager = node.attr == "objects" or node.attr.endswith("_objects")
        if not manager or node.attr in scope.safe_managers.get(model, frozenset()):
            return None
        top = _chain_top(node, up)
        return Site(model, node, top, _first_pk(node, top)) if top is not node else None
    if not isinstance(node, ast.Call):
        return None
    return _call_site(node, scope, up)


def _call_site(node: ast.Call, scope: TenantScope, up: dict[int, ast.AST]) -> Site | None:
    name = (dotted(node.func) or "").rsplit(".", 1)[-1]
    model = _model_arg(node, scope)
    if model is None:
        return None
    if name in ("select", "query"):
        top = _chain_top(node, up)
        return Site(model, node, top, _first_pk(node, top))
    if name in ("get", "get_or_404") and len(node.args) >= 2:  # session.get(Model, id)
        return Site(model, node, _chain_top(node, up), node.args[1])
    if name in SHORTCUTS:
        return Site(model, node, _chain_top(node, up), _pk_kwarg(node))
    return None


def _first_pk(site: ast.AST, top: ast.expr) -> ast.expr | None:
    """The pk of a single-object fetch in the chain: ``.get(pk=x)``, ``.get(x)``,
    ``.filter_by(id=x).first()``."""
    for call in _chain_calls(top):
        method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        if method in ("get", "get_or_404") and call.args and not call.keywords:
            return call.args[0]
        value = _pk_kwarg(call) if method in ("get", "filter_by", "filter", "where") else None
        if value is not None and (method == "get" or _single(top)):
            return value
    return None


def _single(top: ast.expr) -> bool:
    call = top.value if isinstance(top, ast.Await) else top
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in ("first", "one", "one_or_none", "first_or_404", "get", "scalar")
    )


def sites(fn: ast.AST, scope: TenantScope, up: dict[int, ast.AST]) -> Iterator[Site]:
    seen: set[int] = set()
    for node in ast.walk(fn):
        site = _site_of(node, scope, up)
        if site is None or site.model in scope.safe_models or id(site.top) in seen:
            continue
        seen.add(id(site.top))
        yield site


def _names_tenant(node: ast.AST, scope: TenantScope) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.keyword) and sub.arg and scope.names_tenant(sub.arg):
            return True
        if isinstance(sub, ast.Attribute | ast.Name):
            text = sub.attr if isinstance(sub, ast.Attribute) else sub.id
            if scope.names_tenant(text):
                return True
    return False


def _names_owner(node: ast.AST) -> bool:
    text = ast.unparse(node)
    return any(word in text for word in OWNER_WORDS)


def chain_filtered(site: Site, scope: TenantScope) -> bool:
    """Does the chain filter by the tenant (or by the signed-in user)? ``**kwargs`` counts."""
    for call in _chain_calls(site.top):
        if isinstance(call.func, ast.Name) and call.func.id == "select":
            continue  # select(Order): the model, not a filter
        for item in [*call.args, *call.keywords]:
            if isinstance(item, ast.keyword) and item.arg is None:
                return True  # a filter built elsewhere: cannot tell, do not guess
            if _names_tenant(item, scope) or _names_owner(item):
                return True
    return False


def holder(site: Site, up: dict[int, ast.AST]) -> str | None:
    """The variable the chain is assigned to, if any."""
    parent = up.get(id(site.top))
    if isinstance(parent, ast.Assign | ast.AnnAssign | ast.NamedExpr):
        target = parent.targets[0] if isinstance(parent, ast.Assign) else parent.target
        return target.id if isinstance(target, ast.Name) else None
    return None


def later_use_checks(var: str, fn: ast.AST, after: int, scope: TenantScope) -> bool:
    """After the site, is ``var`` filtered by the tenant, compared on its tenant key, or
    passed to an ownership or permission check?"""
    for node in ast.walk(fn):
        if getattr(node, "lineno", 0) < after:
            continue
        if isinstance(node, ast.Call) and _mentions_var(node, var):
            func = dotted(node.func) or ""
            if _is_check_name(func):
                return True
            chained = isinstance(node.func, ast.Attribute) and _root(node.func) == var
            if chained and any(
                _names_tenant(a, scope) or _names_owner(a) for a in [*node.args, *node.keywords]
            ):
                return True
        if isinstance(node, ast.Compare) and _mentions_var(node, var):
            sides = [node.left, *node.comparators]
            if any(_names_tenant(s, scope) or _names_owner(s) for s in sides):
                return True
    return False


def _is_check_name(func: str) -> bool:
    last = func.rsplit(".", 1)[-1].lower()
    return any(w in last for w in ("permission", "authoriz", "authoris", "owns", "owner", "has_perm", "can_"))


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _mentions_var(node: ast.AST, var: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == var for n in ast.walk(node))


def applied_filter(call: ast.Call, up: dict[int, ast.AST], scope: TenantScope) -> bool:
    """Is the value a call returns filtered by the tenant (or the user) right where it is used:
    ``helper(...).filter(tenant=...)``? The call's own arguments do not count: passing the tenant
    to a helper says nothing about whether the helper filters on it."""
    current: ast.expr = call
    while True:
        parent = up.get(id(current))
        applied = (isinstance(parent, ast.Attribute) and parent.value is current) or (
            isinstance(parent, ast.Call) and parent.func is current
        )
        if not isinstance(parent, ast.expr) or not (applied or isinstance(parent, ast.Await)):
            return False
        if isinstance(parent, ast.Call) and any(
            (isinstance(item, ast.keyword) and item.arg is None)
            or _names_tenant(item, scope)
            or _names_owner(item)
            for item in [*parent.args, *parent.keywords]
        ):
            return True
        current = parent


def result_checked(call: ast.Call, fn: ast.AST, up: dict[int, ast.AST], scope: TenantScope) -> bool:
    """Is the value of ``call`` (a helper's result) filtered by the tenant where it is used, or
    held in a variable that is filtered or ownership-checked later in ``fn``?"""
    if applied_filter(call, up, scope):
        return True
    top = _chain_top(call, up)
    var = holder(Site("", call, top, None), up)
    end = getattr(top, "end_lineno", 0) or 0
    return var is not None and later_use_checks(var, fn, end + 1, scope)


def names_tenant_or_owner(node: ast.AST, scope: TenantScope) -> bool:
    """The expression names the tenant (``request.tenant``) or the signed-in user."""
    return _names_tenant(node, scope) or _names_owner(node)
