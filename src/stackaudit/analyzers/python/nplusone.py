"""N+1: a query per loop item, either explicit or through a lazily loaded relation."""

from __future__ import annotations

import ast
import dataclasses
from typing import TYPE_CHECKING

from stackaudit.analyzers.python.family import Loop, RuleFamily
from stackaudit.analyzers.python.orm import query_call, query_of, yields_rows
from stackaudit.model import Category, Confidence, RuleMeta, Severity

if TYPE_CHECKING:
    from stackaudit.analyzers.python.walker import Walk

N_PLUS_ONE = RuleMeta(
    id="perf.n-plus-one",
    title="N+1 queries: a database query per loop item",
    category=Category.PERFORMANCE,
    severity=Severity.HIGH,
    impact=7,
    likelihood=7,
    effort=1,
    fix="Fetch in one query: eager-load the relation (select_related / prefetch_related / "
    "selectinload / joinedload) or query with IN (...) before the loop.",
    doc="""
    Finds database work repeated once per item of a loop or comprehension:

    * an ORM or driver query inside the loop: Django ``Model.objects.get/filter/...``,
      Flask-SQLAlchemy ``Model.query...``, SQLAlchemy ``session.query/execute/get/scalars``,
      a DB-API ``cursor.execute``;
    * a lazily loaded relation read from each row of a query that did not eager-load it:
      ``for o in Order.objects.all(): o.customer.name`` (Django) or
      ``for o in session.scalars(select(Order)): o.items`` (SQLAlchemy).

    Why it matters: one page of 50 orders becomes 51 round trips to the database. Latency and
    database load grow with the data, and it only shows once production tables are large.

    Example::

        orders = Order.query.all()
        return [{"id": o.id, "customer": o.customer.name} for o in orders]

    Fix: ``Order.query.options(joinedload(Order.customer))`` (SQLAlchemy),
    ``Order.objects.select_related("customer")`` / ``prefetch_related("items")`` (Django), or
    collect the keys and query once with ``filter(id__in=...)`` / ``where(X.id.in_(...))``.
    A loop over the pieces of one text value (``tags.split(",")``, ``re.findall(...)``, a form's
    ``getlist``) runs once per item a person typed into one request or record: reported with low
    confidence and medium severity, because N is what one input holds (a few tags, the
    addresses of one mail), not the size of a table.
    Loops over literal constants are not reported; any eager loader on the iterated query
    silences the relation check (relations configured ``lazy="selectin"`` on the model, which
    this per-file rule cannot see, are a known source of false positives).
    """,
)
RELATED_MANAGER_METHODS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "count",
        "exists",
        "first",
        "last",
        "get",
        "order_by",
        "values",
        "values_list",
        "aggregate",
    }
)
SCALAR_SUFFIXES = ("_id", "_at", "_on", "_date", "_time")
SCALAR_ATTRS = frozenset(  # attributes of value objects (dates, files, geometries), not of related rows
    {
        "value",
        "pk",
        "id",
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "microsecond",
        "tzinfo",
        "days",
        "seconds",
        "date",
        "time",
        "url",
        "path",
        "size",
        "width",
        "height",
        "name_hash",
        "m",
        "km",
        "mi",
        "ft",
        "sq_m",
        "sq_km",
        "srid",
        "x",
        "y",
        "z",
        "coords",
        "wkt",
        "geojson",
        "area",
        "length",
        "centroid",
        "envelope",
        "empty",
        "num_points",
        "real",
        "imag",
        "hex",
        "amount",
        "currency",
        "label",
    }
)


# Calls that cut one text value into pieces: a loop over them runs once per piece typed.
_TEXT_SPLITS = frozenset({"split", "rsplit", "splitlines", "getlist"})
_TEXT_SPLIT_FUNCS = frozenset({"re.findall", "re.split", "re.finditer", "shlex.split", "regex.findall"})
_WRAPPERS = frozenset({"list", "set", "sorted", "tuple", "frozenset", "reversed", "filter"})
_HOPS = 4


def parsed_from_text(walk: Walk, node: ast.expr) -> bool:
    """Is this iterable the pieces of one text value (through names, wrappers, comprehensions)?"""
    for _ in range(_HOPS):
        node = walk.resolve(node)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            node = node.generators[0].iter
            continue
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _TEXT_SPLITS:
            return True
        if walk.qualname(func) in _TEXT_SPLIT_FUNCS:
            return True
        if isinstance(func, ast.Name) and func.id in _WRAPPERS and node.args:
            node = node.args[-1]
            continue
        return False
    return False


class NPlusOneRules(RuleFamily):
    rules = (N_PLUS_ONE,)

    def __init__(self, walk: Walk) -> None:
        super().__init__(walk)
        self.lazy_loops: dict[int, Loop] = {}  # loops over a query without eager loading
        self.reported: set[int] = set()  # lazy loops already reported once

    def on_loop_enter(self, loop: Loop) -> None:
        if loop.iter is None or not loop.data_driven:
            return
        self._relation_iter(loop)
        if not yields_rows(self.walk, loop.iter):
            return
        query = query_of(self.walk, loop.iter)
        if query is not None and query.orm in {"django", "sqlalchemy"} and not query.eager:
            self.lazy_loops[id(loop)] = loop

    def on_loop_exit(self, loop: Loop) -> None:
        self.lazy_loops.pop(id(loop), None)
        self.reported.discard(id(loop))  # ids of finished loops get reused

    def on_call(self, node: ast.Call) -> None:
        loop = self.walk.data_loop()
        if loop is None:
            return
        kind = query_call(self.walk, node)
        if kind is not None:
            typed = loop.iter is not None and parsed_from_text(self.walk, loop.iter)
            finding = self.walk.prepare(
                N_PLUS_ONE,
                node,
                f"{kind} query inside a loop runs once per item"
                + (" (per piece of one text value: N is what one input holds)" if typed else ""),
                related=(loop.header,),
                # a raw driver execute per item may be DDL or deliberate: less sure it is N+1
                confidence=Confidence.LOW if kind == "db-driver" or typed else None,
            )
            self.walk.add(dataclasses.replace(finding, severity=Severity.MEDIUM) if typed else finding)
            return
        func = node.func
        if isinstance(func, ast.Name) and func.id == "len" and len(node.args) == 1:
            self._relation(node.args[0], node, "len() of a lazy relation")
        elif isinstance(func, ast.Attribute) and func.attr in RELATED_MANAGER_METHODS:
            self._relation(func.value, node, f"related manager `.{func.attr}()`")

    def on_attribute(self, node: ast.Attribute) -> None:
        if not self.lazy_loops or id(node) in self.walk.call_funcs:
            return
        inner = node.value
        if not isinstance(inner, ast.Attribute) or node.attr in SCALAR_ATTRS:
            return
        if inner.attr.endswith(SCALAR_SUFFIXES):
            return
        self._relation(inner, node, f"relation `{inner.attr}` read")

    def _relation_iter(self, loop: Loop) -> None:
        """``for item in order.items`` inside a loop over orders."""
        if isinstance(loop.iter, ast.Attribute):
            self._relation(loop.iter, loop.iter, f"iteration over relation `{loop.iter.attr}`")

    def _relation(self, attr: ast.expr, report_at: ast.expr, what: str) -> None:
        if not (isinstance(attr, ast.Attribute) and isinstance(attr.value, ast.Name)):
            return
        name = attr.value.id
        for loop in reversed(self.walk.loops):
            if id(loop) in self.lazy_loops and name in loop.targets:
                if id(loop) in self.reported:
                    return
                self.reported.add(id(loop))
                self.walk.emit(
                    N_PLUS_ONE,
                    report_at,
                    f"{what} on each row of a query without eager loading: one query per item",
                    related=(loop.header,),
                    confidence=Confidence.MEDIUM,
                )
                return
