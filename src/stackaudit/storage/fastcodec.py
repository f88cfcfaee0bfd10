"""Faster equivalents of ``model.codec``'s ``to_primitive`` and ``decode`` for the store's hot paths.

``model.codec`` inspects every value's type on every call; at audit scale (thousands of
Assessments per run) that is most of ``save_run`` and ``load_result``. These versions
produce the same primitives (``encode``) and the same values (``decoder``), caching
the per-class work: field names for encoding, one converter closure per type for
decoding. ``tests/storage/test_fastcodec.py`` checks both against ``model.codec`` on
every model type; anything they do not recognise falls back to ``model.codec``.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from stackaudit.model import codec

_SCALARS = frozenset({str, int, float, bool, type(None)})
Converter = Callable[[Any], Any]


@cache
def _init_fields(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


def encode(value: object) -> codec.Primitive:
    """Exactly ``codec.to_primitive(value)``, faster."""
    kind: Any = type(value)
    if kind in _SCALARS:
        return value  # type: ignore[return-value]
    if kind is tuple or kind is list:
        return [encode(v) for v in value]  # type: ignore[attr-defined]
    if isinstance(value, bool | int | float | str):
        return value  # IntEnum / StrEnum members, as codec returns them
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: encode(getattr(value, name)) for name in _init_fields(kind)}
    if isinstance(value, Enum):
        return value.value  # type: ignore[no-any-return]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return codec.to_primitive(value)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@cache
def converter(tp: Any) -> Converter:
    """A function turning primitives into ``tp``, as ``codec.from_primitive(tp, data)`` would."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = converter(next(a for a in typing.get_args(tp) if a is not type(None)))
        return lambda data: None if data is None else inner(data)
    if origin is tuple:
        return _tuple_converter(typing.get_args(tp))
    if origin in (list, frozenset, set):
        (arg,) = typing.get_args(tp)
        item = converter(arg)
        return lambda data: origin(item(v) for v in data)
    if origin is dict:
        value = converter(typing.get_args(tp)[1])
        return lambda data: {k: value(v) for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_converter(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp
    if tp is datetime:
        return datetime.fromisoformat
    if tp is date:
        return date.fromisoformat
    if tp is Path:
        return Path
    if tp is float:
        return lambda data: float(data) if isinstance(data, int) else data
    return lambda data: data


def _tuple_converter(args: tuple[Any, ...]) -> Converter:
    if len(args) == 2 and args[1] is Ellipsis:
        item = converter(args[0])
        return lambda data: tuple(item(v) for v in data)
    items = tuple(converter(a) for a in args)
    return lambda data: tuple(f(v) for f, v in zip(items, data, strict=True))


def _dataclass_converter(cls: type) -> Converter:
    hints = _hints(cls)
    fields = tuple((name, converter(hints[name])) for name in _init_fields(cls))

    def build(data: Any) -> Any:
        return cls(**{name: convert(data[name]) for name, convert in fields if name in data})

    return build


def decode[T](cls: type[T], data: Any) -> T:
    """Exactly ``codec.decode(cls, data)``, faster."""
    result: T = converter(typing.cast(Any, cls))(data)
    return result


def to_payload(value: object) -> bytes:
    """Compact JSON bytes of a model value, for the cache's and the store's blobs."""
    return json.dumps(encode(value), separators=(",", ":")).encode()


def from_payload[T](cls: type[T], payload: bytes) -> T | None:
    """The value back, or None for a payload this version cannot read (a cache miss: rebuilt)."""
    try:
        return decode(cls, json.loads(payload))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
