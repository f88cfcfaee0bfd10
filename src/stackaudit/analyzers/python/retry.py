"""Retry loops without backoff or without a cap."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from stackaudit.analyzers.python.family import Loop, RuleFamily
from stackaudit.analyzers.python.names import dotted
from stackaudit.model import Category, Confidence, RuleMeta, Severity

RETRY_WITHOUT_BACKOFF = RuleMeta(
    id="scale.retry-without-backoff",
    title="Retry loop without backoff or without a cap",
    category=Category.SCALABILITY,
    severity=Severity.MEDIUM,
    impact=6,
    likelihood=5,
    effort=0.5,
    confidence=Confidence.MEDIUM,
    fix="Sleep with exponential backoff and jitter between attempts, and stop after a few "
    "attempts (or use tenacity / urllib3 Retry / backoff).",
    doc="""
    Finds hand-written retry loops (``while True`` / ``while cond`` / ``for attempt in
    range(n)`` around a ``try`` whose ``except`` swallows the failure and loops again) that
    call something remote but never sleep between attempts, or that can retry forever
    (``while True`` with no attempt counter compared against a limit).

    Why it matters: when a dependency is struggling, instant retries multiply its load by the
    number of clients and attempts (a retry storm) and keep it down; an uncapped loop never
    reports the failure and holds its worker forever.

    Example::

        while True:
            try:
                return requests.post(url, json=body, timeout=5)
            except requests.RequestException:
                continue

    Fix: ``for attempt in range(5): ... time.sleep(min(30, 0.5 * 2 ** attempt) *
    random.random())`` then raise; or ``tenacity.retry(wait=wait_exponential_jitter(),
    stop=stop_after_attempt(5))``.
    """,
)

NETWORK_WORDS = frozenset(
    {
        "connect",
        "send",
        "request",
        "post",
        "get",
        "put",
        "fetch",
        "call",
        "publish",
        "charge",
        "urlopen",
        "execute",
        "query",
        "download",
        "upload",
        "invoke",
        "ping",
        "recv",
        "delete",
        "patch",
        "submit",
    }
)
BACKOFF_WORDS = frozenset({"sleep", "backoff", "wait"})
WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
EXITS = (ast.Raise, ast.Return, ast.Break)
POLL_EXCEPTIONS = ("Empty", "QueueEmpty", "StopIteration")
CLOCK = "<clock>"  # a deadline comparison caps a loop like an attempt counter does
CLOCKS = ("time.", "monotonic", "perf_counter", "datetime.", "loop.time")
DEADLINE_WORDS = ("deadline", "until", "expire", "end_time", "timeout")


@dataclass(slots=True)
class _Facts:
    retry_try: ast.Try | None = None
    exits: bool = False  # a break/return leaves the loop on success
    backoff: bool = False
    counters: set[str] = field(default_factory=set)
    compared: set[str] = field(default_factory=set)


def _own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes of a loop body, not descending into nested functions, classes or loops."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _call_words(call: ast.Call) -> set[str]:
    """Words of the callee's last name: ``post_json`` -> {post, json}; ``fetchData`` -> {fetch, data}."""
    name = dotted(call.func) or (call.func.attr if isinstance(call.func, ast.Attribute) else "")
    return {w.lower() for w in WORD.findall(name.rsplit(".", 1)[-1])}


def _swallows(handler: ast.ExceptHandler) -> bool:
    """The handler lets the loop go round again after a failure (does not always
    raise/return/break). ``except queue.Empty`` is a poll loop, not a failure."""
    caught = [handler.type] if not isinstance(handler.type, ast.Tuple) else handler.type.elts
    if all(n is not None and (dotted(n) or "").endswith(POLL_EXCEPTIONS) for n in caught):
        return False
    return not any(isinstance(stmt, EXITS) for stmt in handler.body)


def _retries(try_node: ast.Try) -> bool:
    """Success leaves the loop from inside the try, or a handler explicitly goes round again."""
    for stmt in (*try_node.body, *try_node.orelse):
        if any(isinstance(n, ast.Return | ast.Break) for n in _own_nodes([stmt])):
            return True
    return any(isinstance(n, ast.Continue) for h in try_node.handlers for n in _own_nodes(h.body))


def _remote(try_node: ast.Try) -> bool:
    """The try calls something remote. A lambda's body is not called there (a sort key), and a
    mapping read (``item.get("key", 0)``) is not a request."""
    stack: list[ast.AST] = list(try_node.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Call) and _call_words(node) & NETWORK_WORDS and not _mapping_read(node):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def _mapping_read(call: ast.Call) -> bool:
    """``d.get("k")`` / ``d.get(k, default)``: a key and maybe a default, not a URL."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "get") or call.keywords:
        return False
    key = call.args[0] if call.args else None
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return "/" not in key.value  # requests.get("https://…"), session.get("/health")
    return len(call.args) == 2


def _facts(body: list[ast.stmt]) -> _Facts:
    facts = _Facts()
    for node in _own_nodes(body):
        if isinstance(node, ast.Try) and facts.retry_try is None:
            if any(_swallows(h) for h in node.handlers) and _retries(node) and _remote(node):
                facts.retry_try = node
        elif isinstance(node, ast.Return | ast.Break):
            facts.exits = True
        elif isinstance(node, ast.Call):
            facts.backoff = facts.backoff or bool(_call_words(node) & BACKOFF_WORDS)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            facts.counters.add(node.target.id)
        elif isinstance(node, ast.Compare):
            facts.compared.update(_compared_names(node))
    return facts


def _compared_names(node: ast.Compare) -> Iterator[str]:
    """Names in a comparison; a clock or deadline compared counts as the counter ``<clock>``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            yield sub.id
            if any(word in sub.id.lower() for word in DEADLINE_WORDS):
                yield CLOCK
        elif isinstance(sub, ast.Call) and (dotted(sub.func) or "").startswith(CLOCKS):
            yield CLOCK


def _forever(node: ast.While) -> bool:
    return isinstance(node.test, ast.Constant) and bool(node.test.value)


def _is_range(loop: Loop) -> bool:
    it = loop.iter
    return isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"


class RetryRules(RuleFamily):
    rules = (RETRY_WITHOUT_BACKOFF,)

    def on_loop_exit(self, loop: Loop) -> None:
        node = loop.node
        if isinstance(node, ast.While):
            forever = _forever(node)
        elif isinstance(node, ast.For | ast.AsyncFor) and _is_range(loop):
            forever = False
        else:
            return
        facts = _facts(node.body)
        if facts.retry_try is None or not facts.exits:
            return
        capped = not forever or bool((facts.counters | {CLOCK}) & facts.compared)
        problems = [
            text
            for text, bad in (("no backoff between attempts", not facts.backoff), ("no cap", not capped))
            if bad
        ]
        if problems:
            self.walk.emit(
                RETRY_WITHOUT_BACKOFF,
                node,
                f"retry loop with {' and '.join(problems)}",
                snippet=self.walk.header(node),
                related=(facts.retry_try,),
            )
