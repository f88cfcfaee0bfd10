"""A small control-flow graph per function body, built from ``ast`` once.

Blocks hold simple statements (assignments, calls, returns, nested ``def``s) and a few
synthetic instructions for what compound statements do between blocks (bind a loop
element, a ``with`` target, a ``match`` capture, an ``except … as`` name). A block may end
in a condition (``test``) whose true and false successors the fixpoint refines with the
guards. ``return``/``raise``/``abort()`` end a block when they run (the interpreter says
so), so they need no edges; ``break``/``continue`` are edges. Every block inside a ``try``
body has an exceptional successor, the handler dispatch, which receives the state at the
block's end; the try's entry state flows there too.

Why our own: the CFG libraries on PyPI (staticfg, python-graphs) build graphs for
drawing, without the per-edge conditions and the exceptional edges the taint fixpoint
needs, and are not kept up with the grammar.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Evaluate:
    """Evaluate ``expr`` once and keep it under the hidden name ``slot`` (a loop's iterable)."""

    expr: ast.expr
    slot: str


@dataclass(frozen=True, slots=True)
class BindElement:
    """``for target in <slot>``: bind one element of the iterable kept in ``slot``."""

    target: ast.expr
    slot: str
    node: ast.AST


@dataclass(frozen=True, slots=True)
class BindCapture:
    """``case <pattern>:`` binds every capture name to what the subject may hold."""

    pattern: ast.pattern
    slot: str


@dataclass(frozen=True, slots=True)
class BindWith:
    item: ast.withitem


@dataclass(frozen=True, slots=True)
class BindExcept:
    name: str


Instr = ast.stmt | Evaluate | BindElement | BindCapture | BindWith | BindExcept


@dataclass(slots=True)
class Block:
    index: int
    instrs: list[Instr] = field(default_factory=list)
    nexts: list[int] = field(default_factory=list)  # unconditional successors
    test: ast.expr | None = None  # when set: on_true / on_false successors
    on_true: int = -1
    on_false: int = -1
    exc: list[int] = field(default_factory=list)  # exceptional successors
    loop_head: bool = False


@dataclass(slots=True)
class Graph:
    blocks: list[Block]
    entry: int
    exit: int  # reached by falling off the end of the body


class _Builder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.loops: list[tuple[int, int]] = []  # (head, after) for continue / break
        self.handlers: list[int] = []  # innermost handler dispatch last
        self.slots = 0

    def new(self) -> Block:
        block = Block(len(self.blocks))
        if self.handlers:
            block.exc.append(self.handlers[-1])
        self.blocks.append(block)
        return block

    def slot(self, kind: str) -> str:
        self.slots += 1
        return f"${kind}{self.slots}"  # not a Python name: never clashes with the code's own

    def seq(self, stmts: list[ast.stmt], cur: Block) -> Block:
        for stmt in stmts:
            cur = self.stmt(stmt, cur)
        return cur

    def stmt(self, stmt: ast.stmt, cur: Block) -> Block:
        method = _COMPOUND.get(type(stmt))
        if method is not None:
            return method(self, stmt, cur)
        cur.instrs.append(stmt)
        return cur

    def link(self, a: Block, b: Block) -> None:
        a.nexts.append(b.index)

    def _if(self, stmt: ast.stmt, cur: Block) -> Block:
        assert isinstance(stmt, ast.If)
        body = self.new()
        orelse = self.new() if stmt.orelse else None
        after = self.new()
        false_target = orelse if orelse is not None else after  # no else: the false edge joins directly
        cur.test, cur.on_true, cur.on_false = stmt.test, body.index, false_target.index
        self.link(self.seq(stmt.body, body), after)
        if orelse is not None:
            self.link(self.seq(stmt.orelse, orelse), after)
        return after

    def _while(self, stmt: ast.stmt, cur: Block) -> Block:
        assert isinstance(stmt, ast.While)
        head, body, orelse, after = self.new(), self.new(), self.new(), self.new()
        head.loop_head = True
        self.link(cur, head)
        head.test, head.on_true, head.on_false = stmt.test, body.index, orelse.index
        self._loop_body(stmt.body, body, head, after)
        self.link(self.seq(stmt.orelse, orelse), after)
        return after

    def _for(self, stmt: ast.stmt, cur: Block) -> Block:
        assert isinstance(stmt, ast.For | ast.AsyncFor)
        slot = self.slot("iter")
        cur.instrs.append(Evaluate(stmt.iter, slot))
        head, body, orelse, after = self.new(), self.new(), self.new(), self.new()
        head.loop_head = True
        self.link(cur, head)
        self.link(head, body)
        self.link(head, orelse)
        body.instrs.append(BindElement(stmt.target, slot, stmt))
        self._loop_body(stmt.body, body, head, after)
        self.link(self.seq(stmt.orelse, orelse), after)
        return after

    def _loop_body(self, stmts: list[ast.stmt], body: Block, head: Block, after: Block) -> None:
        self.loops.append((head.index, after.index))
        end = self.seq(stmts, body)
        self.loops.pop()
        self.link(end, head)

    def _jump(self, stmt: ast.stmt, cur: Block) -> Block:
        if self.loops:
            head, after = self.loops[-1]
            cur.nexts.append(after if isinstance(stmt, ast.Break) else head)
        return self.new()  # what follows a jump in the same list is unreachable

    def _with(self, stmt: ast.stmt, cur: Block) -> Block:
        assert isinstance(stmt, ast.With | ast.AsyncWith)
        cur.instrs.extend(BindWith(item) for item in stmt.items)
        return self.seq(stmt.body, cur)

    def _try(self, stmt: ast.stmt, cur: Block) -> Block:
        assert isinstance(stmt, ast.Try | ast.TryStar)
        dispatch = self.new()
        self.link(cur, dispatch)  # an exception before the body's first block ends
        self.handlers.append(dispatch.index)
        body = self.new()
        self.link(cur, body)
        end = self.seq(stmt.body, body)
        self.handlers.pop()
        after = self.new()
        self.link(self.seq(stmt.orelse, end), after)
        for handler in stmt.handlers:
            start = self.new()
            self.link(dispatch, start)
            if handler.name:
                start.instrs.append(BindExcept(handler.name))
            self.link(self.seq(handler.body, start), after)
        if not stmt.finalbody:
            return after
        raised = self.new()  # the finally block on the way out of an exception nobody caught
        self.link(dispatch, raised)
        self.seq(stmt.finalbody, raised)
        return self.seq(stmt.finalbody, after)

    def _match(self, stmt: ast.stmt, cur: Block) -> Block:
        assert isinstance(stmt, ast.Match)
        slot = self.slot("subject")
        cur.instrs.append(Evaluate(stmt.subject, slot))
        after = self.new()
        for case in stmt.cases:
            start = self.new()
            self.link(cur, start)
            start.instrs.append(BindCapture(case.pattern, slot))
            self.link(self.seq(case.body, start), after)
        self.link(cur, after)  # no case matched
        return after


_COMPOUND = {
    ast.If: _Builder._if,
    ast.While: _Builder._while,
    ast.For: _Builder._for,
    ast.AsyncFor: _Builder._for,
    ast.Break: _Builder._jump,
    ast.Continue: _Builder._jump,
    ast.With: _Builder._with,
    ast.AsyncWith: _Builder._with,
    ast.Try: _Builder._try,
    ast.TryStar: _Builder._try,
    ast.Match: _Builder._match,
}


def build(stmts: list[ast.stmt]) -> Graph:
    """The control-flow graph of a statement list (a function body, a module's top level)."""
    builder = _Builder()
    entry = builder.new()
    end = builder.seq(stmts, entry)
    exit_block = builder.new()
    builder.link(end, exit_block)
    return Graph(builder.blocks, entry.index, exit_block.index)


def postorder_rank(graph: Graph) -> list[int]:
    """Reverse-postorder rank of each block: the worklist visits a loop's body before its exit."""
    rank = [len(graph.blocks)] * len(graph.blocks)
    order: list[int] = []
    seen = [False] * len(graph.blocks)
    stack: list[tuple[int, int]] = [(graph.entry, 0)]
    seen[graph.entry] = True
    while stack:
        index, child = stack.pop()
        succ = _successors(graph.blocks[index])
        if child < len(succ):
            stack.append((index, child + 1))
            nxt = succ[child]
            if not seen[nxt]:
                seen[nxt] = True
                stack.append((nxt, 0))
        else:
            order.append(index)
    for position, index in enumerate(reversed(order)):
        rank[index] = position
    return rank


def _successors(block: Block) -> list[int]:
    out = list(block.nexts)
    if block.test is not None:
        out += [block.on_true, block.on_false]
    return out + block.exc
