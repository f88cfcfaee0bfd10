"""Outbound calls: HTTP in a loop, calls without a timeout, blocking calls inside ``async def``."""

from __future__ import annotations

import ast
import dataclasses
from typing import TYPE_CHECKING

from stackaudit.analyzers.python.clients import Lib, Outbound, classify
from stackaudit.analyzers.python.family import RuleFamily
from stackaudit.analyzers.python.names import dotted, has_splat, is_none, keyword, string_value
from stackaudit.model import Category, Confidence, Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from stackaudit.analyzers.python.walker import Walk

HTTP_IN_LOOP = RuleMeta(
    id="perf.http-in-loop",
    title="HTTP / RPC call inside a loop (missing batching)",
    category=Category.PERFORMANCE,
    severity=Severity.MEDIUM,
    impact=6,
    likelihood=6,
    effort=2,
    fix="Use the API's batch endpoint, or issue the calls concurrently with a bounded pool.",
    doc="""
    Finds an outbound call (requests, httpx, aiohttp, urllib ``urlopen``, a boto3 client) made
    once per item of a loop or comprehension over data.

    Why it matters: each iteration pays a full network round trip, so latency grows linearly
    with the data (100 items x 40 ms = 4 s) and the remote side sees N requests instead of one.

    Example::

        for sku in skus:
            prices[sku] = requests.get(f"{API}/price/{sku}", timeout=5).json()

    Fix: call the batch endpoint (``GET /prices?sku=a,b,c``, S3 ``delete_objects``, SQS
    ``send_message_batch``), or run the calls concurrently with a bounded pool
    (``asyncio.gather`` over an ``AsyncClient`` with a semaphore). Loops over literal constants
    (``for region in ("eu", "us")``) and retry counters (``for attempt in range(3)``) are not
    reported; coroutines created in a comprehension and gathered are not reported either.
    """,
)

NO_TIMEOUT = RuleMeta(
    id="scale.no-timeout",
    title="Outbound call without a timeout",
    category=Category.SCALABILITY,
    severity=Severity.MEDIUM,
    cwe=(400,),
    impact=7,
    likelihood=5,
    effort=0.5,
    confidence=Confidence.HIGH,
    fix="Pass an explicit timeout (connect and read), or set it once on the session/client.",
    doc="""
    Finds outbound calls that can wait forever: ``requests`` calls (module functions or a
    ``Session`` without a default) with no ``timeout=``, ``urllib.request.urlopen`` without a
    timeout, ``redis.Redis``/``StrictRedis``/``from_url`` without ``socket_timeout``,
    ``psycopg``/``psycopg2`` ``connect`` without ``connect_timeout``, the project's own wrappers
    that pass ``timeout=timeout`` from a parameter whose default is ``None``, and any httpx call
    or client given ``timeout=None`` explicitly. SQLAlchemy engines are left alone: the pool's
    checkout gives up after ``pool_timeout`` (30 s by default).

    Why it matters: requests and redis-py default to no timeout at all. One slow dependency
    then holds a worker thread per request until the pool is exhausted and the whole service
    stops answering: a partial outage becomes a total one.

    Example::

        resp = requests.post(PAYMENT_URL, json=payload)   # may block forever

    Fix: ``requests.post(PAYMENT_URL, json=payload, timeout=(3.05, 10))``; or give the session a
    default (``session.request = functools.partial(session.request, timeout=10)`` or an
    ``HTTPAdapter`` subclass with a timeout, mounted on the session), which this rule
    recognises in the same module. httpx has a 5 s default, so plain httpx calls are fine.
    """,
)

BLOCKING_IN_ASYNC = RuleMeta(
    id="perf.blocking-call-in-async",
    title="Blocking call inside async def",
    category=Category.PERFORMANCE,
    severity=Severity.HIGH,
    impact=7,
    likelihood=7,
    effort=1,
    confidence=Confidence.HIGH,
    fix="Use the async library (httpx.AsyncClient, asyncio.sleep, asyncpg, aiofiles) "
    "or move the call to a thread with asyncio.to_thread.",
    doc="""
    Finds synchronous, blocking calls made directly inside an ``async def``: requests and
    sync httpx, ``urlopen``, ``time.sleep``, sync database drivers (psycopg2, sqlite3, pymysql
    connections and cursors), a sync SQLAlchemy ``session.query``, builtin ``open``,
    ``subprocess.run``/``call``/``check_output`` and ``os.system``.

    Why it matters: the event loop runs every request of the process on one thread. A blocking
    call stops all of them, not just its own: one 2 s call in a FastAPI ``async def`` handler
    adds 2 s to every concurrent request.

    Example::

        @app.get("/rates")
        async def rates():
            return requests.get(RATES_URL, timeout=5).json()

    Fix: ``async with httpx.AsyncClient() as c: await c.get(...)``, ``await asyncio.sleep()``,
    an async driver, or ``await asyncio.to_thread(blocking_fn, ...)`` /
    ``loop.run_in_executor``. Calls wrapped that way (or in a nested sync function / lambda)
    are not reported; awaited calls never are.
    """,
)

BLOCKING_NAMES: dict[str, str] = {
    "time.sleep": "time.sleep blocks the event loop; use await asyncio.sleep",
    "open": "builtin open() does file I/O on the event loop; use aiofiles or asyncio.to_thread",
    "io.open": "io.open() does file I/O on the event loop; use aiofiles or asyncio.to_thread",
    "subprocess.run": "subprocess.run waits on the event loop; use asyncio.create_subprocess_exec",
    "subprocess.call": "subprocess.call waits on the event loop; use asyncio.create_subprocess_exec",
    "subprocess.check_call": "subprocess.check_call waits on the event loop",
    "subprocess.check_output": "subprocess.check_output waits on the event loop",
    "os.system": "os.system waits on the event loop; use asyncio.create_subprocess_shell",
}
SYNC_SESSION_CTORS = ("Session", "SessionLocal", "scoped_session", "sessionmaker")
REQUESTS_TIMEOUT_TARGETS = frozenset({"requests.Session", "requests.session", "requests.sessions.Session"})
REDIS_CTORS = frozenset(
    {
        "redis.Redis",
        "redis.StrictRedis",
        "redis.client.Redis",
        "redis.asyncio.Redis",
        "redis.Redis.from_url",
        "redis.StrictRedis.from_url",
        "redis.from_url",
        "redis.asyncio.from_url",
        "redis.asyncio.Redis.from_url",
    }
)
PG_CONNECT = frozenset({"psycopg2.connect", "psycopg.connect", "psycopg.AsyncConnection.connect"})
# SQLAlchemy engines are not here: the pool's checkout waits at most pool_timeout (30 s by
# default), so an engine without options does not wait forever (judged false on real apps).
TIMEOUT_CTORS = REDIS_CTORS | PG_CONNECT | {"httpx.Client", "httpx.AsyncClient"}


def _param_default(args: ast.arguments, name: str) -> ast.expr | None:
    """The default value of parameter ``name``, or None when it has none."""
    positional = [*args.posonlyargs, *args.args]
    defaults = dict(
        zip([a.arg for a in positional][len(positional) - len(args.defaults) :], args.defaults, strict=True)
    )
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is not None:
            defaults[arg.arg] = default
    return defaults.get(name)


class OutboundRules(RuleFamily):
    rules = (HTTP_IN_LOOP, NO_TIMEOUT, BLOCKING_IN_ASYNC)

    def __init__(self, walk: Walk) -> None:
        super().__init__(walk)
        self.pending: list[tuple[str, Finding]] = []  # session calls decided at the end
        self.session_timeouts: set[str] = set()

    def on_call(self, node: ast.Call) -> None:
        out = classify(self.walk, node)
        if out is not None:
            self._loop(node, out)
            self._timeout(node, out)
            self._blocking_client(node, out)
        else:
            self._blocking_name(node)
        self._timeout_ctor(node)
        self._session_default(node)

    # ---- perf.http-in-loop ------------------------------------------------------------------
    def _loop(self, node: ast.Call, out: Outbound) -> None:
        loop = self.walk.data_loop()
        if loop is None or out.lib is Lib.SYNC_DB:
            return
        if out.is_async and id(node) not in self.walk.awaited:
            return  # a coroutine built per item and gathered: concurrent, not sequential
        self.walk.emit(
            HTTP_IN_LOOP,
            node,
            f"{out.lib.value} call `{out.method}` runs once per loop item; batch it or run "
            "the calls concurrently",
            related=(loop.header,),
        )

    # ---- scale.no-timeout -----------------------------------------------------------------
    def _timeout(self, node: ast.Call, out: Outbound) -> None:
        given = keyword(node, "timeout")
        if out.lib is Lib.HTTPX or out.lib is Lib.AIOHTTP:
            if given is not None and is_none(given.value):
                self.walk.emit(NO_TIMEOUT, node, "httpx call with timeout=None can wait forever")
            return
        if out.lib is Lib.URLLIB:
            if given is None and len(node.args) < 3 and not has_splat(node):
                self.walk.emit(NO_TIMEOUT, node, "urlopen() without a timeout can wait forever")
            return
        if out.lib is not Lib.REQUESTS:
            return
        if has_splat(node):
            return  # **kwargs forwarded: the callers decide, and we cannot see them here
        if given is not None and not is_none(given.value):
            self._wrapper_param(node, out, given.value)
            return
        message = f"requests `{out.method}` without a timeout can wait forever"
        if out.client is None or given is not None:
            self.walk.emit(NO_TIMEOUT, node, message)
        else:
            self.pending.append((out.client, self.walk.prepare(NO_TIMEOUT, node, message)))

    # A project's own wrapper (``def fetch(url, timeout=None): return requests.get(url,
    # timeout=timeout)``) hands the decision to its callers; its default decides for every
    # caller that does not pass one.
    def _wrapper_param(self, node: ast.Call, out: Outbound, value: ast.expr) -> None:
        frame = self.walk.function
        fn = frame.node if frame is not None else None
        if not isinstance(value, ast.Name) or not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        default = _param_default(fn.args, value.id)
        if default is not None and is_none(default):
            self.walk.emit(
                NO_TIMEOUT,
                node,
                f"requests `{out.method}` takes its timeout from parameter `{value.id}` of "
                f"`{fn.name}()`, whose default is None: every caller that omits it can wait forever",
            )

    def _session_default(self, node: ast.Call) -> None:
        """``session.mount(prefix, Adapter(timeout=...))`` gives the session a default."""
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "mount" and len(node.args) >= 2:
            adapter = self.walk.resolve(node.args[1])
            if isinstance(adapter, ast.Call) and keyword(adapter, "timeout") is not None:
                self.session_timeouts.add(dotted(func.value) or "")

    def on_assign(self, target: ast.expr, value: ast.expr) -> None:
        """``session.request = functools.partial(session.request, timeout=...)``."""
        if not (isinstance(target, ast.Attribute) and target.attr in {"request", "send"}):
            return
        if isinstance(value, ast.Call) and keyword(value, "timeout") is not None:
            self.session_timeouts.add(dotted(target.value) or "")

    def finish(self) -> None:
        for client, finding in self.pending:
            if client not in self.session_timeouts:
                self.walk.add(finding)

    def _timeout_ctor(self, node: ast.Call) -> None:
        name = self.walk.qualname(node.func)
        if name not in TIMEOUT_CTORS or has_splat(node):
            return
        if name in REDIS_CTORS:
            url = string_value(node.args[0]) if node.args else None
            pooled = keyword(node, "connection_pool") is not None  # timeouts live on the pool
            if not pooled and keyword(node, "socket_timeout") is None and "socket_timeout" not in (url or ""):
                self.walk.emit(NO_TIMEOUT, node, "Redis client without socket_timeout can block forever")
        elif name in PG_CONNECT:
            dsn = string_value(node.args[0]) if node.args else None
            if keyword(node, "connect_timeout") is None and "connect_timeout" not in (dsn or ""):
                self.walk.emit(NO_TIMEOUT, node, "database connect without connect_timeout")
        elif name in {"httpx.Client", "httpx.AsyncClient"}:
            given = keyword(node, "timeout")
            if given is not None and is_none(given.value):
                self.walk.emit(NO_TIMEOUT, node, "httpx client with timeout=None can wait forever")

    # ---- perf.blocking-call-in-async ---------------------------------------------------------
    def _blocking_client(self, node: ast.Call, out: Outbound) -> None:
        if not self.walk.in_async or id(node) in self.walk.awaited or out.is_async:
            return
        if out.lib is Lib.AIOHTTP:
            return
        self.walk.emit(
            BLOCKING_IN_ASYNC,
            node,
            f"blocking {out.lib.value} call `{out.method}` inside async def stalls the event loop",
        )

    def _blocking_name(self, node: ast.Call) -> None:
        if not self.walk.in_async or id(node) in self.walk.awaited:
            return
        name = self.walk.qualname(node.func)
        if name == "open" and node.args and _beside_the_code(self.walk.resolve(node.args[0])):
            # a file shipped next to the module (``os.path.dirname(__file__)``): small and in the
            # page cache after the first read (changedetection.io's bundled JS)
            found = self.walk.prepare(
                BLOCKING_IN_ASYNC,
                node,
                f"{BLOCKING_NAMES[name]} (a file bundled with the code: small, read from the page cache)",
                confidence=Confidence.LOW,
            )
            self.walk.add(dataclasses.replace(found, severity=Severity.LOW))
        elif name in BLOCKING_NAMES:
            self.walk.emit(BLOCKING_IN_ASYNC, node, BLOCKING_NAMES[name])
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "query"
            and self._sync_session(node.func.value)
        ):
            self.walk.emit(
                BLOCKING_IN_ASYNC, node, "sync SQLAlchemy session.query inside async def blocks the loop"
            )

    def _sync_session(self, recv: ast.expr) -> bool:
        value = self.walk.resolve(recv)
        if isinstance(value, ast.Call):
            ctor = (self.walk.qualname(value.func) or "").rsplit(".", 1)[-1]
            return ctor.endswith(SYNC_SESSION_CTORS)
        name = (dotted(recv) or "").rsplit(".", 1)[-1].lower()
        return name in {"db", "session", "db_session", "dbsession"}


def _beside_the_code(path: ast.expr) -> bool:
    """A path built from the module's own location: ``os.path.join(os.path.dirname(__file__), ...)``."""
    return any(isinstance(n, ast.Name) and n.id == "__file__" for n in ast.walk(path))
