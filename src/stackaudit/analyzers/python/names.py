"""Small AST helpers: dotted names, import aliases, keyword lookup, constant iterables.

Nothing here imports or runs audited code: it reads syntax trees only.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

CHAIN_DEPTH = 8  # how far a variable chain is followed (x = y; y = z …)


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None (calls, subscripts …)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class Imports:
    """What each imported local name stands for: ``rq`` -> ``requests``, ``get`` -> ``requests.get``."""

    __slots__ = ("aliases", "roots")

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.roots: set[str] = set()  # top-level packages imported anywhere in the file

    def add(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            self.roots.update(alias.name.split(".", 1)[0] for alias in node.names)
            for alias in node.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    head = alias.name.split(".", 1)[0]
                    self.aliases[head] = head
            return
        if node.level or not node.module:
            return  # relative imports are the project's own code
        self.roots.add(node.module.split(".", 1)[0])
        for alias in node.names:
            if alias.name != "*":
                self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def resolve(self, name: str) -> str:
        """Replace the first segment by what it was imported as (unknown names stay)."""
        head, dot, rest = name.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return name
        return f"{target}{dot}{rest}"

    def qualname(self, node: ast.expr) -> str | None:
        name = dotted(node)
        return None if name is None else self.resolve(name)


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw
    return None


def has_splat(call: ast.Call) -> bool:
    """``f(**options)`` or ``f(*args)``: we cannot see every argument."""
    return any(kw.arg is None for kw in call.keywords) or any(
        isinstance(arg, ast.Starred) for arg in call.args
    )


def is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def is_constant(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp):
        return is_constant(node.operand)
    if isinstance(node, ast.Tuple):
        return all(is_constant(elt) for elt in node.elts)
    return False


# A loop over a display of at most this many values runs a fixed, small number of times: one
# query per item there is a handful of queries, not N+1 (judged false on real apps).
FIXED_LOOP_MAX = 5


_ITERABLE_DEPTH = 8  # wrappers followed (sorted(list(x))): ``x = sorted(x)`` resolves to itself for ever


def is_constant_iterable(
    node: ast.expr, resolve: Callable[[ast.expr], ast.expr] | None = None, depth: int = 0
) -> bool:
    """A loop over literals (``("a", "b")``, ``range(3)``, ``"abc"``, a module constant's
    ``.items()``) is not data-driven. ``resolve`` follows names to their assigned values."""
    if depth > _ITERABLE_DEPTH:
        return False  # a name re-bound from itself (``x = sorted(x)``): nothing constant found
    follow = resolve or (lambda n: n)
    node = follow(node)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        if len(node.elts) <= FIXED_LOOP_MAX and not any(isinstance(e, ast.Starred) for e in node.elts):
            return True  # ``for step in (self.info, self.profile)``: a handful of values, written out
        return all(is_constant(follow(elt)) for elt in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and is_constant(k) for k in node.keys)
    if isinstance(node, ast.Constant):
        return True
    table_view = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args
    if table_view and node.func.attr in {"items", "keys", "values"}:  # type: ignore[attr-defined]
        return is_constant_iterable(node.func.value, resolve, depth + 1)  # type: ignore[attr-defined]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "range" and node.args and all(is_constant(follow(a)) for a in node.args):
            return True
        if node.func.id in {"enumerate", "sorted", "reversed", "tuple", "list"} and node.args:
            return is_constant_iterable(node.args[0], resolve, depth + 1)
    return False


_CHUNKER = re.compile(r"(?i)(chunk|batch|partition|slices?$|pages?$|windows?$)")


def is_chunked_iterable(node: ast.expr) -> bool:
    """``range(0, n, size)`` or ``chunks(items)`` / ``itertools.batched(items, n)``: a loop
    over batches, where one statement per batch is the batching fix, not an N+1."""
    if not isinstance(node, ast.Call):
        return False
    if isinstance(node.func, ast.Name) and node.func.id == "range" and len(node.args) == 3:
        return True
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    return bool(_CHUNKER.search(name))


def call_chain(node: ast.expr) -> Iterator[ast.Call | ast.Attribute | ast.Subscript]:
    """Walk a fluent chain from the outside in: ``a.b(x).c()[0:5]`` yields the subscript, calls
    and attributes down to the root name."""
    current: ast.expr | None = node
    while current is not None:
        if isinstance(current, ast.Call):
            yield current
            current = current.func
        elif isinstance(current, ast.Attribute | ast.Subscript):
            yield current
            current = current.value
        elif isinstance(current, ast.Await):
            current = current.value
        else:
            current = None


def chain_methods(node: ast.expr) -> list[str]:
    """The attribute names along a fluent chain, outermost first."""
    return [link.attr for link in call_chain(node) if isinstance(link, ast.Attribute)]


def chain_root(node: ast.expr) -> ast.expr:
    current = node
    while isinstance(current, ast.Call | ast.Attribute | ast.Subscript | ast.Await):
        current = current.func if isinstance(current, ast.Call) else current.value
    return current


def method_name(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def receiver(call: ast.Call) -> ast.expr | None:
    return call.func.value if isinstance(call.func, ast.Attribute) else None


def string_value(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


RETRY_WORDS = ("attempt", "retr", "tries", "try")


def is_retry_range(target: ast.expr, iterable: ast.expr) -> bool:
    """``for attempt in range(n)`` / ``for _ in range(n)``: a retry counter, not a loop over data."""
    if not (
        isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "range"
    ):
        return False
    if not isinstance(target, ast.Name):
        return False
    name = target.id.lower()
    return name.strip("_") == "" or any(word in name for word in RETRY_WORDS)
