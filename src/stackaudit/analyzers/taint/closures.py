"""Nested functions and lambdas as values: defined where they stand, run where they are called.

A ``def`` inside a function or a ``lambda`` evaluates to a value tagged ``closure:<id>``;
the program keeps the node and the state it was defined in. Calling it (directly, or as
the callback of ``map``/``filter``/``sorted``) runs its body with the caller's current
state for its free names (Python binds them late) and the call's arguments for its
parameters. Sinks inside it are hits of the caller, so a parameter of the enclosing
function that reaches a sink in a closure is part of the enclosing summary. A closure
that mutates a free container (``d[k] = v``, ``xs.append(v)``) writes back.
Bounded: a closure already running is not entered again (recursion), nor beyond
``MAX_NESTING`` closures deep.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint.modules import FuncInfo
from stackaudit.analyzers.taint.values import CLEAN, Val, const, flatten, join, join_many, same, tainted

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.calls import CallArgs
    from stackaudit.analyzers.taint.interp import Env, Interp

MAX_NESTING = 8
_TAG = "closure:"


@dataclass(frozen=True, slots=True)
class Closure:
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    info: FuncInfo | None  # the nested function's own FuncInfo (None for a lambda)
    defined_in: Env  # the state where it was defined: its free names when called elsewhere
    owner: str  # the function it was defined in: called there, it sees that function's current state


def define(it: Interp, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> Val:
    tag = f"{_TAG}{it.mod.path}:{node.lineno}:{node.col_offset}"
    info = None
    if not isinstance(node, ast.Lambda):
        info = next((f for f in it.mod.nested if f._node is node), None)
        if info is None:
            where = it.func.qualname if it.func is not None else it.mod.name
            info = FuncInfo(f"{where}.<locals>.{node.name}", node, it.mod)
    owner = it.func.qualname if it.func is not None else it.mod.name
    it.prog.closures[tag] = Closure(node, info, it.env, owner)
    return Val(tag=tag)


def is_closure(value: Val) -> bool:
    return value.tag.startswith(_TAG)


def call(it: Interp, value: Val, args: CallArgs) -> Val:
    """The result of calling a closure value with ``args``."""
    closure = it.prog.closures.get(value.tag)
    active = it.prog.active_closures
    if closure is None or value.tag in active or len(active) >= MAX_NESTING:
        return tainted(args.all_taints())
    active.append(value.tag)
    try:
        if isinstance(closure.node, ast.Lambda):
            return _lambda(it, closure, closure.node, args)
        return _function(it, closure, args)
    finally:
        active.pop()


def _params(fargs: ast.arguments, args: CallArgs) -> dict[str, Val]:
    positional = [a.arg for a in (*fargs.posonlyargs, *fargs.args)]
    bound: dict[str, Val] = dict.fromkeys((*positional, *(a.arg for a in fargs.kwonlyargs)), CLEAN)
    for name, value in zip(positional, args.args, strict=False):
        bound[name] = value
    extra = args.args[len(positional) :]
    if fargs.vararg is not None:
        bound[fargs.vararg.arg] = Val(taints=frozenset().union(*(flatten(v) for v in extra)))
    for key, value in args.kwargs.items():
        if key in bound:
            bound[key] = value
        elif fargs.kwarg is not None:
            bound[fargs.kwarg.arg] = Val(taints=flatten(value))
    return bound


def _lambda(it: Interp, closure: Closure, node: ast.Lambda, args: CallArgs) -> Val:
    saved = it.env
    here = it.func.qualname if it.func is not None else it.mod.name
    free = saved if here == closure.owner else closure.defined_in
    it.env = {**free, **_params(node.args, args)}
    try:
        return it.expr(node.body)
    finally:
        it.env = saved


def _function(it: Interp, closure: Closure, args: CallArgs) -> Val:
    from stackaudit.analyzers.taint.interp import Interp

    node = closure.node
    assert not isinstance(node, ast.Lambda)
    here = it.func.qualname if it.func is not None else it.mod.name
    free = {**closure.defined_in, **it.env} if here == closure.owner else dict(closure.defined_in)
    inner = Interp(it.prog, it.mod, closure.info, it.depth)
    inner.aliases = it.aliases
    params = _params(node.args, args)
    inner.env = {**free, **params}
    inner.block(node.body)
    it.hits.extend(inner.hits)
    _write_back(it, free, inner, set(params))
    returns = inner.returns
    result = join_many(returns) if returns else const(None)
    return Val(taints=flatten(result)) if inner.yields else result


def _write_back(it: Interp, free: Env, inner: Interp, params: set[str]) -> None:
    """Free containers the closure mutated (not rebound): the caller sees the writes."""
    exits = [*inner.exits.values(), inner.env]
    for name, before in free.items():
        if name in params or name.split(".", 1)[0] in inner.rebound or name.startswith("$"):
            continue
        for env in exits:
            after = env.get(name)
            if after is not None and not same(after, before):
                current = it.env.get(name, before)
                it.env[name] = join(current, after)


__all__ = ["CLEAN", "Closure", "call", "define", "is_closure"]
