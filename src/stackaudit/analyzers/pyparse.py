"""Parse Python files for repository analyzers: once per file per process, shared read-only.

Most repository analyzers read every Python file (taint, tenant, rate-limit, audit trail, the
service map…), and each used to parse it again: on Django that was four to six parses of every
file. ``ParsedModules`` is the one parse: the engine creates one per audit and hands it to every
repository analyzer through ``RepoContext.parsed``; the first analyzer that asks parses, the others
get the same tree. Trees are shared, so analyzers must treat them as read-only (none of ours sets
attributes on nodes or rewrites them; tests/analyzers/test_pyparse.py checks it).

A cache lives in one process: pickled to a worker it arrives empty (trees are bigger to send than
to parse), and the runner gives the CPU-bound analyzers one worker together so they share it there.
A hit needs the same path *and* the same source (compared in full, not by a hash): an analyzer
that decodes a file differently still gets the tree of what it read.
"""

from __future__ import annotations

import ast
import gc
import os
import threading
import warnings
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


def _parse(source: str | bytes, path: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes are the audited project's, not ours
        return ast.parse(source, filename=path)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic GC off for the block (restored after). Parsed trees are millions of acyclic
    nodes that reference counting frees: every collection while they are alive rescans them all
    and finds nothing (measured: about half of taint's run time on Django)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _budget() -> int:
    """Source bytes whose trees are kept: ``STACKAUDIT_TREE_BUDGET_MB`` (default 2 MB of source,
    about 70 MB of trees)."""
    try:
        return int(float(os.environ.get("STACKAUDIT_TREE_BUDGET_MB", "2")) * 1_000_000)
    except ValueError:
        return 2_000_000


class ParsedModules:
    """Path + source → the module's tree (or the error its parse raised), parsed once.

    Thread-safe: repository analyzers on threads share it. ``ast.parse`` holds the GIL, so
    one lock around parsing costs no parallelism and means no file is parsed twice at once.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, bool], tuple[str | bytes, ast.Module | BaseException]] = {}
        self._lock = threading.Lock()
        self.parses = 0
        self.hits = 0
        # Set by the engine while the last analyzer of a worker runs: ``forget`` frees trees
        # then (before, or with analyzers on threads, another reader may still need them).
        self.last_reader = False
        # False once the trees are only lent on (to the file analyzers of the worker that
        # parsed them, engine/groups.py): a miss is parsed for its caller, not kept.
        self.keep_new = True
        # Trees take about 35 times their source in memory: a repository's worth of them is most
        # of a run's peak. Past this much source, a tree is parsed for its caller and not kept
        # (a later reader parses it again: CPU for memory).
        self.budget = _budget()
        self._kept = 0

    def __reduce__(self) -> tuple[type[ParsedModules], tuple[()]]:
        """Another process gets an empty cache of its own (see the module docstring)."""
        return (ParsedModules, ())

    def parse(self, source: str | bytes, path: str) -> ast.Module:
        """``ast.parse(source, filename=path)`` with warnings silenced; raises what it raises
        (SyntaxError, ValueError, RecursionError, MemoryError), again for every caller."""
        key = (path, isinstance(source, bytes))
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == source:
                self.hits += 1
                outcome = entry[1]
            else:
                self.parses += 1
                try:
                    outcome = _parse(source, path)
                except PARSE_ERRORS as exc:
                    outcome = exc
                if entry is not None:  # the same path with other content: the old tree goes
                    del self._entries[key]
                    self._kept -= len(entry[0])
                if self.keep_new and self._kept + len(source) <= self.budget:
                    self._entries[key] = (source, outcome)
                    self._kept += len(source)
        if isinstance(outcome, BaseException):
            raise outcome.with_traceback(None)
        return outcome

    def quietly(self, source: str | bytes, path: str) -> ast.Module | None:
        """The tree, or None for a file that does not parse."""
        try:
            return self.parse(source, path)
        except PARSE_ERRORS:
            return None

    def peek(self, source: str | bytes, path: str) -> ast.Module | None:
        """The tree if this source is already parsed, without parsing (nor keeping) it."""
        with self._lock:
            entry = self._entries.get((path, isinstance(source, bytes)))
        if entry is None or entry[0] != source or isinstance(entry[1], BaseException):
            return None
        return entry[1]

    def forget(self, source: str | bytes, path: str) -> None:
        """Drop one tree when the last analyzer to read it does not keep it (memory, not speed)."""
        if not self.last_reader:
            return
        with self._lock:
            key = (path, isinstance(source, bytes))
            entry = self._entries.get(key)
            if entry is not None and entry[0] == source:
                del self._entries[key]
                self._kept -= len(source)

    def clear(self) -> None:
        """Release every tree (the memory of a large repository's trees is most of a run's)."""
        with self._lock:
            self._entries.clear()
            self._kept = 0


# Fields that hold statements (or the handlers and match cases whose bodies do), per node class
# in its own field order: ``ast.walk`` visits a node's children in that order. Only for nodes that
# hold statements (a lambda's or an ``x if c else y``'s ``body`` is an expression).
_STATEMENT_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {
    kind: tuple(f for f in kind._fields if f in ("body", "orelse", "finalbody", "handlers", "cases"))
    for kind in vars(ast).values()
    if isinstance(kind, type) and issubclass(kind, ast.mod | ast.stmt | ast.excepthandler | ast.match_case)
}


def statement_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes ``ast.walk(node)`` yields that are statements or hold statements (the node,
    statements, except handlers, match cases), in the same order, without visiting expressions.

    ``ast.walk`` is breadth-first, and no expression holds a statement, so leaving expressions out
    keeps every statement at its depth and in its order. A search for definitions (classes,
    functions) this way visits a small part of the tree (a lambda's body is an expression).
    """
    todo = deque([node])
    while todo:
        current = todo.popleft()
        for name in _STATEMENT_FIELDS.get(type(current), ()):
            todo.extend(getattr(current, name, ()))
        yield current


def parse_quietly(text: str, path: str, parsed: ParsedModules | None = None) -> ast.Module | None:
    """The module's tree, or None for a syntax error, NUL bytes, or nesting too deep to parse.
    Warnings (invalid escape sequences) are the audited project's, not ours: silenced."""
    if parsed is not None:
        return parsed.quietly(text, path)
    try:
        return _parse(text, path)
    except PARSE_ERRORS:
        return None
