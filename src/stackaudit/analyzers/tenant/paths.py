"""Request paths into helpers: a query in a service function or another module, reached from
a request handler, is on a request path even though no handler body shows it.

The call graph is ``stackaudit.scope``'s (reused read-only): imports resolved module to module
(relative ones and re-exports too), ``self.method()``, ``Class.method()`` and ``Class(...)``;
``instances.py`` adds calls through a module-level service instance. Calls through values
neither can name (``self.service.list()``, ``g.project.bills()``) are not followed: a missed
path rather than an invented one. Only the modules that can be on a path are indexed: the
helpers' own, and those whose functions call them by name, up to ``MAX_HOPS`` calls away
(found on the trees already parsed), so one helper in a big repository does not cost a
whole-repository graph.

A path stops where the code takes care of the helper's result: a tenant filter applied to it
(``helper(...).filter(tenant=...)``), the variable holding it filtered or ownership-checked
later, or the tenant (or the signed-in user) passed into a parameter the query filters on.
Passing the tenant to a helper that ignores it does not count. Handlers only operators reach
(staff, superuser) are not request paths for this check, nor are management commands or tasks
(no handler reaches them).
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from stackaudit.analyzers.tenant import checks, instances, queries
from stackaudit.analyzers.tenant.models import TenantScope
from stackaudit.analyzers.tenant.rules import IDOR_FETCH, UNSCOPED_QUERY
from stackaudit.model import Finding, Location, TraceStep
from stackaudit.scope.graph import CallGraph
from stackaudit.scope.source import Func, FuncNode, Index, leaf, load_module

MAX_HOPS = 4
WORD = re.compile(r"\w+")
Sources = Mapping[str, tuple[str, ast.Module]]  # path -> (text, tree), request-capable modules
Key = tuple[str, int]  # (path, line of the def)
Track = tuple[str | None, frozenset[str]]  # (parameter carrying the fetched id, filtered parameters)


@dataclass(frozen=True, slots=True)
class Hop:
    """One call on the way from the handler to the helper."""

    path: str
    line: int
    caller: str  # qualname of the calling function


@dataclass(frozen=True, slots=True)
class Reach:
    """One handler that reaches the helper, the calls in between, and the request expression
    the fetched id comes from (None when the id is not the request's)."""

    handler: checks.Function
    hops: tuple[Hop, ...]
    pk_origin: str | None


Callee = tuple[str, str | None, str]  # (function name, class name or None, path)


def _caller_index(tree: ast.Module, path: str) -> dict[str, set[Callee]]:
    """Call name (the last one: ``list_invoices`` for ``services.list_invoices(...)``) -> the
    functions whose own body makes that call, in one walk of the module."""
    index: dict[str, set[Callee]] = {}
    stack: list[tuple[ast.AST, Callee | None, str | None]] = [(tree, None, None)]
    while stack:
        node, owner, cls = stack.pop()
        if isinstance(node, FuncNode):
            owner = (node.name, cls, path)
            cls = None  # a function nested in a method is a function
        elif isinstance(node, ast.ClassDef):
            cls = node.name
        elif isinstance(node, ast.Call) and owner is not None:
            index.setdefault(leaf(node), set()).add(owner)
        stack.extend((child, owner, cls) for child in ast.iter_child_nodes(node))
    return index


def narrow(sources: Sources, helpers: Iterable[Callee]) -> set[str]:
    """The modules that can hold a path into one of ``helpers``, ``MAX_HOPS`` calls up. A
    function is called from modules that say its name; a method from its own module and those
    that say its class or a module-level instance of it (``ledger = Ledger()``)."""
    frontier = set(helpers)
    seen = set(frontier)
    found: set[str] = set()
    indexes: dict[str, dict[str, set[Callee]]] = {}
    vocabulary = {path: frozenset(WORD.findall(text)) for path, (text, _) in sources.items()}
    made = instances.instance_names(text for text, _ in sources.values())
    for _ in range(MAX_HOPS + 1):
        if not frontier:
            break
        words = {cls or name for name, cls, _ in frontier}
        words |= {obj for _, cls, _ in frontier if cls for obj in made.get(cls, ())}
        homes = {path for _, cls, path in frontier if cls}
        names = {name for name, _, _ in frontier}
        grown: set[Callee] = set()
        for path, (_, tree) in sources.items():
            if path in homes or not words.isdisjoint(vocabulary[path]):
                found.add(path)
                index = indexes.get(path) or indexes.setdefault(path, _caller_index(tree, path))
                grown |= {caller for name in names for caller in index.get(name, ())}
        frontier = grown - seen
        seen |= grown
    return found


def _argument(call: ast.Call, callee: Func, param: str) -> ast.expr | None:
    """The expression the caller passes for the callee's parameter ``param``."""
    for kw in call.keywords:
        if kw.arg == param:
            return kw.value
    args = callee.node.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    through_class = isinstance(call.func, ast.Attribute) and leaf(call.func.value) == callee.cls
    unbound = through_class and not _decorated(callee.node, ("staticmethod", "classmethod"))
    if callee.cls is not None and positional[:1] in (["self"], ["cls"]) and not unbound:
        positional = positional[1:]  # bound: the instance is not among the call's arguments
    if param in positional:
        i = positional.index(param)
        if i < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: i + 1]):
            return call.args[i]
    return None


def _decorated(node: FuncNode, names: tuple[str, ...]) -> bool:
    return any(leaf(d) in names for d in node.decorator_list)


def _params(node: FuncNode) -> set[str]:
    args = node.args
    return {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}


class Paths:
    """The call graph over the narrowed modules, and the handlers that reach each helper."""

    def __init__(
        self, sources: Sources, helpers: Iterable[Callee], functions: Callable[[str], list[checks.Function]]
    ) -> None:
        paths = narrow(sources, helpers)
        modules = (load_module(p, sources[p][0]) for p in sorted(paths))
        self.graph = CallGraph(Index(m for m in modules if m is not None))
        self.callers = {ref: list(found) for ref, found in self.graph.callers.items()}
        for ref, found in instances.callers(self.graph).items():
            self.callers.setdefault(ref, []).extend(c for c in found if c not in self.callers[ref])
        self.refs: dict[Key, str] = {(f.path, f.node.lineno): r for r, f in self.graph.funcs.items()}
        self._functions = functions  # walked on first need: most modules are never asked
        self._infos: dict[str, dict[int, checks.Function]] = {}
        self._parents: dict[str, dict[int, ast.AST]] = {}
        self._reached: dict[tuple[str, Track], list[Reach]] = {}

    def reaches(self, helper: checks.Function, site: queries.Site, scope: TenantScope) -> list[Reach]:
        """Every (handler, path) into ``helper`` with no tenant care on the way, nearest first."""
        start = self.refs.get((helper.path, helper.node.lineno))
        if start is None:
            return []
        params = _params(helper.node)
        pk = site.pk.id if isinstance(site.pk, ast.Name) and site.pk.id in params else None
        track = (pk, _filter_params(site, params))
        if (start, track) not in self._reached:
            self._reached[(start, track)] = self._search(start, track, scope)
        return self._reached[(start, track)]

    def _search(self, start: str, track: Track, scope: TenantScope) -> list[Reach]:
        """Breadth first up the callers: each (function, parameters followed) once, by its
        shortest path; a handler ends a path, and so does a call whose result is cared for or
        that passes the tenant (or the user) into a parameter the query filters on."""
        out: list[Reach] = []
        todo: deque[tuple[str, tuple[Hop, ...], Track]] = deque([(start, (), track)])
        seen = {(start, track)}
        while todo:
            ref, hops, track = todo.popleft()
            callee = self.graph.funcs[ref]
            for caller_ref in self.callers.get(ref, []):
                for call, pk_arg, nxt in self._uncared_calls(caller_ref, callee, track, scope):
                    caller = self.graph.funcs[caller_ref]
                    info = self._info(caller)
                    path = (Hop(caller.path, call.lineno, caller_ref), *hops)
                    if info is not None and info.handler:
                        if not info.admin:
                            out.append(Reach(info, path, _origin(pk_arg, caller.node)))
                    elif len(path) < MAX_HOPS and (caller_ref, nxt) not in seen:
                        seen.add((caller_ref, nxt))
                        todo.append((caller_ref, path, nxt))
        return out

    def _info(self, func: Func) -> checks.Function | None:
        """The function as the framework walk saw it: handler or not, endpoint, admin-only."""
        if func.path not in self._infos:
            self._infos[func.path] = {fn.node.lineno: fn for fn in self._functions(func.path)}
        return self._infos[func.path].get(func.node.lineno)

    def _uncared_calls(
        self, caller_ref: str, callee: Func, track: Track, scope: TenantScope
    ) -> Iterable[tuple[ast.Call, ast.expr | None, Track]]:
        """The caller's call into ``callee`` when it neither filters or checks the result nor
        passes the tenant into a filtered parameter: the call, the id passed, what to follow."""
        caller = self.graph.funcs[caller_ref]
        name = callee.node.name if callee.node.name != "__init__" else (callee.cls or "")
        up = self._parents.get(caller_ref) or self._parents.setdefault(
            caller_ref, queries.parents(caller.node)
        )
        params = _params(caller.node)
        pk, filters = track
        for node in self.graph.nodes[caller_ref]:
            if not (isinstance(node, ast.Call) and leaf(node) == name):
                continue
            passed = [a for p in filters if (a := _argument(node, callee, p)) is not None]
            if queries.result_checked(node, caller.node, up, scope) or any(
                queries.names_tenant_or_owner(a, scope) for a in passed
            ):
                break
            pk_arg = _argument(node, callee, pk) if pk else None
            nxt_pk = pk_arg.id if isinstance(pk_arg, ast.Name) and pk_arg.id in params else None
            nxt = frozenset(a.id for a in passed if isinstance(a, ast.Name) and a.id in params)
            yield node, pk_arg, (nxt_pk, nxt)
            break  # one call site per caller is enough to name the path


def _filter_params(site: queries.Site, params: set[str]) -> frozenset[str]:
    """The function's parameters the query's filters use (``owner=user``): a caller passing
    the tenant or the signed-in user into one of them scopes the query."""
    return frozenset(
        sub.id
        for call in ast.walk(site.top)
        if isinstance(call, ast.Call)
        for arg in [*call.args, *(k.value for k in call.keywords)]
        for sub in ast.walk(arg)
        if isinstance(sub, ast.Name) and sub.id in params
    )


def _origin(arg: ast.expr | None, handler: FuncNode) -> str | None:
    if arg is not None and checks.from_request(arg, checks.request_names(handler)):
        return ast.unparse(arg)[:60]
    return None


def _handler_name(fn: checks.Function) -> str:
    return f"{fn.qualname} ({fn.endpoint or fn.path})"


def finding(helper: checks.Function, site: queries.Site, reached: list[Reach], key: str) -> Finding:
    """One finding at the query, naming the handler (the one passing a request id first)."""
    reached = sorted(reached, key=lambda r: (r.pk_origin is None, len(r.hops), r.handler.path))
    first = reached[0]
    others = sorted({_handler_name(r.handler) for r in reached[1:]} - {_handler_name(first.handler)})
    more = f" (and {len(others)} more handler(s): {', '.join(others[:3])})" if others else ""
    via = " -> ".join([*(_short(h.caller) for h in first.hops), helper.qualname])
    where = f"request handler {_handler_name(first.handler)}{more} reaches it through {via}"
    props = [("model", site.model), ("handler", first.handler.qualname), ("call_path", via)]
    if first.pk_origin is not None:
        rule = IDOR_FETCH
        message = (
            f"{site.model} fetched by an id from the request with no {key} filter and no ownership "
            f"check on the way: {where}; another tenant's object can be read by changing the id"
        )
        props += [("origin", "confirmed"), ("origin_reason", f"the id is {first.pk_origin} in the handler")]
    else:
        rule = UNSCOPED_QUERY
        message = (
            f"query on tenant-scoped {site.model} with no {key} filter, on a request path: {where}; "
            "it can return other tenants' rows"
        )
    line = getattr(site.node, "lineno", helper.node.lineno)
    trace = (
        *(TraceStep(Location(h.path, h.line), f"{_short(h.caller)} calls", "step") for h in first.hops),
        TraceStep(Location(helper.path, line), f"query on {site.model}", "sink"),
    )
    related = tuple(Location(r.handler.path, r.handler.node.lineno) for r in reached[1:6])
    via_info = checks.Via(first.handler.endpoint, trace, related)
    return checks.finding(helper, rule, site.node, message, tuple(props), via_info)


def _short(ref: str) -> str:
    return ref.split(":", 1)[-1]
