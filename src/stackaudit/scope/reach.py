"""What an audit needs from the service map, small enough to cache between runs.

``attach.py`` asks the map two things about a finding's place: which function holds this line,
and which endpoints reach that function (its own, or those of the handlers that alone call it).
Building the map parses every service file and walks the call graph: 0.2 to 3.4 s per audit on
real services. ``ReachTable`` holds the answers for every function they can be non-empty for;
the audit caches it in the store, keyed by the content of every file the map reads and by the
map's own code, so an unchanged re-audit does not rebuild it and any edit to either does.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from stackaudit.scope.model import Endpoint, ServiceMap
from stackaudit.storage.fastcodec import from_payload, to_payload

FORMAT = "1"


@dataclass(frozen=True, slots=True)
class FuncSpan:
    """A function's lines, as ``Index.func_at`` compares them."""

    ref: str
    start: int  # its first decorator's line, or the ``def`` line
    line: int  # the ``def`` line
    end: int


@dataclass(frozen=True, slots=True)
class ReachTable:
    """``endpoints`` of the map; the functions of every file where some function has an endpoint
    (in the map's order, so "innermost" ties break the same way); each such function's roots."""

    endpoints: tuple[Endpoint, ...] = ()
    files: tuple[tuple[str, tuple[FuncSpan, ...]], ...] = ()
    roots: tuple[tuple[str, tuple[str, ...]], ...] = ()  # function ref -> handlers that alone call it
    service_map: ServiceMap | None = None  # the map itself, drawn by the reports and the dashboard


class CachedScope:
    """A ``ReachTable`` answering the questions ``attach.Attacher`` asks a ``build.Scope``:
    ``endpoints``, ``index.func_at`` and ``graph.only_from`` (itself serves as both)."""

    def __init__(self, table: ReachTable) -> None:
        self.table = table
        self.endpoints = table.endpoints
        self._files = dict(table.files)
        self._roots = {ref: set(found) for ref, found in table.roots}
        self._handlers = {e.handler.ref for e in table.endpoints}
        self.index = self
        self.graph = self

    def func_at(self, path: str, line: int) -> FuncSpan | None:
        best: FuncSpan | None = None
        for span in self._files.get(path, ()):
            if span.start <= line <= span.end and (best is None or span.line >= best.line):
                best = span
        return best

    def only_from(self, ref: str, roots: set[str]) -> set[str] | None:
        if roots != self._handlers:
            raise ValueError("a cached service map answers only for its own handlers")
        found = self._roots.get(ref)
        return set(found) if found else None


def table_of(scope: object) -> ReachTable:
    """The answers of a built ``build.Scope`` (typed loosely: build imports this module)."""
    from stackaudit.scope.build import Scope

    assert isinstance(scope, Scope)
    handlers = {e.handler.ref for e in scope.endpoints}
    roots: dict[str, tuple[str, ...]] = {}
    for ref in _below(scope.graph.calls, handlers):
        found = scope.graph.only_from(ref, handlers)
        if found:
            roots[ref] = tuple(sorted(found))
    wanted = {scope.graph.funcs[ref].path for ref in (*roots, *handlers) if ref in scope.graph.funcs}
    wanted |= {e.handler.path for e in scope.endpoints}
    files = []
    for path in sorted(wanted):
        mod = scope.index.by_path.get(path)
        if mod is not None:
            files.append((path, tuple(_span(f.ref, f.node) for f in mod.funcs.values())))
    return ReachTable(scope.endpoints, tuple(files), tuple(sorted(roots.items())), scope.service_map())


def _span(ref: str, node: object) -> FuncSpan:
    import ast

    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    end = node.end_lineno or node.lineno
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return FuncSpan(ref, start, node.lineno, end)


def _below(calls: dict[str, list[str]], starts: set[str]) -> set[str]:
    """Every function the handlers reach, at any depth: only they can have handler roots."""
    seen = set(starts)
    queue = deque(starts)
    while queue:
        for callee in calls.get(queue.popleft(), []):
            if callee not in seen:
                seen.add(callee)
                queue.append(callee)
    return seen


@cache
def code_version() -> str:
    """The map's own code: a change to any module of ``scope/`` makes every cached table stale."""
    digest = hashlib.blake2b(FORMAT.encode(), digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def encode_table(table: ReachTable) -> bytes:
    return to_payload(table)


def decode_table(payload: bytes) -> ReachTable | None:
    """None for a payload this version cannot read: a miss, rebuilt and replaced."""
    return from_payload(ReachTable, payload)
