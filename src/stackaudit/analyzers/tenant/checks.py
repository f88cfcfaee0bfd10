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
from stackaudit.model import CodeContext, Finding, Location, RuleMeta

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


def _finding(
    fn: Function, rule: RuleMeta, node: ast.AST, message: str, props: tuple[tuple[str, str], ...]
) -> Finding:
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
        endpoint=fn.endpoint,
        properties=props,
    )


def _request_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Parameters (URL parts in every framework) and locals assigned from the request."""
    args = fn.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)} - NOT_REQUEST_PARAMS
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and _from_request(node.value, names):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _from_request(value: ast.AST, names: set[str]) -> bool:
    for sub in ast.walk(value):
        text = dotted(sub) if isinstance(sub, ast.Attribute | ast.Name) else None
        if text and (text in names or any(text == r or text.startswith(r + ".") for r in REQUEST_ROOTS)):
            return True
    return False


def check(fn: Function, scope: TenantScope) -> Iterator[Finding]:
    up = queries.parents(fn.node)
    found = list(queries.sites(fn.node, scope, up))
    if fn.handler and not fn.admin:
        request = _request_names(fn.node)
        for site in found:
            finding = _judge(fn, site, scope, up, request)
            if finding is not None:
                yield finding
    if found:
        yield from _cache_keys(fn, scope, found[0].model)


def _judge(
    fn: Function, site: queries.Site, scope: TenantScope, up: dict[int, ast.AST], request: set[str]
) -> Finding | None:
    if queries.chain_filtered(site, scope):
        return None
    var = queries.holder(site, up)
    end = getattr(site.top, "end_lineno", 0) or 0
    if var is not None and queries.later_use_checks(var, fn.node, end + 1, scope):
        return None
    key = scope.key
    if site.pk is not None and _from_request(site.pk, request):
        why = f"the id comes from the request ({ast.unparse(site.pk)[:60]})"
        return _finding(
            fn,
            IDOR_FETCH,
            site.node,
            f"{site.model} fetched by a request-supplied id with no {key} filter and no ownership "
            "check after it: another tenant's object can be read by changing the id",
            (("origin", "confirmed"), ("origin_reason", why), ("model", site.model)),
        )
    return _finding(
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
            yield _finding(
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
