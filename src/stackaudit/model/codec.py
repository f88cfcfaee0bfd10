"""Lossless conversion of model values to JSON-ready primitives and back.

Used for the store and the per-file cache (internal formats). The public JSON and
SARIF outputs have their own versioned schemas in ``report/``; do not use this
codec for them, so internal refactors never break users.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

Primitive = None | bool | int | float | str | list["Primitive"] | dict[str, "Primitive"]


def to_primitive(value: object) -> Primitive:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value  # type: ignore[no-any-return]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_primitive(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, tuple | list | frozenset | set):
        return [to_primitive(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_primitive(v) for k, v in value.items()}
    raise TypeError(f"cannot encode {type(value).__name__}")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_primitive(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if data is None else from_primitive(members[0], data)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_primitive(args[0], v) for v in data)
        return tuple(from_primitive(a, v) for a, v in zip(args, data, strict=True))
    if origin in (list, frozenset, set):
        (arg,) = typing.get_args(tp)
        return origin(from_primitive(arg, v) for v in data)
    if origin is dict:
        _, arg = typing.get_args(tp)
        return {k: from_primitive(arg, v) for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        kwargs = {
            f.name: from_primitive(hints[f.name], data[f.name])
            for f in dataclasses.fields(tp)
            if f.init and f.name in data
        }
        return tp(**kwargs)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if tp is datetime:
        return datetime.fromisoformat(data)
    if tp is date:
        return date.fromisoformat(data)
    if tp is Path:
        return Path(data)
    if tp is float and isinstance(data, int):
        return float(data)
    return data


def decode[R](cls: type[R], data: Any) -> R:
    result: R = from_primitive(cls, data)
    return result
