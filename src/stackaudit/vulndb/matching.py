"""Does an OSV ``affected`` entry cover a version?  ECOSYSTEM / SEMVER ranges and ``versions`` lists.

Semantics follow the OSV specification: events are sorted by version and applied in
order — ``introduced`` opens, ``fixed`` closes at that version, ``last_affected``
closes after it, ``limit`` caps the range; ``introduced: "0"`` means from the start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from stackaudit.vulndb.versions import BadVersion, Comparable, parse_version, same_version

_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}


@dataclass(frozen=True, slots=True)
class Affected:
    """One ``affected`` entry of an advisory, for one package."""

    advisory_id: str
    ecosystem: str
    package: str
    ranges: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (type, ((event, version), ...))
    versions: tuple[str, ...]

    @classmethod
    def from_row(cls, advisory_id: str, ecosystem: str, package: str, ranges: str, versions: str) -> Affected:
        parsed = tuple(
            (str(r["type"]), tuple(next(iter(e.items())) for e in r["events"])) for r in json.loads(ranges)
        )
        return cls(advisory_id, ecosystem, package, parsed, tuple(json.loads(versions)))


@dataclass(frozen=True, slots=True)
class Verdict:
    affected: bool
    fixed: tuple[str, ...] = ()  # fixed versions of the ranges that cover this version
    unordered: bool = False  # the version could not be ordered; only explicit lists were checked


def _key(ecosystem: str, event: tuple[str, str]) -> tuple[int, Comparable | None, int]:
    kind, value = event
    if kind == "introduced" and value == "0":
        return (0, None, 0)
    return (1, parse_version(ecosystem, value), _ORDER[kind])


def _closes(kind: str, version: Comparable, bound: Comparable) -> bool:
    return (kind == "fixed" and version >= bound) or (kind == "last_affected" and version > bound)


def _in_range(
    ecosystem: str, version: Comparable, events: tuple[tuple[str, str], ...]
) -> tuple[bool, str | None]:
    """(affected, the fix that closes the segment containing ``version`` if any)."""
    ordered = sorted(events, key=lambda e: _key(ecosystem, e))  # type: ignore[arg-type, return-value]
    limits = [parse_version(ecosystem, v) for k, v in ordered if k == "limit"]
    if any(version >= lim for lim in limits):
        return False, None
    affected = False
    for kind, value in ordered:
        bound = None if (kind == "introduced" and value == "0") else parse_version(ecosystem, value)
        if kind == "introduced" and (bound is None or version >= bound):
            affected = True
        elif bound is not None and _closes(kind, version, bound):
            affected = False
    if not affected:
        return False, None
    fixes = [(parse_version(ecosystem, v), v) for k, v in ordered if k == "fixed"]
    later = [(f, raw) for f, raw in fixes if f > version]
    return True, min(later, key=lambda pair: pair[0])[1] if later else None


def evaluate(entry: Affected, version: str) -> Verdict:
    """Is ``version`` of the package affected by this entry, and which versions fix it?"""
    listed = any(same_version(entry.ecosystem, version, v) for v in entry.versions)
    try:
        parsed = parse_version(entry.ecosystem, version)
    except BadVersion:
        return Verdict(affected=listed, unordered=True)
    fixed: list[str] = []
    hit = listed
    for kind, events in entry.ranges:
        if kind not in ("ECOSYSTEM", "SEMVER"):
            continue
        try:
            inside, fix = _in_range(entry.ecosystem, parsed, events)
        except BadVersion:
            continue  # a range bound we cannot order: the explicit list still applies
        hit = hit or inside
        if inside and fix:
            fixed.append(fix)
    if hit and not fixed:
        fixed = _all_fixes_after(entry, parsed)
    return Verdict(affected=hit, fixed=tuple(dict.fromkeys(fixed)))


def _all_fixes_after(entry: Affected, version: Comparable) -> list[str]:
    out = []
    for kind, events in entry.ranges:
        for event, value in events:
            if kind != "GIT" and event == "fixed":
                try:
                    if parse_version(entry.ecosystem, value) > version:
                        out.append(value)
                except BadVersion:
                    continue
    return out


def smallest_upgrade(
    ecosystem: str, current: str, entries: list[Affected], candidates: set[str]
) -> str | None:
    """The smallest candidate above ``current`` that none of the package's advisories affect."""
    try:
        base = parse_version(ecosystem, current)
    except BadVersion:
        base = None
    ordered: list[tuple[Comparable, str]] = []
    for c in candidates:
        try:
            ordered.append((parse_version(ecosystem, c), c))
        except BadVersion:
            continue
    for parsed, raw in sorted(ordered, key=lambda pair: pair[0]):  # type: ignore[arg-type, return-value]
        if base is not None and parsed <= base:
            continue
        if not any(evaluate(e, raw).affected for e in entries):
            return raw
    return None
