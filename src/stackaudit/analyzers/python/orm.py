"""ORM query recognition shared by the N+1 and pagination rules (Django, SQLAlchemy, Flask-SQLAlchemy).

``query_of`` reads a fluent chain (following variables through their assignments, including
``qs = qs.filter(...)`` rebinding) and says which ORM it is, whether relations are eagerly
loaded, and whether the result is bounded (sliced, limited, paginated) or filtered.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stackaudit.analyzers.python.clients import Lib, classify
from stackaudit.analyzers.python.names import CHAIN_DEPTH, call_chain, chain_root, dotted

if TYPE_CHECKING:
    from stackaudit.analyzers.python.walker import Walk

EAGER = frozenset(
    {
        "select_related",
        "prefetch_related",
        "selectinload",
        "joinedload",
        "subqueryload",
        "immediateload",
        "contains_eager",
        "values",
        "values_list",
        "raiseload",
    }
)
BOUNDING = frozenset(
    {
        "limit",
        "offset",
        "slice",
        "paginate",
        "first",
        "one",
        "one_or_none",
        "get",
        "get_or_404",
        "first_or_404",
        "scalar",
        "scalar_one",
        "scalar_one_or_none",
        "exists",
        "count",
        "in_bulk",
        "aggregate",
        "fetch",
        "latest",
        "earliest",
        "one_or_404",
        # writes return one object or a count, not a table
        "create",
        "get_or_create",
        "update_or_create",
        "bulk_create",
        "bulk_update",
        "update",
        "delete",
    }
)
FILTERING = frozenset({"filter", "filter_by", "where", "exclude", "get", "having"})
DJANGO_NO_QUERY = frozenset({"get_for_model", "get_for_models", "get_for_id", "clear_cache", "none"})
ROW_METHODS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "order_by",
        "select_related",
        "prefetch_related",
        "values",
        "values_list",
        "distinct",
        "annotate",
        "only",
        "defer",
        "using",
        "iterator",
        "reverse",
        "objects",
        "scalars",
        "execute",
        "unique",
        "yield_per",
        "options",
        "where",
        "join",
        "limit",
        "offset",
        "filter_by",
        "partitions",
        "fetchall",
        "fetchmany",
        "mappings",
        "with_entities",
        "query",
        "raw",
        "union",
        "chunked",
        "select_from",
        "outerjoin",
        "group_by",
        "having",
    }
)
ARG_QUERIES = frozenset({"scalars", "scalar", "execute", "options", "query", "select", "select_from"})
ROW_WRAPPERS = frozenset({"list", "sorted", "reversed", "enumerate", "tuple", "iter"})
SESSION_QUERY = frozenset({"query", "execute", "scalars", "scalar"})
SESSION_NAMES = frozenset({"session", "db", "db_session", "dbsession", "sess"})
CONNECTION_NAMES = frozenset({"conn", "connection", "cursor", "cur"})
NOT_SESSIONS = ("requests.", "httpx.", "aiohttp.", "boto3.")
MAX_STEPS = 24


@dataclass(frozen=True, slots=True)
class Query:
    orm: str  # "django" | "sqlalchemy"
    methods: frozenset[str]
    eager: bool
    sliced: bool
    selects_model: bool  # select(X) / session.query(X) / X.query / X.objects (not raw SQL text)

    @property
    def bounded(self) -> bool:
        return self.sliced or bool(self.methods & BOUNDING)

    @property
    def whole_table(self) -> bool:
        """Every row, no filter and no bound: a list endpoint returning this returns the table."""
        if self.bounded or self.methods & FILTERING or not self.selects_model:
            return False
        return self.orm == "django" or bool(self.methods & {"all", "scalars"})


def is_session(walk: Walk, recv: ast.expr) -> bool:
    value = walk.resolve(recv)
    if isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.Call):
        ctor = walk.qualname(value.func) or ""
        if ctor.startswith(NOT_SESSIONS):
            return False
        short = ctor.rsplit(".", 1)[-1]
        return short.endswith(("Session", "SessionLocal", "session_scope", "get_session"))
    name = (dotted(recv) or "").rsplit(".", 1)[-1].lower()
    return name in SESSION_NAMES


def _model_name(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Name) and node.id[:1].isupper()


def query_call(walk: Walk, call: ast.Call) -> str | None:
    """If this call itself runs a query, which ORM/driver ("django", "sqlalchemy", "db-driver")."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    owner = func.value
    if isinstance(owner, ast.Attribute) and owner.attr == "objects":
        return None if func.attr in DJANGO_NO_QUERY else "django"
    if isinstance(owner, ast.Attribute) and owner.attr == "query" and _model_name(owner.value):
        return "sqlalchemy"
    if func.attr in SESSION_QUERY and is_session(walk, owner):
        return "sqlalchemy"
    if func.attr == "get" and call.args and _model_name(call.args[0]) and is_session(walk, owner):
        return "sqlalchemy"
    if func.attr == "execute":
        out = classify(walk, call)
        if out is not None and out.lib is Lib.SYNC_DB:
            return "db-driver"
        if (dotted(owner) or "").rsplit(".", 1)[-1] in CONNECTION_NAMES:
            return "db-driver"
    return None


def _model_query(call: ast.Call) -> bool:
    """``Model.query.<method>(...)`` (Flask-SQLAlchemy)."""
    owner = call.func.value if isinstance(call.func, ast.Attribute) else None
    return isinstance(owner, ast.Attribute) and owner.attr == "query"


@dataclass(slots=True)
class _Facts:
    orm: str | None = None
    eager: bool = False
    sliced: bool = False
    selects_model: bool = False


def query_of(walk: Walk, expr: ast.expr) -> Query | None:
    """Describe the ORM query ``expr`` evaluates to, or None when it is not one we recognise."""
    facts = _Facts()
    methods: set[str] = set()
    visited: set[int] = set()
    stack = [expr]
    steps = 0
    while stack and steps < MAX_STEPS:
        node = stack.pop()
        steps += 1
        if id(node) in visited:
            continue
        visited.add(id(node))
        for link in call_chain(node):
            _read_link(walk, link, facts, methods, stack)
        root = chain_root(node)
        if isinstance(root, ast.Name):
            earlier = [v for v in walk.history(root.id) if id(v) not in visited]
            if earlier:
                stack.append(earlier[-1])
    if facts.orm is None:
        return None
    return Query(facts.orm, frozenset(methods), facts.eager, facts.sliced, facts.selects_model)


def _read_link(walk: Walk, link: ast.expr, facts: _Facts, methods: set[str], stack: list[ast.expr]) -> None:
    if isinstance(link, ast.Subscript):
        facts.sliced = facts.sliced or isinstance(link.slice, ast.Slice)
        return
    if isinstance(link, ast.Attribute):
        methods.add(link.attr)
        if link.attr == "objects":
            facts.orm = "django"
            facts.selects_model = True
        return
    if not isinstance(link, ast.Call):
        return
    func = link.func
    short = func.attr if isinstance(func, ast.Attribute) else (dotted(func) or "").rsplit(".", 1)[-1]
    if short in EAGER:
        facts.eager = True
    if short == "select" and (walk.qualname(link.func) or "").startswith("sqlalchemy"):
        facts.orm = facts.orm or "sqlalchemy"
        facts.selects_model = True
    kind = query_call(walk, link)
    if kind == "sqlalchemy":
        facts.orm = facts.orm or kind
        facts.selects_model = facts.selects_model or short == "query" or _model_query(link)
    if short in ARG_QUERIES:  # scalars(select(X)), options(selectinload(...)), query(X)
        for arg in (*link.args, *(k.value for k in link.keywords)):
            if isinstance(arg, ast.Call | ast.Attribute | ast.Name):
                stack.append(arg)


def yields_rows(walk: Walk, expr: ast.expr) -> bool:
    """Does iterating ``expr`` iterate query rows (``qs``, ``X.objects.filter()``,
    ``session.scalars(stmt)``), as opposed to attributes of one object (``obj._meta.fields``)?"""
    node: ast.expr | None = expr
    for _ in range(CHAIN_DEPTH):
        if isinstance(node, ast.Name):
            node = walk.lookup(node.id)
        elif isinstance(node, ast.Await | ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in ROW_WRAPPERS and node.args:
                node = node.args[0]
            else:
                node = node.func
        elif isinstance(node, ast.Attribute):
            return node.attr in ROW_METHODS
        else:
            return False
    return False
