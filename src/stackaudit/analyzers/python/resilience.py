"""Backpressure on consumers: queue retries with no bound or no backoff, unbounded fan-out.

``retry.py`` covers hand-written retry loops; this module covers what the queue libraries do
for you (Celery ``autoretry_for``/``max_retries``, broker requeues) and ``asyncio`` fan-out.
``queues.py`` already reports executors built without ``max_workers`` in handlers.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from stackaudit.analyzers.python.clients import classify
from stackaudit.analyzers.python.deferred import emit_in
from stackaudit.analyzers.python.family import Frame, Loop, RuleFamily
from stackaudit.analyzers.python.names import (
    chain_root,
    dotted,
    is_chunked_iterable,
    is_constant_iterable,
    is_none,
    keyword,
)
from stackaudit.model import Category, Confidence, RuleMeta, Severity

if TYPE_CHECKING:
    from stackaudit.analyzers.python.walker import Walk

QUEUE_RETRY_UNBOUNDED = RuleMeta(
    id="scale.queue-retry-unbounded",
    title="Queue task retried forever, without backoff, or requeued with no dead-letter",
    category=Category.SCALABILITY,
    severity=Severity.MEDIUM,
    cwe=(400,),
    impact=6,
    likelihood=5,
    effort=0.5,
    confidence=Confidence.MEDIUM,
    fix="Cap retries (max_retries), back off exponentially with jitter (retry_backoff=True, "
    "retry_jitter=True), and send poison messages to a dead-letter queue.",
    doc="""
    Finds consumers that can turn one bad message or one failing dependency into endless load:

    * Celery tasks declared with ``max_retries=None`` (or ``self.retry(max_retries=None)``):
      the task retries forever;
    * Celery tasks with ``autoretry_for=`` and no ``retry_backoff``: every retry waits the same
      fixed ``default_retry_delay``, so all failed tasks come back in lock-step;
    * pika / kombu / aio-pika consumers that requeue a failed message
      (``basic_nack(tag)`` and ``basic_reject(tag)`` requeue by default,
      ``requeue=True`` including aio-pika ``message.process(requeue=True)``, aio-pika
      ``message.nack()`` which requeues by default, kombu ``message.requeue()``) in a module that declares no
      dead-letter exchange (``x-dead-letter-exchange``) and counts no deliveries
      (``x-death`` / ``x-delivery-count``).

    Why it matters: a poison message requeued at once is redelivered in a hot loop, starving
    every other message; retries without backoff hit a struggling dependency in waves and keep
    it down; a task that retries forever never reports its failure.

    Example::

        @shared_task(bind=True, autoretry_for=(RequestException,), max_retries=None)
        def sync_invoice(self, invoice_id): ...

        channel.basic_nack(method.delivery_tag, requeue=True)

    Fix: ``@shared_task(autoretry_for=(RequestException,), retry_backoff=True,
    retry_jitter=True, max_retries=5)``; declare the queue with
    ``arguments={"x-dead-letter-exchange": "dlx"}`` and ``basic_nack(tag, requeue=False)``
    so a failed message goes to the dead-letter queue for inspection.
    """,
)

UNBOUNDED_CONCURRENCY = RuleMeta(
    id="scale.unbounded-concurrency",
    title="Unbounded concurrency: one task per item or per message, no limit",
    category=Category.SCALABILITY,
    severity=Severity.MEDIUM,
    cwe=(770,),
    impact=6,
    likelihood=5,
    effort=0.5,
    # low: on the BUILD apps every report before narrowing was a fan-out over a small,
    # configuration-sized set; whether a collection is large is rarely visible in the source
    confidence=Confidence.LOW,
    fix="Bound the fan-out: an asyncio.Semaphore around each call, a fixed-size worker pool, "
    "or batches of a fixed size.",
    doc="""
    Finds fan-out whose width is decided by the data: ``asyncio.gather(*[fetch(x) for x in
    items])`` (or a list of coroutines built that way) over a collection that is not a
    literal, and ``asyncio.create_task``/``ensure_future`` called once per message inside an
    ``async for`` consumer loop or a ``while`` loop that awaits the next message
    (``await queue.get()``, ``recv()``), in a module that creates no
    ``asyncio.Semaphore``/``BoundedSemaphore`` (a semaphore anywhere in the module is taken as
    the bound, since it usually lives in the coroutine being fanned out).

    Why it matters: 10,000 items become 10,000 simultaneous connections: the remote side
    rate-limits or falls over, the local process runs out of sockets or memory, and a burst of
    messages does the same to a consumer.

    Example::

        results = await asyncio.gather(*[client.get(url) for url in urls])

    Fix: ``sem = asyncio.Semaphore(20)`` and ``async with sem:`` inside the coroutine; or
    process in fixed-size batches; or a fixed number of worker tasks reading an
    ``asyncio.Queue(maxsize=...)``. Coroutines that are direct calls on an httpx or aiohttp
    client (``client.get(u) for u in urls``) are not reported: the client's connection pool
    (100 by default) bounds them. Nor is a method called on each element
    (``[p.start() for p in plugins]``) or a fan-out over a collection held on ``self``: that
    is start-up or shut-down of objects the process manages, sized by configuration.
    Executors without ``max_workers`` are reported by ``scale.unbounded-queue``.
    """,
)

TASK_DECORATORS = frozenset({"task", "shared_task", "periodic_task"})
REQUEUE_BY_DEFAULT = frozenset({"basic_nack", "basic_reject"})  # pika: requeue=True default
REQUEUE_EXPLICIT = frozenset({"nack", "reject", "basic_nack", "basic_reject", "process"})
DEAD_LETTER = re.compile(r"(?i)x-dead-letter|x-death|x-delivery-count|dead_?letter")
GATHERS = frozenset({"asyncio.gather"})
SPAWNS = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
RECEIVE_METHODS = frozenset(
    {"get", "recv", "receive", "read", "getone", "getmany", "get_message", "xread", "xreadgroup"}
    | {"blpop", "brpop", "consume", "fetch", "receive_messages", "next", "__anext__"}
)
SEMAPHORES = frozenset(
    {"asyncio.Semaphore", "asyncio.BoundedSemaphore", "anyio.Semaphore", "anyio.CapacityLimiter"}
)


def _true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _falsy(node: ast.expr | None) -> bool:
    return node is None or (isinstance(node, ast.Constant) and not node.value)


class ResilienceRules(RuleFamily):
    rules = (QUEUE_RETRY_UNBOUNDED, UNBOUNDED_CONCURRENCY)

    def __init__(self, walk: Walk) -> None:
        super().__init__(walk)
        self._requeues: list[tuple[ast.Call, Frame | None, str]] = []
        self._fanouts: list[tuple[ast.Call, Frame | None, str]] = []
        self._semaphore = False

    # ---- Celery ----------------------------------------------------------------------------
    def on_function_enter(self, frame: Frame) -> None:
        node = frame.node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call) and self._is_task(dec.func):
                self._check_task(dec)

    def _is_task(self, func: ast.expr) -> bool:
        name = self.walk.qualname(func) or ""
        return name.rsplit(".", 1)[-1] in TASK_DECORATORS

    def _check_task(self, dec: ast.Call) -> None:
        retries = keyword(dec, "max_retries")
        if retries is not None and is_none(retries.value):
            self.walk.emit(QUEUE_RETRY_UNBOUNDED, dec, "Celery task retries forever (max_retries=None)")
            return
        auto = keyword(dec, "autoretry_for")
        backoff = keyword(dec, "retry_backoff")
        if auto is not None and (backoff is None or _falsy(backoff.value)):
            self.walk.emit(
                QUEUE_RETRY_UNBOUNDED,
                dec,
                "autoretry_for without retry_backoff: every retry waits the same fixed delay",
                confidence=Confidence.LOW,
            )

    # ---- calls -----------------------------------------------------------------------------
    def on_call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            self._retry_call(node, func)
            self._requeue_call(node, func)
        name = self.walk.qualname(func)
        if name in SEMAPHORES or (name or "").endswith((".Semaphore", ".BoundedSemaphore")):
            self._semaphore = True
        elif name in GATHERS:
            self._gather(node)
        elif name in SPAWNS or (isinstance(func, ast.Attribute) and func.attr == "create_task"):
            self._spawn(node)

    def _retry_call(self, node: ast.Call, func: ast.Attribute) -> None:
        if func.attr != "retry" or dotted(func.value) != "self":
            return
        retries = keyword(node, "max_retries")
        if retries is not None and is_none(retries.value):
            self.walk.emit(QUEUE_RETRY_UNBOUNDED, node, "self.retry(max_retries=None) retries forever")

    def _requeue_call(self, node: ast.Call, func: ast.Attribute) -> None:
        requeue = keyword(node, "requeue")
        recv = (dotted(func.value) or "").rsplit(".", 1)[-1].lower()
        on_message = "message" in recv or recv in {"msg", "m"}
        if func.attr == "requeue" and not node.args and not node.keywords and on_message:
            self._requeues.append((node, self.walk.function, "message.requeue()"))
        elif func.attr in REQUEUE_EXPLICIT and requeue is not None and _true(requeue.value):
            self._requeues.append((node, self.walk.function, f"{func.attr}(requeue=True)"))
        elif func.attr in REQUEUE_BY_DEFAULT and requeue is None and len(node.args) < 3:
            self._requeues.append((node, self.walk.function, f"{func.attr}() requeues by default"))
        elif func.attr == "nack" and requeue is None and on_message and len(node.args) < 2:
            # aio-pika: IncomingMessage.nack(multiple=False, requeue=True)
            self._requeues.append((node, self.walk.function, "message.nack() requeues by default"))

    # ---- fan-out ---------------------------------------------------------------------------
    def _gather(self, node: ast.Call) -> None:
        for arg in node.args:
            if not isinstance(arg, ast.Starred):
                continue
            source = self.walk.resolve(arg.value)
            if self._data_comprehension(source):
                self._fanouts.append((node, self.walk.function, "asyncio.gather over one task per item"))
                return

    def _data_comprehension(self, node: ast.expr) -> bool:
        if not isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            return False
        if isinstance(node.elt, ast.Call) and (self._pooled(node.elt) or _managed(node)):
            return False
        for gen in node.generators:
            it = self.walk.resolve(gen.iter)
            if _bounded_iterable(it):
                return False
        return not any(
            is_constant_iterable(g.iter, self.walk.resolve) or is_chunked_iterable(self.walk.resolve(g.iter))
            for g in node.generators
        )

    def _pooled(self, call: ast.Call) -> bool:
        """A direct call on an httpx / aiohttp client: its connection pool (100 by default) is
        the bound on what reaches the remote side."""
        outbound = classify(self.walk, call)
        return outbound is not None and outbound.is_async and outbound.client is not None

    def _spawn(self, node: ast.Call) -> None:
        loop = self._consumer_loop()
        if loop is not None and not _drains(loop.node):
            self._fanouts.append((node, self.walk.function, "a task spawned per message with no bound"))

    def _consumer_loop(self) -> Loop | None:
        for loop in reversed(self.walk.loops):
            if isinstance(loop.node, ast.AsyncFor):
                return loop
            if isinstance(loop.node, ast.While) and self.walk.in_async and _receives(loop.node):
                return loop
        return None

    # ---- end of module -----------------------------------------------------------------------
    def finish(self) -> None:
        if self._requeues and not any(DEAD_LETTER.search(line) for line in self.walk.source.lines):
            for node, frame, what in self._requeues:
                emit_in(self.walk, QUEUE_RETRY_UNBOUNDED, node, frame, f"{what} with no dead-letter queue")
        if not self._semaphore:
            for node, frame, what in self._fanouts:
                emit_in(self.walk, UNBOUNDED_CONCURRENCY, node, frame, what)


def _managed(node: ast.ListComp | ast.GeneratorExp | ast.SetComp) -> bool:
    """``[p.start() for p in self.plugins]``: a method of each element, or a collection held on
    ``self``/``cls``. That is a lifecycle fan-out over objects the process manages (plugins,
    workers, connections), sized by configuration, not by incoming data."""
    targets = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
    call = node.elt
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
        owner = call.func.value
        if isinstance(owner, ast.Name) and owner.id in targets:
            return True
    roots = [chain_root(g.iter) for g in node.generators]
    return all(isinstance(r, ast.Name) and r.id in {"self", "cls"} for r in roots)


def _receives(loop: ast.AST) -> bool:
    """A ``while`` loop that awaits the next message (``await queue.get()``, ``recv()`` …)."""
    for node in ast.walk(loop):
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr in RECEIVE_METHODS:
                return True
    return False


def _drains(loop: ast.AST) -> bool:
    """The loop waits for running tasks (``asyncio.wait``) or compares a count (``len(tasks)``):
    a hand-made bound."""
    for node in ast.walk(loop):
        if isinstance(node, ast.Call):
            name = dotted(node.func) or ""
            if name.endswith(("asyncio.wait", "wait_for_free_slot")) or name == "len":
                return True
    return False


def _bounded_iterable(node: ast.expr) -> bool:
    """``items[:10]`` / ``items[a:a + 10]`` with a literal bound: a fixed-size batch."""
    if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Slice):
        return False
    upper = node.slice.upper
    return isinstance(upper, ast.Constant) or (
        isinstance(upper, ast.BinOp) and isinstance(upper.right, ast.Constant | ast.Name)
    )
