"""A structural diff of two JSON Schema fragments, for what breaks a client still on the old one.

Why our own: the OpenAPI diff tools on PyPI are unmaintained or young single-author projects
(openapispecdiff, last release 2022; swagger-diff, 2020; impoasdiff 0.0.4; openapi-lens and
contractradius, months old) and none ranks among the packages people actually install; the
well-kept one, oasdiff, is a Go program with no Python distribution. JSON Schema and pydantic
models (read with ``ast``, turned into the same shape) go through this one diff anyway.

``$ref`` is never followed: named schemas are diffed once, under their own name, and a
different ``$ref`` at the same place is a type change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from stackaudit.analyzers.apiversion.rules import (
    ENUM_NARROWED,
    FIELD_REMOVED,
    REQUIRED_ADDED,
    TYPE_CHANGED,
)
from stackaudit.model import RuleMeta

MAX_DEPTH = 48
Seen = frozenset[tuple[int, int]]  # (old, new) pairs being compared on the way down
Json = Any  # parsed JSON/YAML: the shape is checked at every access


@dataclass(frozen=True, slots=True)
class Change:
    """One breaking change: the rule, where (a path of keys into the new document), and what."""

    rule: RuleMeta
    where: tuple[str, ...]
    detail: str


def _types(schema: dict[str, Json]) -> frozenset[str]:
    if "$ref" in schema:
        return frozenset({"$ref:" + str(schema["$ref"])})
    kind = schema.get("type", schema.get("x-py-type"))
    if kind is None:
        return frozenset()
    found = {str(k) for k in kind} if isinstance(kind, list) else {str(kind)}
    if schema.get("nullable") is True:
        found.add("null")
    return frozenset(found)


def _type_change(old: dict[str, Json], new: dict[str, Json], where: tuple[str, ...]) -> Iterator[Change]:
    before, after = _types(old), _types(new)
    nullable_only = after >= before and after - {"null", "None"} == before - {"null", "None"}
    if before and after and before != after and not nullable_only:
        yield Change(TYPE_CHANGED, where, f"type {'|'.join(sorted(before))} -> {'|'.join(sorted(after))}")


def _enum(old: dict[str, Json], new: dict[str, Json], where: tuple[str, ...]) -> Iterator[Change]:
    if isinstance(old.get("enum"), list) and isinstance(new.get("enum"), list):
        gone = [v for v in old["enum"] if v not in new["enum"]]
        if gone:
            yield Change(ENUM_NARROWED, where, f"enum values removed: {', '.join(map(str, gone))[:120]}")


def same(a: Json, b: Json) -> bool:
    try:
        return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)
    except (ValueError, RecursionError):  # a YAML anchor that contains itself
        return False


def _aliases(schema: Json) -> list[str]:
    found = schema.get("x-aliases") if isinstance(schema, dict) else None
    return [str(a) for a in found] if isinstance(found, list) else []


def _properties(
    old: dict[str, Json], new: dict[str, Json], where: tuple[str, ...], seen: Seen
) -> Iterator[Change]:
    before = old.get("properties") if isinstance(old.get("properties"), dict) else {}
    after = new.get("properties") if isinstance(new.get("properties"), dict) else {}
    assert isinstance(before, dict) and isinstance(after, dict)
    added = [n for n in after if n not in before]
    renamed: dict[str, str] = {}  # new name -> old name
    for name, schema in before.items():
        if name in after:
            yield from diff(schema, after[name], (*where, str(name)), seen)
            continue
        twin = next((a for a in added if name in _aliases(after[a])), None)
        twin = twin or next((a for a in added if same(after[a], schema)), None)
        if twin is not None:
            added.remove(twin)
            renamed[twin] = name
        if isinstance(schema, dict) and schema.get("x-removable") is True:
            continue  # Avro: a reader still declaring the field fills in its default
        if twin is not None:
            yield Change(FIELD_REMOVED, (*where, str(twin)), f"field {name!r} renamed to {twin!r}")
        else:
            yield Change(FIELD_REMOVED, where, f"field {name!r} removed")
    old_required = set(old.get("required") or []) if isinstance(old.get("required"), list) else set()
    new_required = new.get("required") if isinstance(new.get("required"), list) else []
    for name in new_required or []:
        if name not in old_required and renamed.get(name) not in old_required:
            how = "became required" if name in before else "is a new required field"
            yield Change(REQUIRED_ADDED, (*where, str(name)), f"field {name!r} {how}")


def diff(old: Json, new: Json, where: tuple[str, ...] = (), seen: Seen = frozenset()) -> Iterator[Change]:
    """Breaking changes from ``old`` to ``new`` (both JSON Schema fragments)."""
    if not isinstance(old, dict) or not isinstance(new, dict) or len(where) > MAX_DEPTH:
        return  # deeper than any real schema
    pair = (id(old), id(new))
    if pair in seen:
        return  # a YAML anchor that contains itself: this pair is being compared above
    seen = seen | {pair}
    yield from _type_change(old, new, where)
    yield from _enum(old, new, where)
    yield from _properties(old, new, where, seen)
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        yield from diff(old["items"], new["items"], (*where, "items"), seen)
    for combinator in ("allOf", "oneOf", "anyOf"):
        before, after = old.get(combinator), new.get(combinator)
        if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
            for i, (a, b) in enumerate(zip(before, after, strict=True)):
                yield from diff(a, b, (*where, f"{combinator}[{i}]"), seen)


def diff_named(old: Json, new: Json, where: tuple[str, ...]) -> Iterator[Change]:
    """Named schemas (``components.schemas``, ``$defs``): removed ones, then each in common."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return
    for name, schema in old.items():
        if name not in new:
            yield Change(FIELD_REMOVED, where, f"schema {name!r} removed")
        else:
            yield from diff(schema, new[name], (*where, str(name)))
