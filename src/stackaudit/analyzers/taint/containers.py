"""Containers: precise list/tuple items and constant-key dict entries through methods and subscripts.

``xs.append(v)``, ``d.update(k=v)``, ``d.pop("k")``, ``xs[0] = v``, ``del d["k"]``: the
container stays precise while its keys and indexes are constants, so a value removed,
overwritten or stored under another key is told apart from the tainted one.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint import sinks
from stackaudit.analyzers.taint import tables as tb
from stackaudit.analyzers.taint.modules import dotted
from stackaudit.analyzers.taint.values import (
    CLEAN,
    NO_DOTDOT,
    SEGMENT,
    Val,
    cap,
    const,
    container,
    dict_val,
    filled,
    flatten,
    item_read,
    tainted,
)

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.calls import CallArgs
    from stackaudit.analyzers.taint.interp import Interp

MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "update", "add", "setdefault"})


def container_method(it: Interp, path: str, method: str, cur: Val, args: CallArgs) -> Val | None:
    a = args.args
    if cur.items is not None:
        items = list(cur.items)
        if method == "append" and len(a) == 1:
            it.env[path] = container((*items, a[0]), cur.taints)
            return CLEAN
        if method == "insert" and len(a) == 2 and isinstance(a[0].const, int):
            items.insert(a[0].const, a[1])
            it.env[path] = container(tuple(items), cur.taints)
            return CLEAN
        if method == "pop" and items and (not a or isinstance(a[0].const, int)):
            index = a[0].const if a else -1
            if isinstance(index, int) and -len(items) <= index < len(items):
                popped = items.pop(index)
                it.env[path] = container(tuple(items), cur.taints)
                return popped
        if method == "remove" and len(a) == 1 and a[0].is_const:
            for i, item in enumerate(items):
                if item.is_const and item.const == a[0].const:
                    del items[i]
                    it.env[path] = container(tuple(items), cur.taints)
                    return CLEAN
        if method == "clear":
            it.env[path] = container(())
            return CLEAN
        if method == "extend" and len(a) == 1 and a[0].items is not None:
            it.env[path] = container((*items, *a[0].items), cur.taints)
            return CLEAN
        if method == "copy":
            return cur
    if cur.keys is not None:
        result = _dict_method(it, path, method, cur, args)
        if result is not None:
            return result
    if method in MUTATORS:
        it.env[path] = filled(cur, args.all_taints())
        if cur.tag == "session" and method in ("update", "setdefault"):
            return CLEAN
        return Val(taints=flatten(cur)) if method == "pop" else CLEAN
    return None


def _dict_method(it: Interp, path: str, method: str, cur: Val, args: CallArgs) -> Val | None:
    a = args.args
    keys = dict(cur.keys or ())
    if method in ("get", "pop") and a and a[0].is_const:
        default = a[1] if len(a) > 1 else const(None)
        found = keys.get(a[0].const) if _hashable(a[0].const) else None
        if method == "pop" and found is not None:
            del keys[a[0].const]
            it.env[path] = dict_val(tuple(keys.items()), cur.taints)
        value = found if found is not None else default
        return (
            Val(
                taints=cap(value.taints | cur.taints),
                const=value.const,
                items=value.items,
                keys=value.keys,
                prefix=value.prefix,
                tag=value.tag,
            )
            if cur.taints
            else value
        )
    if method == "update" and len(a) == 1 and a[0].keys is not None:
        keys.update(dict(a[0].keys))
        it.env[path] = dict_val(tuple(keys.items()), cur.taints)
        return CLEAN
    if method == "update" and not a and args.kwargs and "**" not in args.kwargs:
        keys.update(args.kwargs)
        it.env[path] = dict_val(tuple(keys.items()), cur.taints)
        return CLEAN
    if method in ("keys",):
        return CLEAN
    if method in ("values", "items"):
        return Val(taints=flatten(cur))
    if method == "copy":
        return cur
    return None


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


# ---- subscripts --------------------------------------------------------------------------
def load_item(it: Interp, node: ast.Subscript) -> Val:
    value = item_read(_load_item(it, node))
    facts = _piece_facts(node)
    if not facts or not value.taints:
        return value
    return Val(frozenset(t.clean_for(facts) for t in value.taints), tag=value.tag)


def _piece_facts(node: ast.Subscript) -> frozenset[int]:
    """``name.rsplit(".", 1)[-1]``: what follows the last dot holds no dot, so no ``..``;
    ``path.split("/")[-1]``: what follows the last separator is one segment. Every piece of a
    split without a limit has neither; a limited ``split`` has it only first, ``rsplit`` last."""
    call, index = node.value, node.slice
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in ("split", "rsplit", "partition", "rpartition")
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value in (".", "/")
        and isinstance(index, ast.Constant | ast.UnaryOp)
    ):
        return frozenset()
    position = ast.literal_eval(index) if _literal(index) else None
    method = call.func.attr
    unlimited = method in ("split", "rsplit") and len(call.args) == 1 and not call.keywords
    first = method in ("split", "partition") and position == 0
    last = (method == "rsplit" and position == -1) or (method == "rpartition" and position in (2, -1))
    if position is None or not (unlimited or first or last):
        return frozenset()
    return frozenset({NO_DOTDOT}) if call.args[0].value == "." else frozenset({SEGMENT})


def _literal(node: ast.expr) -> bool:
    try:
        return isinstance(ast.literal_eval(node), int)
    except ValueError:
        return False


def _load_item(it: Interp, node: ast.Subscript) -> Val:
    base = it.expr(node.value)
    if isinstance(node.slice, ast.Slice):
        it.expr(node.slice.lower)
        it.expr(node.slice.upper)
        return tainted(flatten(base), tag=base.tag)
    key = it.expr(node.slice)
    if base.tag == "request":
        return it.request_attr(node, "item")
    if base.tag == "meta" and tb.server_meta(key):
        return CLEAN  # request.META["CSRF_COOKIE"]: set by the server, not the client
    if base.tag in ("headers", "meta") and tb.referer(key):
        return tainted(frozenset(t.clean_for(frozenset({tb.REDIRECT})) for t in flatten(base)))
    if base.keys is not None and key.is_const and _hashable(key.const):
        found = dict(base.keys).get(key.const)
        if found is None:
            return tainted(base.taints)
        return (
            found
            if not base.taints
            else Val(
                cap(found.taints | base.taints), found.const, found.items, found.keys, found.prefix, found.tag
            )
        )
    index = key.const
    if base.items is not None and isinstance(index, int) and -len(base.items) <= index < len(base.items):
        item = base.items[index]
        return item if not base.taints else Val(cap(item.taints | base.taints), tag=item.tag)
    if base.is_const and key.is_const:
        try:
            value = base.const[key.const]  # type: ignore[index]
        except RecursionError:
            raise
        except Exception:  # audited constants can fail to fold in any way
            return CLEAN
        return const(value)
    # A tainted key only selects among the container's own values: the result carries the container's taint.
    return Val(taints=flatten(base), tag="file" if base.tag == "file" else "")


def store_item(it: Interp, target: ast.Subscript, value: Val, node: ast.AST) -> None:
    base_val = it.expr(target.value)
    key = it.expr(target.slice)
    sinks.check_store(it, target, base_val, value)
    path = dotted(target.value)
    if path is None:
        return
    if base_val.keys is not None and key.is_const and _hashable(key.const):
        keys = dict(base_val.keys)
        keys[key.const] = value
        it.env[path] = dict_val(tuple(keys.items()), base_val.taints)
        return
    if (
        base_val.items is not None
        and isinstance(key.const, int)
        and -len(base_val.items) <= key.const < len(base_val.items)
    ):
        items = list(base_val.items)
        items[key.const] = value
        it.env[path] = container(tuple(items), base_val.taints)
        return
    it.env[path] = filled(base_val, flatten(value))


def delete_item(it: Interp, target: ast.Subscript) -> None:
    path = dotted(target.value)
    if path is None or path not in it.env:
        return
    cur = it.env[path]
    key = it.expr(target.slice)
    if cur.keys is not None and key.is_const and _hashable(key.const):
        it.env[path] = dict_val(tuple((k, v) for k, v in cur.keys if k != key.const), cur.taints)
    elif (
        cur.items is not None and isinstance(key.const, int) and -len(cur.items) <= key.const < len(cur.items)
    ):
        items = list(cur.items)
        del items[key.const]
        it.env[path] = container(tuple(items), cur.taints)
