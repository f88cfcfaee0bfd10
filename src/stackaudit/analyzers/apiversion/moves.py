"""Schema documents gone from their path since the baseline: moved (diffed at the new path) or
removed (every operation, or the whole schema, is gone for the clients that used it).

A document at a new path is the old one moved when its content is the same, or mostly the same:
at least half of the operations (OpenAPI) or of the top-level properties and definitions (JSON
Schema, Avro) in common, or the same ``$id`` / ``info.title`` / record name. Each new document
stands for one old one at most, the most similar first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from stackaudit.analyzers.apiversion.openapi import METHODS
from stackaudit.analyzers.apiversion.schema import Json, same

MOSTLY = 0.5


def operations(doc: Json) -> list[str]:
    """``GET /orders`` for every operation of an OpenAPI document, in document order."""
    paths = doc.get("paths") if isinstance(doc, dict) else None
    if not isinstance(paths, dict):
        return []
    return [
        f"{method.upper()} {path}"
        for path, item in paths.items()
        if isinstance(item, dict)
        for method in METHODS
        if method in item
    ]


def _keys(doc: Json) -> set[str]:
    """What a document declares, to compare two of them."""
    if not isinstance(doc, dict):
        return set()
    if "paths" in doc:
        return set(operations(doc))
    found: set[str] = set()
    for section in ("properties", "$defs", "definitions"):
        if isinstance(doc.get(section), dict):
            found |= {f"{section}.{k}" for k in doc[section]}
    return found


def _identity(doc: Json) -> str | None:
    if not isinstance(doc, dict):
        return None
    info = doc.get("info")
    title = info.get("title") if isinstance(info, dict) else None
    found = doc.get("$id") or doc.get("x-avro-name") or title
    return str(found) if found else None


def similarity(old: Json, new: Json) -> float:
    if same(old, new):
        return 1.0
    a, b = _keys(old), _keys(new)
    overlap = len(a & b) / len(a | b) if a | b else 0.0
    named = _identity(old) is not None and _identity(old) == _identity(new)
    return max(overlap, MOSTLY if named else 0.0)


def pair(
    before: Mapping[str, Json], now: Mapping[str, Json], score: Callable[[Json, Json], float] = similarity
) -> Iterator[tuple[str, str | None]]:
    """(old path, new path) for each document gone from its path; new path None when removed."""
    gone = [p for p in before if p not in now]
    fresh = [p for p in now if p not in before]
    ranked = sorted(
        ((score(before[o], now[n]), o, n) for o in gone for n in fresh),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    taken: dict[str, str] = {}
    used: set[str] = set()
    for value, old, new in ranked:
        if value >= MOSTLY and old not in taken and new not in used:
            taken[old] = new
            used.add(new)
    for old in gone:
        yield old, taken.get(old)
