"""Protocol Buffers (``.proto``) read with ``proto-schema-parser`` (pure Python, ANTLR grammar of
proto2/proto3) and compared by field number, the identity a message has on the wire.

What breaks a reader on the other version during a rollout (the rules follow buf's ``WIRE``
category): a field number gone without being ``reserved`` (its number can be reused with another
meaning, and old readers silently get the default), a number whose type or cardinality changed,
a new proto2 ``required`` field, an enum number gone without being reserved, a message or an rpc
gone, an rpc whose request or response type changed. A field renamed under the same number and
type is wire-compatible and not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from stackaudit.analyzers.apiversion.rules import (
    ENDPOINT_REMOVED,
    ENUM_NARROWED,
    FIELD_REMOVED,
    REQUIRED_ADDED,
    TYPE_CHANGED,
)
from stackaudit.analyzers.apiversion.schema import Change

MAX_NUMBER = 536_870_911  # 2^29 - 1: "max" in a reserved range


class ProtoError(ValueError):
    """The file does not parse as a .proto file."""


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    number: int
    type: str
    label: str  # "", "optional", "repeated", "required", "map"


@dataclass
class Numbered:
    """A message (fields by number) or an enum (value names by number), with what it reserves."""

    name: str
    kind: str  # "message" or "enum"
    fields: dict[int, Field] = field(default_factory=dict)
    reserved: list[tuple[int, int]] = field(default_factory=list)

    def reserves(self, number: int) -> bool:
        return any(lo <= number <= hi for lo, hi in self.reserved)


@dataclass
class ProtoFile:
    types: dict[str, Numbered] = field(default_factory=dict)  # "OrderPaid", "OrderPaid.Line"
    rpcs: dict[str, tuple[str, str]] = field(default_factory=dict)  # "Orders.Pay" -> (in, out)


def read(text: str) -> ProtoFile:
    """The messages, enums and rpcs of one .proto file; ``ProtoError`` when it does not parse.
    The parser (and ANTLR) is imported only when a repository has .proto files."""
    from stackaudit.analyzers.apiversion import protoparse

    try:
        return protoparse.parse(text)
    except (AttributeError, TypeError, IndexError, KeyError) as exc:  # the visitor on a tree ANTLR patched up
        raise ProtoError(f"the parser failed ({type(exc).__name__})") from None


def _numbered(old: Numbered, new: Numbered) -> Iterator[Change]:
    where = (new.name,)
    for number, before in old.fields.items():
        after = new.fields.get(number)
        what = "value" if old.kind == "enum" else "field"
        if after is None:
            if not new.reserves(number):
                rule = ENUM_NARROWED if old.kind == "enum" else FIELD_REMOVED
                detail = f"{what} {before.name!r} = {number} removed without reserving its number"
                yield Change(rule, where, detail)
            continue
        if (before.type, before.label) != (after.type, after.label):
            was = f"{before.label} {before.type}".strip()
            now = f"{after.label} {after.type}".strip()
            renamed = f" (now {after.name!r})" if after.name != before.name else ""
            yield Change(
                TYPE_CHANGED,
                (*where, after.name),
                f"field {before.name!r} = {number}{renamed}: {was} -> {now}",
            )
    for number, after in new.fields.items():
        if after.label == "required" and number not in old.fields:
            yield Change(
                REQUIRED_ADDED, (*where, after.name), f"field {after.name!r} = {number} is new and required"
            )


def changes(old: ProtoFile, new: ProtoFile) -> Iterator[Change]:
    for name, before in old.types.items():
        if name not in new.types:
            yield Change(FIELD_REMOVED, (), f"{before.kind} {name} removed")
        else:
            yield from _numbered(before, new.types[name])
    for rpc, (req, res) in old.rpcs.items():
        if rpc not in new.rpcs:
            yield Change(ENDPOINT_REMOVED, (), f"rpc {rpc} removed")
        elif new.rpcs[rpc] != (req, res):
            got = new.rpcs[rpc]
            detail = f"rpc {rpc}: ({req}) returns ({res}) -> ({got[0]}) returns ({got[1]})"
            yield Change(TYPE_CHANGED, (), detail)


def line_of(text: str, change: Change) -> int:
    """The line of the message (or enum), then of its field; else of the rpc or type named."""
    lines = text.splitlines()
    start, found = 0, 1
    target = change.where or tuple(re.findall(r"(?:rpc|message|enum) ([\w.]+)", change.detail)[:1])
    for i, token in enumerate(target):
        last = token.rsplit(".", 1)[-1]
        pattern = (
            re.compile(rf"\b(message|enum|rpc)\s+{re.escape(last)}\b")
            if i == 0
            else re.compile(rf"\b{re.escape(last)}\s*=\s*\d")
        )
        hit = next((n for n in range(start, len(lines)) if pattern.search(lines[n])), None)
        if hit is None:
            break
        start, found = hit, hit + 1
    return found


def similarity(old: ProtoFile, new: ProtoFile) -> float:
    a, b = set(old.types) | set(old.rpcs), set(new.types) | set(new.rpcs)
    return len(a & b) / len(a | b) if a | b else 0.0
