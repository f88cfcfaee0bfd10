"""One worklist fixpoint over a function's control-flow graph.

Each block's entry state is the join of the states its predecessors send it; a block
runs again whenever its entry state grows. States compare structurally (``same``), and
a taint's identity ignores its trace, so a loop stops once a turn adds no new flow.
Termination: joins only add flows, caps are deterministic (a kept flow is only traded
for a better one), and after ``WIDEN_AFTER`` visits a block's changing values are
widened to plain taint (constants, prefixes and precise containers dropped), which
leaves a finite lattice. ``MAX_VISITS`` is a last bound that marks the file partial
rather than loop; it is not reached by the tests or by Django's source.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint.cfg import Graph, postorder_rank
from stackaudit.analyzers.taint.values import Val, join, same, widen

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.interp import Env, Interp

WIDEN_AFTER = 3  # visits of a block before the values that keep changing there are widened
MAX_VISITS = 200  # visits of one block: beyond it the analysis of the body stops (file partial)


class _Solver:
    __slots__ = ("graph", "heap", "queued", "rank", "states", "visits")

    def __init__(self, graph: Graph, entry: Env) -> None:
        self.graph = graph
        self.rank = postorder_rank(graph)
        self.states: dict[int, Env] = {graph.entry: entry}
        self.visits = [0] * len(graph.blocks)
        self.heap: list[tuple[int, int]] = [(self.rank[graph.entry], graph.entry)]
        self.queued = {graph.entry}

    def flow(self, target: int, env: Env) -> None:
        old = self.states.get(target)
        if old is None:
            new = env
        else:
            joined = join_states(old, env, widening=self.visits[target] >= WIDEN_AFTER)
            if joined is None:
                return
            new = joined
        self.states[target] = new
        if target not in self.queued:
            self.queued.add(target)
            heapq.heappush(self.heap, (self.rank[target], target))


def run(it: Interp, graph: Graph) -> bool:
    """Run ``graph`` from ``it.env`` to a fixed point; leave the exit state in ``it.env``.

    True when no path reaches the end of the body (every path returns or raises).
    """
    solver = _Solver(graph, it.env)
    while solver.heap:
        _, index = heapq.heappop(solver.heap)
        solver.queued.discard(index)
        solver.visits[index] += 1
        if solver.visits[index] > MAX_VISITS:
            it.prog.mark_partial(it.mod.path, "a loop did not reach a fixed point within the visit bound")
            break
        block = graph.blocks[index]
        it.env = dict(solver.states[index])
        ended = it.run_block(block)
        out = it.env
        for target in block.exc:
            solver.flow(target, out)
        if ended:
            continue
        if block.test is not None:
            for outcome, env in it.branch(block.test):
                solver.flow(block.on_true if outcome else block.on_false, env)
        else:
            for target in block.nexts:
                solver.flow(target, out)
    final = solver.states.get(graph.exit)
    it.env = final if final is not None else {}
    return final is None


def join_states(old: Env, new: Env, *, widening: bool = False) -> Env | None:
    """``old`` joined with ``new`` at a meeting point, or None when that adds nothing to ``old``.

    A name bound on one side only keeps its flows, not its constant (it may be unbound).
    """
    out: Env | None = None
    get = old.get
    for key in [k for k, v in new.items() if get(k) is not v]:  # most names are shared objects
        a, b = get(key), new[key]
        value = _unbound(b) if a is None else join(a, b)
        if a is not None and same(a, value):
            continue
        if widening:
            value = widen(value)
        if out is None:
            out = dict(old)
        out[key] = value
    for key in old.keys() - new.keys() if len(old) != len(new) or out is not None else ():
        a = old[key]
        if a.is_const:
            if out is None:
                out = dict(old)
            out[key] = _unbound(a)
    return out


def _unbound(v: Val) -> Val:
    return Val(v.taints, items=v.items, keys=v.keys, prefix=v.prefix, tag=v.tag) if v.is_const else v
