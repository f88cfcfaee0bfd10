"""The three tenant checks over one function: unscoped queries, IDOR fetches, cache keys."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from stackaudit.analyzers.python.names import dotted
from stackaudit.analyzers.tenant import queries
from stackaudit.analyzers.tenant.models import TenantScope
from stackaudit.analyzers.tenant.rules import CACHE_KEY, IDOR_FETCH, UNSCOPED_QUERY
from stackaudit.model import CodeContext, Finding, Location, RuleMeta, TraceStep

REQUEST_ROOTS = frozenset({"request", "kwargs", "self.kwargs", "self.request", "flask.request"})
NOT_REQUEST_PARAMS = frozenset({"self", "cls", "request", "info", "db", "session"})
CACHE_METHODS = frozenset(
    {"get", "set", "get_or_set", "add", "delete", "setex", "set_many", "hget", "hset", "getex", "incr"}
)


@dataclass(frozen=True, slots=True)
class Function:
    """A function to check, with where it sits."""

    path: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    qualname: str
    handler: bool
    endpoint: str | None
    lines: tuple[str, ...]
    admin: bool = False  # only staff or superusers reach it: crossing tenants is its job


@dataclass(frozen=True, slots=True)
class Via:
    """How a request reaches a query outside the handler: the endpoint, the calls, the others."""

    endpoint: str | None
    trace: tuple[TraceStep, ...]
    related: tuple[Location, ...]


ADMIN = re.compile(r"(?i)(staff|superuser|admin)")
ADMIN_ATTRS = frozenset({"is_superuser", "is_staff", "is_admin"})


def admin_only(fn: ast.FunctionDef | ast.AsyncFunctionDef, owner: ast.ClassDef | None) -> bool:
    """A view for operators: an admin decorator or permission class (``staff_member_required``,
    ``IsAdminUser``, ``superuser_required``) on it or its class, or a test of ``is_superuser`` /
    ``is_staff`` in its body."""
    guards: list[ast.AST] = list(fn.decorator_list)
    if owner is not None:
        guards += [*owner.decorator_list, *owner.bases]
        guards += [
            s for s in owner.body if isinstance(s, ast.Assign) and "permission" in ast.unparse(s.targets[0])
        ]
    if any(ADMIN.search(ast.unparse(g)) for g in guards):
        return True
    tests = [n.test for n in ast.walk(fn) if isinstance(n, ast.If | ast.Assert)]
    return any(isinstance(s, ast.Attribute) and s.attr in ADMIN_ATTRS for t in tests for s in ast.walk(t))


def finding(
    fn: Function,
    rule: RuleMeta,
    node: ast.AST,
    message: str,
    props: tuple[tuple[str, str], ...],
    via: Via | None = None,
) -> Finding:
    """A finding at ``node`` in ``fn``; ``via`` when a handler reaches ``fn`` from elsewhere."""
    line = getattr(node, "lineno", fn.node.lineno)
    location = Location(
        fn.path,
        line,
        getattr(node, "col_offset", 0) + 1,
        getattr(node, "end_lineno", None) or line,
        (getattr(node, "end_col_offset", None) or 0) + 1,
        fn.qualname,
    )
    snippet = fn.lines[line - 1].strip() if 0 < line <= len(fn.lines) else ""
    return rule.finding(
        location,
        message,
        snippet,
        context=CodeContext.HANDLER if fn.handler else CodeContext.LIBRARY,
        endpoint=via.endpoint if via else fn.endpoint,
        properties=props,
        trace=via.trace if via else (),
        related=via.related if via else (),
    )


def request_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Parameters (URL parts in every framework) and locals assigned from the request."""
    args = fn.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)} - NOT_REQUEST_PARAMS
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and from_request(node.value, names):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def from_request(value: ast.AST, names: set[str]) -> bool:
    for sub in ast.walk(value):
        text = dotted(sub) if isinstance(sub, ast.Attribute | ast.Name) else None
        if text and (text in names or any(text == r or text.startswith(r + ".") for r in REQUEST_ROOTS)):
            return True
    return False


def check(fn: Function, scope: TenantScope) -> Iterator[Finding]:
    up = queries.parents(fn.node)
    found = list(queries.sites(fn.node, scope, up))
    if fn.handler and not fn.admin:
        request = request_names(fn.node)
        for site in found:
            finding = _judge(fn, site, scope, up, request)
            if finding is not None:
                yield finding
    if found:
        yield from _cache_keys(fn, scope, found[0].model)


def _scoped(fn: Function, site: queries.Site, scope: TenantScope, up: dict[int, ast.AST]) -> bool:
    """The chain filters by the tenant, or the variable holding it is filtered or checked later."""
    if queries.chain_filtered(site, scope) or _tenant_passes_itself(fn, site, scope):
        return True
    var = queries.holder(site, up)
    end = getattr(site.top, "end_lineno", 0) or 0
    return var is not None and queries.later_use_checks(var, fn.node, end + 1, scope)


def _tenant_passes_itself(fn: Function, site: queries.Site, scope: TenantScope) -> bool:
    """A method of the tenant model (``Project.remove_member`` with key ``project_id``) that
    passes ``self`` into the query: the tenant scopes it (``Person.query.get(id, self)``)."""
    owner = fn.qualname.split(".")[0] if "." in fn.qualname else ""
    if not owner or not scope.names_tenant(owner):
        return False
    calls = [n for n in ast.walk(site.top) if isinstance(n, ast.Call)]
    return any(
        isinstance(sub, ast.Name) and sub.id == "self"
        for call in calls
        for arg in [*call.args, *(k.value for k in call.keywords)]
        for sub in ast.walk(arg)
    )


def helper_sites(fn: Function, scope: TenantScope) -> list[queries.Site]:
    """Unscoped queries in a function that is not a handler: reported (``paths.py``) only when a
    request handler reaches the function through the call graph."""
    if fn.handler or fn.admin:
        return []
    up = queries.parents(fn.node)
    return [site for site in queries.sites(fn.node, scope, up) if not _scoped(fn, site, scope, up)]


def _judge(
    fn: Function, site: queries.Site, scope: TenantScope, up: dict[int, ast.AST], request: set[str]
) -> Finding | None:
    if _scoped(fn, site, scope, up):
        return None
    key = scope.key
    if site.pk is not None and from_request(site.pk, request):
        why = f"the id comes from the request ({ast.unparse(site.pk)[:60]})"
        return finding(
            fn,
            IDOR_FETCH,
            site.node,
            f"{site.model} fetched by a request-supplied id with no {key} filter and no ownership "
            "check after it: another tenant's object can be read by changing the id",
            (("origin", "confirmed"), ("origin_reason", why), ("model", site.model)),
        )
    return finding(
        fn,
        UNSCOPED_QUERY,
        site.node,
        f"query on tenant-scoped {site.model} with no {key} filter in a request handler: it can "
        "return other tenants' rows",
        (("model", site.model),),
    )


def _cache_keys(fn: Function, scope: TenantScope, model: str) -> Iterator[Finding]:
    assigned = {
        t.id: node.value
        for node in ast.walk(fn.node)
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    for node in ast.walk(fn.node):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
            continue
        receiver = (dotted(node.func.value) or "").lower()
        if node.func.attr not in CACHE_METHODS or not ("cache" in receiver or "redis" in receiver):
            continue
        key = node.args[0]
        if isinstance(key, ast.Name) and key.id in assigned:
            key = assigned[key.id]
        if _dynamic(key) and not _key_names_tenant(key, scope):
            yield finding(
                fn,
                CACHE_KEY,
                node,
                f"cache key {ast.unparse(key)[:80]} names no {scope.key} in code that reads tenant-scoped "
                f"{model}: tenants can be served each other's cached data",
                (("model", model),),
            )


def _dynamic(key: ast.expr) -> bool:
    if isinstance(key, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in key.values)
    if isinstance(key, ast.BinOp):
        return isinstance(key.op, ast.Add | ast.Mod)
    return isinstance(key, ast.Call) and isinstance(key.func, ast.Attribute) and key.func.attr == "format"


def _key_names_tenant(key: ast.expr, scope: TenantScope) -> bool:
    for sub in ast.walk(key):
        if isinstance(sub, ast.Name) and scope.names_tenant(sub.id):
            return True
        if isinstance(sub, ast.Attribute) and scope.names_tenant(sub.attr):
            return True
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and scope.names_tenant(sub.value):
            return True
    return False
