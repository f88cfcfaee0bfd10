"""Constant folding with size bounds: audited code may say ``"a" * 10**9``."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from typing import Any

from stackaudit.analyzers.taint.values import NO_CONST

MAX_CONST_LEN = 10_000

_BIN: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
_CMP: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Invert: operator.invert,
}
_SCALARS = (int, float, str, bytes, bool, type(None), tuple, frozenset, complex)


_WIDE_FORMAT = re.compile(r"%[-#0 +]*(\d{4,}|\*)|\{[^}]*:")


def _too_big(op: ast.operator, left: object, right: object) -> bool:
    if isinstance(op, ast.Mod) and isinstance(left, str | bytes):
        text = left if isinstance(left, str) else left.decode("latin-1")
        return bool(_WIDE_FORMAT.search(text))
    if isinstance(op, ast.Pow):
        return not isinstance(right, int | float) or abs(right) > 64
    if isinstance(op, ast.LShift):
        return not isinstance(right, int) or right > 256
    if isinstance(op, ast.Mult):
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, str | bytes | tuple) and isinstance(n, int) and len(seq) * n > MAX_CONST_LEN:
                return True
    return False


def _small(value: object) -> bool:
    if isinstance(value, str | bytes | tuple | frozenset):
        return len(value) <= MAX_CONST_LEN
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() <= 4096
    return isinstance(value, _SCALARS)


def fold_binop(op: ast.operator, left: object, right: object) -> object:
    fn = _BIN.get(type(op))
    if fn is None or not isinstance(left, _SCALARS) or not isinstance(right, _SCALARS):
        return NO_CONST
    if _too_big(op, left, right):
        return NO_CONST
    try:
        result = fn(left, right)
    except RecursionError:
        raise
    except Exception:  # audited constants can fail to fold in any way
        return NO_CONST
    return result if _small(result) else NO_CONST


def fold_unary(op: ast.unaryop, operand: object) -> object:
    fn = _UNARY.get(type(op))
    if fn is None or not isinstance(operand, _SCALARS):
        return NO_CONST
    try:
        return fn(operand)
    except RecursionError:
        raise
    except Exception:  # audited constants can fail to fold in any way
        return NO_CONST


def fold_compare(ops: list[ast.cmpop], values: list[object]) -> object:
    if not all(isinstance(v, _SCALARS) for v in values):
        return NO_CONST
    try:
        for op, left, right in zip(ops, values, values[1:], strict=False):
            if not _CMP[type(op)](left, right):
                return False
    except RecursionError:
        raise
    except Exception:  # audited constants can fail to fold in any way
        return NO_CONST
    return True


STR_METHODS = frozenset(
    [
        "upper",
        "lower",
        "strip",
        "lstrip",
        "rstrip",
        "replace",
        "title",
        "capitalize",
        "casefold",
        "format",
        "join",
        "split",
        "rsplit",
        "removeprefix",
        "removesuffix",
        "zfill",
        "center",
        "ljust",
        "rjust",
        "encode",
        "decode",
    ]
)


def fold_str_method(receiver: object, method: str, args: list[object]) -> object:
    if method not in STR_METHODS or not isinstance(receiver, str | bytes):
        return NO_CONST
    if not all(isinstance(a, _SCALARS) for a in args):
        return NO_CONST
    if method in ("center", "ljust", "rjust", "zfill") and any(
        isinstance(a, int) and a > MAX_CONST_LEN for a in args
    ):
        return NO_CONST
    if method == "format" and isinstance(receiver, str) and _WIDE_FORMAT.search(receiver):
        return NO_CONST
    try:
        result = getattr(receiver, method)(*args)
    except RecursionError:
        raise
    except Exception:  # audited constants can fail to fold in any way
        return NO_CONST
    if isinstance(result, list):
        result = tuple(result)
    return result if _small(result) else NO_CONST
