"""Work a request handler redoes on every request: new clients, single-row writes, OFFSET pages.

Each rule looks only inside request handlers (and, for writes, Celery tasks): the same code in
a start-up function or a one-off script is fine.
"""

from __future__ import annotations

import ast

from stackaudit.analyzers.python.family import RuleFamily
from stackaudit.analyzers.python.names import dotted, has_splat
from stackaudit.analyzers.python.orm import SESSION_NAMES, is_session
from stackaudit.analyzers.python.outbound import REDIS_CTORS
from stackaudit.model import Category, CodeContext, Confidence, RuleMeta, Severity

CLIENT_PER_REQUEST = RuleMeta(
    id="perf.client-per-request",
    title="Client or connection pool created per request",
    category=Category.PERFORMANCE,
    severity=Severity.MEDIUM,
    impact=5,
    likelihood=7,
    effort=0.5,
    confidence=Confidence.HIGH,
    fix="Create the client once (module level, app factory, lifespan/startup hook) and reuse it.",
    doc="""
    Finds HTTP, Redis, database and cloud clients constructed inside a request handler:
    ``requests.Session()``, ``httpx.Client()``/``AsyncClient()``, ``aiohttp.ClientSession()``,
    ``redis.Redis(...)``/``from_url``, ``create_engine(...)``, ``pymongo.MongoClient``,
    ``boto3.client(...)``, including ``with httpx.Client() as c:`` in the handler body.

    Why it matters: each of these owns a connection pool. Built per request, every request
    pays DNS, TCP and TLS set-up again (tens to hundreds of milliseconds), the remote side sees
    a connection storm under load, and an engine per request leaks database connections.

    Example::

        @app.get("/rates")
        def rates():
            with httpx.Client(timeout=5) as client:
                return client.get(RATES_URL).json()

    Fix: build the client once (``client = httpx.Client(timeout=5)`` at module level, in the
    app factory, or in FastAPI's lifespan) and use it from the handler; for Redis, one
    ``ConnectionPool`` per process; for SQLAlchemy, one engine per process.
    """,
)

SINGLE_ROW_WRITES = RuleMeta(
    id="perf.single-row-writes-in-loop",
    title="One write (and commit) per row inside a loop",
    category=Category.PERFORMANCE,
    severity=Severity.MEDIUM,
    impact=5,
    likelihood=6,
    effort=1,
    confidence=Confidence.MEDIUM,
    fix="Collect the rows and write them in one statement (bulk_create / bulk_update / "
    "add_all + one commit / insert().values([...])).",
    doc="""
    Finds per-row writes inside a loop over data in a request handler or a Celery task:
    ``session.commit()`` once per iteration (SQLAlchemy) and ``item.save()`` on the loop
    variable (Django). ``Model.objects.create(...)`` per item is already reported as a query
    per item by ``perf.n-plus-one``.

    Why it matters: every row costs a round trip (and, with a commit per row, an fsync on the
    database): 1,000 rows take seconds instead of milliseconds and hold the request or worker
    that long; a failure half-way leaves half the rows written.

    Example::

        for line in payload["lines"]:
            db.session.add(OrderLine(**line))
            db.session.commit()

    Fix: ``db.session.add_all(lines)`` then one ``commit()``; Django
    ``OrderLine.objects.bulk_create([...])`` / ``bulk_update(items, ["status"])``, or a
    queryset ``update()``. Loops over literals and fixed-size batches are not reported; N+1
    reads are ``perf.n-plus-one``.
    """,
)

OFFSET_PAGINATION = RuleMeta(
    id="perf.offset-pagination",
    title="OFFSET pagination on a collection endpoint",
    category=Category.PERFORMANCE,
    severity=Severity.LOW,
    impact=4,
    likelihood=5,
    effort=1,
    confidence=Confidence.MEDIUM,
    fix="Use keyset (cursor) pagination: WHERE (sort_key, id) > (:last_key, :last_id) ORDER BY "
    "sort_key, id LIMIT :n.",
    doc="""
    Finds request handlers that page through a query with ``.offset(n)`` where ``n`` comes from
    the request (a page number, an ``offset``/``skip`` parameter).

    Why it matters: the database still reads and throws away every skipped row, so page 10,000
    costs 10,000 pages of work; deep pages get slower as the table grows, and rows inserted
    between two requests shift the pages (items seen twice or never).

    Example::

        page = request.args.get("page", 1, type=int)
        rows = Order.query.order_by(Order.id).offset((page - 1) * 50).limit(50).all()

    Fix: keyset pagination: ``.filter(Order.id > after).order_by(Order.id).limit(50)`` and
    return the last id as the next cursor. Shallow, bounded offsets (admin pages) are often
    fine: the finding is low severity.
    """,
)

CLIENT_FACTORIES = (
    frozenset(
        {
            "requests.Session",
            "requests.session",
            "requests.sessions.Session",
            "httpx.Client",
            "httpx.AsyncClient",
            "aiohttp.ClientSession",
            "sqlalchemy.create_engine",
            "sqlalchemy.ext.asyncio.create_async_engine",
            "pymongo.MongoClient",
            "motor.motor_asyncio.AsyncIOMotorClient",
            "elasticsearch.Elasticsearch",
            "boto3.client",
            "boto3.resource",
        }
    )
    | REDIS_CTORS
)
REQUEST_WORDS = ("request", "args", "GET", "query_params", "params")
PAGE_WORDS = ("page", "offset", "skip", "start", "cursor")


class PerRequestRules(RuleFamily):
    rules = (CLIENT_PER_REQUEST, SINGLE_ROW_WRITES, OFFSET_PAGINATION)

    def on_call(self, node: ast.Call) -> None:
        route = self.walk.route
        if route is None or self.walk.context is not CodeContext.HANDLER:
            return
        name = self.walk.qualname(node.func)
        if name in CLIENT_FACTORIES and route.framework != "celery":
            self.walk.emit(CLIENT_PER_REQUEST, node, f"{name} built on every request: no connection reuse")
            return
        if isinstance(node.func, ast.Attribute):
            if node.func.attr == "offset" and route.framework != "celery":
                self._offset(node)
            elif self.walk.data_loop() is not None:
                self._write(node, node.func)

    def _offset(self, node: ast.Call) -> None:
        if len(node.args) != 1 or has_splat(node) or isinstance(node.args[0], ast.Constant):
            return
        if self._from_request(node.args[0]):
            self.walk.emit(OFFSET_PAGINATION, node, "OFFSET pagination driven by the request")

    def _from_request(self, expr: ast.expr, depth: int = 0) -> bool:
        """The value mentions the request, a handler parameter, or a page/offset-named value."""
        function = self.walk.function
        params: set[str] = set()
        if function is not None and isinstance(function.node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = function.node.args
            params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)} - {"self", "cls"}
        for sub in ast.walk(expr):
            name = dotted(sub) if isinstance(sub, ast.Name | ast.Attribute) else None
            if name is None:
                continue
            if name in params or any(word in name for word in REQUEST_WORDS):
                return True
            if any(word in name.lower() for word in PAGE_WORDS):
                return True
            value = self.walk.lookup(name)
            if value is not None and value is not expr and depth < 3 and self._from_request(value, depth + 1):
                return True
        return False

    def _session(self, recv: ast.expr) -> bool:
        """An ORM session, by its constructor or, whatever built it (``with db_factory() as
        db``), by a session-like name."""
        name = (dotted(recv) or "").rsplit(".", 1)[-1].lower()
        return is_session(self.walk, recv) or name in SESSION_NAMES

    def _write(self, node: ast.Call, func: ast.Attribute) -> None:
        loop = self.walk.data_loop()
        if loop is None:
            return
        method = func.attr
        if method == "commit" and not node.args and self._session(func.value):
            self.walk.emit(SINGLE_ROW_WRITES, node, "a commit per loop iteration", related=(loop.header,))
        elif method == "save" and isinstance(func.value, ast.Name) and func.value.id in loop.targets:
            self.walk.emit(
                SINGLE_ROW_WRITES,
                node,
                f"{func.value.id}.save() per item: use bulk_update or a queryset update()",
                related=(loop.header,),
            )
