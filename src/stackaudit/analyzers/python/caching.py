"""Cache use: entries written with no expiry, and cache-aside reads with no stampede guard.

A cache is recognised by its receiver: Django's ``django.core.cache.cache`` / ``caches[...]``,
or a name assigned from a redis-py constructor (``redis.Redis(...)``, ``from_url``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stackaudit.analyzers.python.clients import constructor
from stackaudit.analyzers.python.deferred import emit_in
from stackaudit.analyzers.python.family import Frame, RuleFamily
from stackaudit.analyzers.python.names import dotted, has_splat, is_none, keyword
from stackaudit.analyzers.python.outbound import REDIS_CTORS
from stackaudit.model import Category, CodeContext, Confidence, RuleMeta, Severity

if TYPE_CHECKING:
    from stackaudit.analyzers.python.walker import Walk

CACHE_NO_TTL = RuleMeta(
    id="perf.cache-no-ttl",
    title="Cache entry written with no expiry",
    category=Category.PERFORMANCE,
    severity=Severity.LOW,
    impact=4,
    likelihood=5,
    effort=0.25,
    confidence=Confidence.HIGH,
    fix="Give every cache write a TTL (redis ex=/px=, Django timeout=seconds) sized to how stale "
    "the value may be.",
    doc="""
    Finds cache writes that never expire: redis-py ``r.set(key, value)`` with no ``ex``/``px``/
    ``exat``/``pxat``/``keepttl`` (and no ``expire`` on the same client in the function), and
    Django ``cache.set(key, value, None)`` / ``timeout=None``. Django's default timeout
    (``CACHES[...]["TIMEOUT"]``, 300 s unless configured) is a TTL, so ``cache.set(k, v)`` is
    not reported.

    Why it matters: entries that never expire serve stale data forever after the source
    changes, and the cache grows until Redis evicts by policy (or refuses writes with
    ``noeviction``), taking unrelated keys with it.

    Example::

        r.set(f"user:{uid}:profile", json.dumps(profile))

    Fix: ``r.set(key, value, ex=3600)``; ``cache.set(key, value, timeout=3600)``; invalidate
    explicitly on writes if the value must be fresh.
    """,
)

CACHE_STAMPEDE = RuleMeta(
    id="perf.cache-stampede",
    title="Cache miss recomputed by every concurrent request (no stampede guard)",
    category=Category.PERFORMANCE,
    severity=Severity.LOW,
    impact=5,
    likelihood=4,
    effort=1,
    confidence=Confidence.LOW,
    fix="Let one request recompute: a short lock (redis SET NX / cache.add) around the "
    "recomputation, or refresh early before the TTL ends.",
    doc="""
    Finds cache-aside reads in request handlers: ``value = cache.get(key)``, a recomputation
    when it is missing, then ``cache.set(key, value, ...)`` with the same key, with no lock
    (``cache.add``, ``lock(...)``, ``set(..., nx=True)``, ``setnx``) in the function.

    Why it matters: when a hot key expires, every request in flight misses at once and runs
    the expensive recomputation together (a thundering herd): the database sees N copies of
    the query exactly when the cache was supposed to protect it.

    Example::

        stats = cache.get("dashboard-stats")
        if stats is None:
            stats = compute_stats()          # 2 s of SQL, run by every waiting request
            cache.set("dashboard-stats", stats, 300)

    Fix: take a short lock so one request recomputes (``if cache.add(key + ":lock", 1, 30):``
    / ``with redis.lock(key + ":lock", timeout=30):``) while the others serve the stale value
    or wait; or refresh probabilistically before expiry (XFetch); or recompute in a
    background job.
    """,
)

DJANGO_CACHES = ("django.core.cache.cache", "django.core.cache.caches")
REDIS_CLIENTS = REDIS_CTORS  # one list of redis-py constructors (outbound.py)
REDIS_TTL_KEYWORDS = ("ex", "px", "exat", "pxat", "keepttl")
LOCK_METHODS = frozenset({"add", "lock", "setnx", "get_or_set"})
CACHE_METHODS = LOCK_METHODS | {"get", "set", "expire", "pexpire", "expireat"}


@dataclass(slots=True)
class _Uses:
    """Cache calls seen in one function, keyed by receiver."""

    gets: dict[str, list[ast.Call]] = field(default_factory=dict)
    sets: dict[str, list[ast.Call]] = field(default_factory=dict)
    untimed: list[tuple[str, ast.Call]] = field(default_factory=list)
    expired: set[str] = field(default_factory=set)
    locked: bool = False


class CachingRules(RuleFamily):
    rules = (CACHE_NO_TTL, CACHE_STAMPEDE)

    def __init__(self, walk: Walk) -> None:
        super().__init__(walk)
        self._uses: dict[int, _Uses] = {}

    def _kind(self, recv: ast.expr) -> str | None:
        name = self.walk.qualname(recv) or ""
        if isinstance(recv, ast.Subscript):
            name = self.walk.qualname(recv.value) or ""
        if name.startswith(DJANGO_CACHES):
            return "django"
        ctor = constructor(self.walk, recv)
        if ctor in REDIS_CLIENTS:
            return "redis"
        return None

    def on_call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in CACHE_METHODS:
            return
        function = self.walk.function
        if function is None:
            return
        method = func.attr
        kind = self._kind(func.value)
        if kind is None:
            return
        uses = self._uses.setdefault(id(function.node), _Uses())
        recv = ast.dump(func.value)
        if method in LOCK_METHODS or (method == "set" and keyword(node, "nx") is not None):
            uses.locked = True
        elif method.endswith(("expire", "expireat")):
            uses.expired.add(recv)
        elif method == "get" and node.args:
            uses.gets.setdefault(recv, []).append(node)
        elif method == "set" and len(node.args) >= 1:
            uses.sets.setdefault(recv, []).append(node)
            if not has_splat(node) and _no_ttl(kind, node):
                uses.untimed.append((recv, node))

    def on_function_exit(self, frame: Frame) -> None:
        uses = self._uses.pop(id(frame.node), None)
        if uses is None:
            return
        for recv, node in uses.untimed:
            if recv not in uses.expired:
                emit_in(self.walk, CACHE_NO_TTL, node, frame, "cache entry written with no expiry")
        if uses.locked or self.walk.context is not CodeContext.HANDLER:
            return
        for recv, sets in uses.sets.items():
            for write in sets:
                read = _same_key_read(uses.gets.get(recv, []), write)
                if read is not None:
                    emit_in(
                        self.walk,
                        CACHE_STAMPEDE,
                        read,
                        frame,
                        "cache miss recomputed with no lock or early refresh",
                        related=(write,),
                    )
                    break


def _no_ttl(kind: str, node: ast.Call) -> bool:
    if kind == "redis":
        return len(node.args) < 3 and all(keyword(node, k) is None for k in REDIS_TTL_KEYWORDS)
    timeout = keyword(node, "timeout")
    if timeout is not None:
        return is_none(timeout.value)
    return len(node.args) >= 3 and is_none(node.args[2])


def _same_key_read(reads: list[ast.Call], write: ast.Call) -> ast.Call | None:
    key = ast.dump(write.args[0])
    for read in reads:
        if read.lineno < write.lineno and ast.dump(read.args[0]) == key and dotted(read.args[0]) != "":
            return read
    return None
