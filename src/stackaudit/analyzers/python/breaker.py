"""One dependency called from several request handlers, with no circuit breaker in the module.

The unit is the dependency (a client object, or a base URL), not the call: one finding per
dependency, listing the handlers that reach it directly or through a helper in the same module.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from stackaudit.analyzers.python.clients import Lib, classify
from stackaudit.analyzers.python.deferred import emit_in
from stackaudit.analyzers.python.family import Frame, RuleFamily
from stackaudit.analyzers.python.names import dotted, keyword, string_value
from stackaudit.model import Category, Confidence, RuleMeta, Severity

if TYPE_CHECKING:
    from stackaudit.analyzers.python.walker import Walk

NO_CIRCUIT_BREAKER = RuleMeta(
    id="scale.no-circuit-breaker",
    title="Dependency shared by several handlers with no circuit breaker",
    category=Category.SCALABILITY,
    severity=Severity.MEDIUM,
    impact=6,
    likelihood=4,
    effort=1,
    confidence=Confidence.MEDIUM,
    fix="Wrap the client in a circuit breaker (pybreaker, aiobreaker, purgatory) so that a "
    "failing dependency fails fast for every handler.",
    doc="""
    Finds an outbound dependency (one client object such as ``self.session`` or a module-level
    ``httpx.Client``, or one base URL such as ``f"{PAYMENTS_URL}/..."``) that two or more
    request handlers of the module call, directly or through a helper function of the same
    module, in a module with no circuit breaker (no ``pybreaker``, ``aiobreaker``,
    ``purgatory`` or ``circuitbreaker`` import, no ``tenacity`` retry with a ``stop=``).
    One finding per dependency, at its first call, naming the handlers.

    Why it matters: when the dependency slows down, every handler that calls it waits for
    its timeout, holding a worker each; with several handlers on it the whole pool drains and
    unrelated endpoints stop answering. A breaker notices the failures and fails fast (or
    serves a fallback) until the dependency recovers.

    Example::

        @app.get("/orders/<oid>/price")
        def price(oid): return http.get(f"{PRICING}/quote/{oid}", timeout=5).json()

        @app.post("/cart/checkout")
        def checkout(): return http.post(f"{PRICING}/lock", json=..., timeout=5).json()

    Fix: ``pricing_breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=30)`` and
    ``pricing_breaker.call(http.get, ...)`` (or ``@pricing_breaker`` on a helper), with a
    fallback response when the breaker is open.
    """,
)

CLIENT_ROOTS = frozenset({"requests", "httpx", "aiohttp", "urllib", "urllib2", "boto3"})
BREAKER_ROOTS = frozenset({"pybreaker", "aiobreaker", "purgatory", "circuitbreaker", "breaker_box"})


@dataclass(slots=True)
class _Function:
    frame: Frame
    handler: str | None  # qualname when a request handler
    deps: dict[str, ast.Call] = field(default_factory=dict)  # dependency -> first call
    calls: set[str] = field(default_factory=set)  # local function names called


class BreakerRules(RuleFamily):
    rules = (NO_CIRCUIT_BREAKER,)

    def __init__(self, walk: Walk) -> None:
        super().__init__(walk)
        self._functions: dict[int, _Function] = {}
        self._by_name: dict[str, list[_Function]] = {}
        self._protected = False

    def on_function_enter(self, frame: Frame) -> None:
        route = frame.route
        handler = frame.qualname if route is not None and route.framework != "celery" else None
        record = _Function(frame, handler)
        self._functions[id(frame.node)] = record
        node = frame.node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self._by_name.setdefault(node.name, []).append(record)

    def on_call(self, node: ast.Call) -> None:
        name = self.walk.qualname(node.func) or ""
        breaker = name.split(".", 1)[0] in BREAKER_ROOTS or "breaker" in name.lower()
        if breaker or (name.startswith("tenacity.") and keyword(node, "stop") is not None):
            self._protected = True
        function = self.walk.function
        if function is None or not self.walk.imports.roots & CLIENT_ROOTS:
            return  # nothing imported that makes outbound calls: no dependency to track
        record = self._functions.get(id(function.node))
        if record is None:
            return
        callee = dotted(node.func) or ""
        if callee:
            record.calls.add(callee.removeprefix("self.").removeprefix("cls."))
        outbound = classify(self.walk, node)
        if outbound is None or outbound.lib is Lib.SYNC_DB:
            return  # a database is not what a breaker guards here (pools and timeouts do)
        local = outbound.client is not None and outbound.client.split(".", 1)[0] in function.assigns
        dep = self._host(node) if outbound.client is None or local else f"client {outbound.client}"
        if dep is not None:
            record.deps.setdefault(dep, node)

    def _host(self, node: ast.Call) -> str | None:
        """The base URL of a call (module function, or a client local to one function, whose
        name says nothing across handlers): a literal's host, or the name an f-string starts with."""
        given = keyword(node, "url")
        url = node.args[0] if node.args else (given.value if given is not None else None)
        if url is None:
            return None
        url = self.walk.resolve(url)
        text = string_value(url)
        if text:
            host = urlsplit(text).netloc
            return f"host {host}" if host else None
        if isinstance(url, ast.JoinedStr) and url.values:
            first = url.values[0]
            if isinstance(first, ast.FormattedValue):
                base = dotted(first.value)
                return f"base URL {base}" if base else None
            head = string_value(first)
            host = urlsplit(head).netloc if head else ""
            return f"host {host}" if host else None
        return None

    def finish(self) -> None:
        if self._protected:
            return
        reached: dict[str, dict[str, tuple[ast.Call, Frame]]] = {}
        for record in self._functions.values():
            if record.handler is None:
                continue
            for dep, call, frame in self._reach(record):
                reached.setdefault(dep, {}).setdefault(record.handler, (call, frame))
        for dep, handlers in reached.items():
            if len(handlers) < 2:
                continue
            call, frame = min(handlers.values(), key=lambda cf: (cf[0].lineno, cf[0].col_offset))
            names = ", ".join(sorted(handlers))
            emit_in(
                self.walk,
                NO_CIRCUIT_BREAKER,
                call,
                frame,
                f"{dep} is called from {len(handlers)} handlers ({names}) with no circuit breaker",
            )

    def _reach(self, record: _Function) -> list[tuple[str, ast.Call, Frame]]:
        """Dependencies of a handler: its own calls, and those of local helpers (two levels)."""
        found = [(dep, call, record.frame) for dep, call in record.deps.items()]
        seen = {id(record)}
        frontier = [record]
        for _ in range(2):
            nxt: list[_Function] = []
            for current in frontier:
                for callee in current.calls:
                    for helper in self._by_name.get(callee.rsplit(".", 1)[-1], []):
                        if id(helper) in seen or helper.handler is not None:
                            continue
                        seen.add(id(helper))
                        nxt.append(helper)
                        found.extend((dep, call, helper.frame) for dep, call in helper.deps.items())
            frontier = nxt
        return found
