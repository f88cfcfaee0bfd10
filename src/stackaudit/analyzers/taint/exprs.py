"""Expression evaluation of the interpreter: one function per expression node type."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint import calls, forms, guards, sitectx
from stackaudit.analyzers.taint import tables as tb
from stackaudit.analyzers.taint.folding import fold_compare, fold_unary
from stackaudit.analyzers.taint.modules import dotted
from stackaudit.analyzers.taint.values import (
    CLEAN,
    CONFIGURED_HOST,
    NO_CONST,
    Taint,
    Val,
    attribute_taints,
    concatenated,
    configured,
    const,
    container,
    deep,
    dict_val,
    flatten,
    join,
    tainted,
    union,
)

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.interp import Interp


def _name(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.Name)
    found = it.env.get(node.id)
    if found is not None:
        return found
    if node.id in it.mod.consts:
        return const(it.mod.consts[node.id])
    qn = it.aliases.get(node.id)
    if qn:
        return it.global_value(qn, node)
    if it.func is not None:
        return it.prog.module_globals(it.mod).get(node.id, CLEAN)
    return CLEAN


def _attribute(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.Attribute)
    path = dotted(node)
    if path and path in it.env:
        return it.env[path]
    qn = it.qualname(node) if _is_module_chain(it, node) else None
    if qn is not None and (qn in tb.SOURCE_NAMES or qn in tb.REQUEST_OBJECTS or qn in tb.SESSION_OBJECTS):
        return it.global_value(qn, node)
    base = it.expr(node.value)
    if qn is not None and not base.tag and not base.taints:
        return it.global_value(qn, node)
    if base.tag == "request":
        return it.request_attr(node, node.attr)
    if node.attr == "headers" and _response_like(node.value, base):
        return Val(taints=flatten(base), tag="headers")
    if node.attr == "session" and base.tag == "":
        return Val(taints=flatten(base), tag="session") if _looks_like_request(node.value) else deep(base)
    if base.tag == "path" and node.attr in ("parent", "name", "stem", "suffix"):
        return Val(taints=flatten(base), tag="path")
    if base.tag == forms.FORM:
        return forms.form_attribute(base, node.attr)
    if not (base.taints or base.items or base.keys):
        return CLEAN
    if node.attr in _SERVER_IDS and _created_without(it, node.value, node.attr):
        return CLEAN
    if base.tag and it.prog.typed_field(base.tag, node.attr):
        return CLEAN  # form.page where the validated body model declares page: int
    return Val(taints=attribute_taints(flatten(base)))  # not what only went into its items


_SERVER_IDS = frozenset({"id", "pk"})
_CREATES = frozenset({"create", "get_or_create", "create_one", "insert"})


def _created_without(it: Interp, holder: ast.expr, attr: str) -> bool:
    """``row = Attachment.create(name=upload.filename, ...); row.id``: the id of a row the code
    just created without naming one is the database's (zou names its temp files after it); one
    built with ``id=...`` or ``**data`` may carry the caller's."""
    if not isinstance(holder, ast.Name):
        return False
    made = sitectx.assignment(it, holder.id, getattr(holder, "lineno", 0))
    if not isinstance(made, ast.Call) or not isinstance(made.func, ast.Attribute):
        return False
    if made.func.attr not in _CREATES:
        return False
    return not any(kw.arg is None or kw.arg == attr for kw in made.keywords) and not made.args


def _constant(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.Constant)
    return const(node.value)


def _binop(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.BinOp)
    return it.binop(node.op, it.expr(node.left), it.expr(node.right))


def _unaryop(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.UnaryOp)
    operand = it.expr(node.operand)
    if operand.is_const:
        folded = fold_unary(node.op, operand.const)
        if folded is not NO_CONST:
            return const(folded)
    return CLEAN if isinstance(node.op, ast.Not) else Val(taints=operand.taints)


def _boolop(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.BoolOp)
    values = [it.expr(v) for v in node.values]
    if all(v.is_const for v in values):
        result = values[0]
        for v in values[1:]:
            is_and = isinstance(node.op, ast.And)
            if (is_and and not truthy(result.const)) or (not is_and and truthy(result.const)):
                break
            result = v
        return result
    return join_all(values)


def _compare(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.Compare)
    values = [it.expr(node.left), *[it.expr(c) for c in node.comparators]]
    if all(v.is_const for v in values):
        folded = fold_compare(node.ops, [v.const for v in values])
        if folded is not NO_CONST:
            return const(folded)
    return CLEAN


def _ifexp(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.IfExp)
    test = it.expr(node.test)
    if test.is_const:
        return it.expr(node.body if truthy(test.const) else node.orelse)
    on_true, on_false = guards.refine(it, node.test)
    start = it.env
    it.env = {**start, **on_true}
    body = it.expr(node.body)
    it.env = {**start, **on_false}
    orelse = it.expr(node.orelse)
    it.env = start
    return join(body, orelse)


def _joinedstr(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.JoinedStr)
    parts: list[str] = []
    taints = []
    pieces: list[Val] = []
    prefix_open = True
    prefix = ""
    for value in node.values:
        v = it.expr(value.value if isinstance(value, ast.FormattedValue) else value)
        pieces.append(v)
        if (v.is_const and not isinstance(value, ast.FormattedValue)) or (v.is_const and not v.taints):
            parts.append(str(v.const))
            if prefix_open:
                prefix += str(v.const)
        elif prefix_open and not prefix and not parts and configured(v):
            prefix = v.prefix or CONFIGURED_HOST  # f"{BASE_URL}/..." : the host is the deployment's
            taints.append(v)
        else:
            if prefix_open:
                prefix += v.prefix
            prefix_open = False
            taints.append(v)
    if not taints:
        return const("".join(parts))
    return tainted(concatenated(pieces), prefix=prefix)


def _formatted(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.FormattedValue)
    return it.expr(node.value)


def _sequence(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.List | ast.Tuple | ast.Set)
    if any(isinstance(e, ast.Starred) for e in node.elts) or isinstance(node, ast.Set):
        return container(None, frozenset().union(*(flatten(it.expr(e)) for e in node.elts)))
    items = tuple(it.expr(e) for e in node.elts)
    if isinstance(node, ast.Tuple) and all(i.is_const for i in items):
        return Val(const=tuple(i.const for i in items), items=items)
    return container(items)


def _dict(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.Dict)
    keys: list[tuple[object, Val]] = []
    loose: frozenset[Taint] = frozenset()
    precise = True
    for key_node, value_node in zip(node.keys, node.values, strict=True):
        value = it.expr(value_node)
        key = it.expr(key_node) if key_node is not None else None
        if key is not None and key.is_const and hashable(key.const):
            keys.append((key.const, value))
        else:
            precise = precise and key is not None and not flatten(value)
            loose = loose | flatten(value) | (flatten(key) if key else frozenset())
    return dict_val(
        tuple(keys) if precise else None,
        loose | (frozenset() if precise else frozenset().union(*(flatten(v) for _, v in keys))),
    )


def _comprehension(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp)
    start = it.env
    it.env = dict(start)
    for gen in node.generators:
        seq = it.expr(gen.iter)
        element = join_all(seq.items) if seq.items else Val(taints=flatten(seq))
        it.assign(gen.target, element, gen.target)
        if _enumerated(gen) and isinstance(gen.target, ast.Tuple) and len(gen.target.elts) == 2:
            # enumerate's index is a counter, as in a for loop
            it.assign(gen.target.elts[0], CLEAN, gen.target)
        for cond in gen.ifs:
            it.expr(cond)
            it.env.update(guards.refine(it, cond)[0])
    if isinstance(node, ast.DictComp):
        result = union(it.expr(node.key), it.expr(node.value))
    else:
        result = flatten(it.expr(node.elt))
    it.env = start
    return container(None, result)


def _enumerated(gen: ast.comprehension) -> bool:
    """``... for i, x in enumerate(xs)``: ``i`` is an int the comprehension counts, never input."""
    call = gen.iter
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "enumerate"


def _subscript(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.Subscript)
    return calls.load_item(it, node)


def _call(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.Call)
    return calls.call(it, node)


def _namedexpr(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.NamedExpr)
    value = it.expr(node.value)
    it.assign(node.target, value, node)
    return value


def _passthrough(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.Await | ast.Starred | ast.YieldFrom)
    return it.expr(node.value)


def _slice(it: Interp, node: ast.expr) -> Val:
    return CLEAN


def _yield(it: Interp, node: ast.expr) -> Val:
    assert isinstance(node, ast.Yield)
    it.yields = True
    if node.value is not None:
        it.returns.append(it.expr(node.value))
    return CLEAN


def truthy(value: object) -> bool:
    try:
        return bool(value)
    except RecursionError:
        raise
    except Exception:  # audited constants can fail to fold in any way
        return True


def hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _is_module_chain(it: Interp, node: ast.Attribute) -> bool:
    base: ast.expr = node
    while isinstance(base, ast.Attribute):
        base = base.value
    return isinstance(base, ast.Name) and base.id not in it.env and base.id in it.aliases


def _response_like(node: ast.expr, base: Val) -> bool:
    """``resp.headers``: a response object (by type, or by name when its type is not known)."""
    if base.tag:
        return base.tag in ("response", "headers")
    leaf = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    leaf = leaf.lower()
    return (
        leaf in ("r", "rv", "res", "rsp") or leaf.startswith("resp") or leaf.endswith(("_response", "_resp"))
    )


def _looks_like_request(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "request"


def join_all(values: tuple[Val, ...] | list[Val]) -> Val:
    if not values:
        return CLEAN
    result = values[0]
    for v in values[1:]:
        result = join(result, v)
    return result


EXPR_TABLE: dict[type, Callable[[Interp, ast.expr], Val]] = {
    ast.Name: _name,
    ast.Attribute: _attribute,
    ast.Constant: _constant,
    ast.BinOp: _binop,
    ast.UnaryOp: _unaryop,
    ast.BoolOp: _boolop,
    ast.Compare: _compare,
    ast.IfExp: _ifexp,
    ast.JoinedStr: _joinedstr,
    ast.FormattedValue: _formatted,
    ast.List: _sequence,
    ast.Tuple: _sequence,
    ast.Set: _sequence,
    ast.Dict: _dict,
    ast.ListComp: _comprehension,
    ast.SetComp: _comprehension,
    ast.GeneratorExp: _comprehension,
    ast.DictComp: _comprehension,
    ast.Subscript: _subscript,
    ast.Call: _call,
    ast.NamedExpr: _namedexpr,
    ast.Await: _passthrough,
    ast.Starred: _passthrough,
    ast.YieldFrom: _passthrough,
    ast.Yield: _yield,
    ast.Slice: _slice,
}
