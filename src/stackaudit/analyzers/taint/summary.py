"""Function summaries: what a function does with its parameters, as callers apply it.

``ret``: the returned value, parameters symbolic. ``hits``: sinks a parameter reaches,
with the calls between (``hops``). ``writes``: taint the function stores into a
parameter's contents or attributes (``fill(d, v)``), which the caller's argument then
holds. Summaries join (they only grow across passes over a call cycle) and compare
structurally, which is what lets a cycle's passes stop.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint.modules import FuncInfo, dotted
from stackaudit.analyzers.taint.values import (
    CLEAN,
    MAX_STEPS,
    SourceKind,
    Taint,
    Val,
    cap,
    flatten,
    join,
    same,
)
from stackaudit.model import Location, TraceStep

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.calls import CallArgs
    from stackaudit.analyzers.taint.interp import Interp


@dataclass(frozen=True, slots=True)
class SinkHit:
    cwe: int
    taint: Taint
    location: Location
    snippet: str
    label: str
    hops: int = 0  # calls between the function analysed and the sink

    @property
    def key(self) -> tuple[object, ...]:
        loc = self.location
        return (self.cwe, loc.path, loc.line, loc.column, self.taint.key)


@dataclass(frozen=True, slots=True)
class Write:
    """The function stores ``taints`` into parameter ``param`` (``suffix``: an attribute of it)."""

    param: int
    suffix: str
    taints: frozenset[Taint]


@dataclass(frozen=True, slots=True)
class Summary:
    ret: Val
    hits: tuple[SinkHit, ...]  # sinks reached by a parameter (symbolic taint)
    writes: tuple[Write, ...] = ()


BOTTOM = Summary(CLEAN, ())  # the first approximation of a function in a call cycle


def writes(it: Interp, initial: dict[str, tuple[int, Val]]) -> tuple[Write, ...]:
    """What the function stores into its parameters' contents (``d[k] = v``, ``obj.attr = v``)."""
    exits = [*it.exits.values(), it.env]
    found: dict[tuple[int, str], frozenset[Taint]] = {}
    for name, (index, start) in initial.items():
        if name in it.rebound:
            continue  # rebound: later writes go to another object
        own = start.taints
        prefix = name + "."
        for env in exits:
            for key, value in env.items():
                if key == name:
                    if same(value, start):
                        continue
                elif not key.startswith(prefix):
                    continue
                extra = flatten(value) - own
                if extra:
                    slot = (index, key[len(name) :])
                    found[slot] = cap(found.get(slot, frozenset()) | extra)
    return tuple(Write(index, suffix, taints) for (index, suffix), taints in sorted(found.items(), key=_slot))


def _slot(item: tuple[tuple[int, str], frozenset[Taint]]) -> tuple[int, str]:
    return item[0]


def apply_write(
    it: Interp, target: FuncInfo, args: CallArgs, bound: dict[int, Val], write: Write, step: TraceStep
) -> None:
    node = _arg_node(target, args.node, write.param)
    path = dotted(node) if node is not None else None
    if path is None:
        return
    taints: frozenset[Taint] = frozenset()
    for t in write.taints:
        if t.kind != SourceKind.PARAM:
            taints = taints | {t}
        elif (arg := bound.get(t.param)) is not None:
            taints = taints | {extend(a, step, t) for a in flatten(arg)}
    if not taints:
        return
    key = path + write.suffix
    current = it.env.get(key, CLEAN)
    it.env[key] = Val(taints=cap(flatten(current) | taints), tag=current.tag)


def _arg_node(target: FuncInfo, call: ast.Call, index: int) -> ast.expr | None:
    fargs = target.node.args
    positional = [*fargs.posonlyargs, *fargs.args]
    names = [a.arg for a in (*positional, *fargs.kwonlyargs)]
    offset = 1 if positional and positional[0].arg in ("self", "cls") and target.cls else 0
    if offset and index == 0:
        func = call.func
        return func.value if isinstance(func, ast.Attribute) else None
    position = index - offset
    if 0 <= position < len(call.args) and index < len(positional):
        arg = call.args[position]
        return None if isinstance(arg, ast.Starred) else arg
    name = names[index] if index < len(names) else None
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def extend(taint: Taint, step: TraceStep, inner: Taint) -> Taint:
    """A caller's flow continued by the callee's: the caller's source, both traces, both cleanings."""
    steps = (*taint.steps, step, *inner.steps)[:MAX_STEPS]
    return replace(taint, steps=steps, cleaned=taint.cleaned | inner.cleaned)


def same_summary(a: Summary, b: Summary) -> bool:
    return (
        same(a.ret, b.ret)
        and [h.key for h in a.hits] == [h.key for h in b.hits]
        and [(w.param, w.suffix, w.taints) for w in a.writes]
        == [(w.param, w.suffix, w.taints) for w in b.writes]
    )


def join_summaries(a: Summary, b: Summary) -> Summary:
    """Summaries only grow across the passes over a call cycle (which is what makes them settle)."""
    hits = {h.key: h for h in b.hits}
    hits.update({h.key: h for h in a.hits})
    ordered = [*a.hits, *(h for h in b.hits if h.key not in {x.key for x in a.hits})]
    writes: dict[tuple[int, str], frozenset[Taint]] = {}
    for w in (*a.writes, *b.writes):
        writes[(w.param, w.suffix)] = cap(writes.get((w.param, w.suffix), frozenset()) | w.taints)
    joined = tuple(Write(p, s, t) for (p, s), t in sorted(writes.items(), key=_slot))
    return Summary(join(a.ret, b.ret), tuple(ordered), joined)
