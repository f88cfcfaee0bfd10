"""Unbounded queues, and executors created per request."""

from __future__ import annotations

import ast

from stackaudit.analyzers.python.family import RuleFamily
from stackaudit.analyzers.python.names import has_splat, keyword
from stackaudit.model import Category, CodeContext, Confidence, RuleMeta, Severity

UNBOUNDED_QUEUE = RuleMeta(
    id="scale.unbounded-queue",
    title="Unbounded queue or per-request executor",
    category=Category.SCALABILITY,
    severity=Severity.MEDIUM,
    cwe=(770,),
    impact=6,
    likelihood=4,
    effort=0.5,
    confidence=Confidence.HIGH,
    fix="Give the queue a maxsize (and decide what producers do when it is full); "
    "create executors once, at start-up, with max_workers.",
    doc="""
    Finds in-memory queues that can grow without limit: ``queue.Queue``/``LifoQueue``/
    ``PriorityQueue`` and ``asyncio`` and ``multiprocessing`` queues created without a
    ``maxsize`` (or with ``maxsize`` 0 or negative, which means "infinite"), and
    ``queue.SimpleQueue`` which has no bound at all; and ``ThreadPoolExecutor`` /
    ``ProcessPoolExecutor`` created inside a request handler without ``max_workers``.

    Why it matters: when consumers fall behind, an unbounded queue turns back-pressure into
    memory growth until the process is OOM-killed, losing everything queued. Latency of queued
    work grows without bound too. An executor per request multiplies threads by concurrent
    requests.

    Example::

        jobs = queue.Queue()          # grows until the worker is killed

    Fix: ``queue.Queue(maxsize=1000)`` and ``put(item, timeout=...)`` to shed load or apply
    back-pressure; create one executor at start-up with an explicit ``max_workers``.
    """,
)

QUEUES = frozenset(
    {
        f"{module}.{cls}"
        for module in ("queue", "asyncio", "asyncio.queues")
        for cls in ("Queue", "LifoQueue", "PriorityQueue")
    }
    | {
        "multiprocessing.Queue",
        "multiprocessing.JoinableQueue",
        "multiprocessing.queues.Queue",
        "gevent.queue.Queue",
    }
)
ALWAYS_UNBOUNDED = frozenset({"queue.SimpleQueue", "multiprocessing.SimpleQueue"})
EXECUTORS = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
    }
)


def _unbounded_size(node: ast.expr | None) -> bool:
    """No argument, or a literal 0 / negative size."""
    if node is None:
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value <= 0
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)


WATCHED = QUEUES | ALWAYS_UNBOUNDED | EXECUTORS


class QueueRules(RuleFamily):
    rules = (UNBOUNDED_QUEUE,)

    def on_call(self, node: ast.Call) -> None:
        name = self.walk.qualname(node.func)
        if name not in WATCHED or has_splat(node):
            return
        if name in ALWAYS_UNBOUNDED:
            self.walk.emit(UNBOUNDED_QUEUE, node, f"{name} has no size limit")
        elif name in QUEUES:
            size = keyword(node, "maxsize")
            arg = size.value if size is not None else (node.args[0] if node.args else None)
            if _unbounded_size(arg):
                self.walk.emit(UNBOUNDED_QUEUE, node, f"{name} without a maxsize can grow without bound")
        elif name in EXECUTORS and self.walk.context is CodeContext.HANDLER:
            given = keyword(node, "max_workers")
            arg = given.value if given is not None else (node.args[0] if node.args else None)
            if arg is None or (isinstance(arg, ast.Constant) and arg.value is None):
                self.walk.emit(
                    UNBOUNDED_QUEUE,
                    node,
                    f"{name.rsplit('.', 1)[-1]} created per request without max_workers",
                )
