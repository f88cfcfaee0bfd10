"""List endpoints that return a whole table."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from stackaudit.analyzers.python.family import RuleFamily
from stackaudit.analyzers.python.names import call_chain, dotted, is_none
from stackaudit.analyzers.python.orm import query_of
from stackaudit.model import Category, CodeContext, Confidence, RuleMeta, Severity

UNPAGINATED_LIST = RuleMeta(
    id="perf.unpaginated-list",
    title="List endpoint returns a whole table (no pagination)",
    category=Category.PERFORMANCE,
    severity=Severity.MEDIUM,
    cwe=(770,),
    impact=6,
    likelihood=6,
    effort=1,
    fix="Paginate: limit/offset or keyset (WHERE id > :after LIMIT :n), with a maximum page size.",
    doc="""
    Finds GET handlers (Flask, FastAPI, Django function and class-based views) that return
    every row of a table: ``Model.query.all()``, ``session.query(Model).all()``,
    ``session.scalars(select(Model)).all()``, or an unsliced ``Model.objects.all()``, with no
    filter, ``limit``/``offset``, ``paginate`` or slice; Django ``ListView`` subclasses without
    ``paginate_by``; DRF list views with ``pagination_class = None``.

    Why it matters: response time, memory and database load grow with the table. An endpoint
    that is fast with 100 rows times out with a million, and a client (or an attacker) can
    ask for all of it at once.

    Example::

        @app.get("/orders")
        def list_orders():
            return jsonify([o.to_dict() for o in Order.query.all()])

    Fix: ``Order.query.order_by(Order.id).paginate(page=page, per_page=50, max_per_page=200)``;
    ``select(Order).where(Order.id > after).order_by(Order.id).limit(n)``; Django
    ``Paginator`` or ``paginate_by = 50``. Filtered queries (``filter_by(customer_id=...)``)
    are not reported: the rule looks for whole tables only.
    """,
)
LIST_VIEW_SUFFIXES = ("ListView",)
DRF_LIST_SUFFIXES = ("ListAPIView", "ModelViewSet", "ReadOnlyModelViewSet", "ListCreateAPIView")
MAX_CANDIDATES = 64
PAGINATION_WORDS = ("paginat", "page")


class PaginationRules(RuleFamily):
    rules = (UNPAGINATED_LIST,)

    def on_return(self, node: ast.Return) -> None:
        route = self.walk.route
        function = self.walk.function
        if node.value is None or route is None or not route.serves_reads:
            return
        if function is None or function.route is None:
            return  # only the handler's own returns
        if getattr(function.node, "name", "") == "get_queryset":
            return  # generic views paginate get_queryset themselves when configured (see on_class)
        for chain in self._chains(node.value):
            query = query_of(self.walk, chain)
            if query is not None and query.whole_table:
                self.walk.emit(
                    UNPAGINATED_LIST,
                    chain,
                    "list endpoint returns every row of the table; paginate it",
                    related=(node,) if chain.lineno != node.lineno else (),
                )
                return

    def _chains(self, expr: ast.expr) -> Iterator[ast.expr]:
        """Maximal call/attribute/subscript chains in ``expr``, through variables."""
        stack = [expr]
        seen: set[int] = set()
        while stack and len(seen) < MAX_CANDIDATES:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, ast.Name):
                value = self.walk.lookup(node.id)
                if value is not None:
                    stack.append(value)
            elif isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
                if _paginates(node):
                    continue  # Paginator(qs, 50).get_page(n), self.paginate_queryset(qs)
                yield node
                stack.extend(_arguments(node))
            else:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.comprehension):
                        stack.append(child.iter)
                    elif isinstance(child, ast.expr):
                        stack.append(child)

    def on_class(self, node: ast.ClassDef) -> None:
        bases = [(dotted(b) or "").rsplit(".", 1)[-1] for b in node.bases]
        attrs = _class_attrs(node)
        concrete = "model" in attrs or "queryset" in attrs  # not an abstract base of the framework
        if concrete and any(b.endswith(LIST_VIEW_SUFFIXES) for b in bases) and not _paginating_methods(node):
            if "paginate_by" not in attrs or is_none(attrs["paginate_by"]):
                mixins = self._project_mixins(node)
                self._class_finding(
                    node,
                    "ListView without paginate_by renders the whole queryset"
                    + (
                        f" (unless its mixin {mixins[0]} paginates: not seen from this file)"
                        if mixins
                        else ""
                    ),
                    Confidence.LOW if mixins else Confidence.HIGH,
                )
        elif (
            any(b.endswith(DRF_LIST_SUFFIXES) for b in bases)
            and "pagination_class" in attrs
            and is_none(attrs["pagination_class"])
        ):
            self._class_finding(node, "list API view with pagination_class = None returns every row")

    def _class_finding(
        self, node: ast.ClassDef, message: str, confidence: Confidence = Confidence.HIGH
    ) -> None:
        self.walk.emit(
            UNPAGINATED_LIST,
            node,
            message,
            snippet=self.walk.header(node),
            context=CodeContext.HANDLER,
            confidence=confidence,
        )

    def _project_mixins(self, node: ast.ClassDef) -> list[str]:
        """Bases that are neither the framework's nor a list view: the project's own mixins,
        defined in another file, may set ``paginate_by`` (pretalx's OrgaTableMixin paginates
        through django-tables2)."""
        out = []
        for base in node.bases:
            name = dotted(base) or ""
            qualified = self.walk.qualname(base) or name
            if name and not name.endswith(LIST_VIEW_SUFFIXES) and not qualified.startswith(_FRAMEWORKS):
                out.append(name)
        return out


# Where a base class comes from the framework: its mixins are known not to paginate by themselves.
_FRAMEWORKS = ("django.", "rest_framework.", "flask.", "flask_", "object", "typing.", "abc.")
_PAGINATING_METHODS = frozenset(
    {"get_paginate_by", "paginate_queryset", "get_paginator", "get_table_pagination"}
)


def _paginating_methods(node: ast.ClassDef) -> bool:
    return any(
        isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name in _PAGINATING_METHODS
        for item in node.body
    )


def _paginates(node: ast.expr) -> bool:
    for link in call_chain(node):
        if isinstance(link, ast.Call):
            name = (dotted(link.func) or getattr(link.func, "attr", "") or "").lower()
            if any(word in name for word in PAGINATION_WORDS):
                return True
    return False


def _arguments(node: ast.expr) -> Iterator[ast.expr]:
    """Arguments along a chain (``jsonify([...])`` -> the list), not the chain itself."""
    current: ast.expr = node
    while True:
        if isinstance(current, ast.Call):
            yield from current.args
            yield from (k.value for k in current.keywords)
            current = current.func
        elif isinstance(current, ast.Attribute | ast.Subscript):
            current = current.value
        else:
            yield current  # the chain's root: a Name is followed to its value by the caller
            return


def _class_attrs(node: ast.ClassDef) -> dict[str, ast.expr]:
    attrs: dict[str, ast.expr] = {}
    for stmt in node.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    attrs[target.id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            attrs[stmt.target.id] = stmt.value
    return attrs
