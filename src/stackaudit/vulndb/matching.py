"""Does an OSV ``affected`` entry cover a version?  ECOSYSTEM / SEMVER ranges and ``versions`` lists.

Semantics follow the OSV specification: events are sorted by version and applied in
order — ``introduced`` opens, ``fixed`` closes at that version, ``last_affected``
closes after it, ``limit`` caps the range; ``introduced: "0"`` means from the start.
A ``Matcher`` prepares each entry once (sorted, parsed events) for one audit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from stackaudit.vulndb.versions import BadVersion, Comparable, VersionCache

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


# A prepared range: events sorted, bounds parsed (None = introduced "0"), and its raw text.
Event = tuple[str, Comparable | None, str]


@dataclass(slots=True)
class _Prepared:
    ranges: tuple[tuple[Event, ...], ...]
    strings: frozenset[str]  # the explicit list as written
    fixes: tuple[str, ...]  # every orderable ``fixed`` bound of the entry
    listed: frozenset[Comparable] | None = None  # parsed explicit list, built on first need


@dataclass
class Matcher:
    """Evaluates entries against versions, parsing each bound once per audit."""

    cache: VersionCache = field(default_factory=VersionCache)
    _prepared: dict[int, tuple[Affected, _Prepared]] = field(default_factory=dict)

    def _prepare_range(self, eco: str, events: tuple[tuple[str, str], ...]) -> tuple[Event, ...]:
        out: list[tuple[tuple[int, object, int], Event]] = []
        for kind, value in events:
            bound = None if kind == "introduced" and value == "0" else self.cache.parse(eco, value)
            key = (0, 0, 0) if bound is None else (1, bound, _ORDER[kind])
            out.append((key, (kind, bound, value)))
        out.sort(key=lambda pair: pair[0])  # type: ignore[arg-type, return-value]
        return tuple(event for _, event in out)

    def prepare(self, entry: Affected) -> _Prepared:
        hit = self._prepared.get(id(entry))
        if hit is not None and hit[0] is entry:
            return hit[1]
        eco, ranges = entry.ecosystem, []
        for kind, events in entry.ranges:
            if kind in ("ECOSYSTEM", "SEMVER"):
                try:
                    ranges.append(self._prepare_range(eco, events))
                except BadVersion:
                    continue  # a bound we cannot order: the explicit list still applies
        fixes = tuple(v for r in ranges for k, b, v in r if k == "fixed")
        prepared = _Prepared(tuple(ranges), frozenset(entry.versions), fixes)
        self._prepared[id(entry)] = (entry, prepared)
        return prepared

    def evaluate(self, entry: Affected, version: str) -> Verdict:
        """Is ``version`` of the package affected by this entry, and which versions fix it?"""
        parsed = self.cache.get(entry.ecosystem, version)
        if parsed is None:
            return Verdict(affected=version in entry.versions, unordered=True)
        prepared = self.prepare(entry)
        hit = version in prepared.strings
        fixed: list[str] = []
        for events in prepared.ranges:
            inside, fix = _in_range(parsed, events)
            hit = hit or inside
            if inside and fix:
                fixed.append(fix)
        if not hit and prepared.strings and not prepared.ranges:
            # A list-only entry: also match "1.0.0" against a listed "1.0" (equal as versions). With
            # ranges, the list is the registry's spelling of what the ranges already cover (OSV).
            hit = parsed in self._parsed_list(entry, prepared)
        if hit and not fixed:
            fixed = [v for v in prepared.fixes if self.cache.parse(entry.ecosystem, v) > parsed]
        return Verdict(affected=hit, fixed=tuple(dict.fromkeys(fixed)))

    def _parsed_list(self, entry: Affected, prepared: _Prepared) -> frozenset[Comparable]:
        if prepared.listed is None:
            eco = entry.ecosystem
            prepared.listed = frozenset(
                p for v in entry.versions if (p := self.cache.get(eco, v)) is not None
            )
        return prepared.listed

    def smallest_upgrade(
        self, ecosystem: str, current: str, entries: list[Affected], candidates: set[str]
    ) -> str | None:
        """The smallest candidate above ``current`` that none of the package's advisories affect."""
        base = self.cache.get(ecosystem, current)
        ordered = [(p, c) for c in candidates if (p := self.cache.get(ecosystem, c)) is not None]
        for parsed, raw in sorted(ordered, key=lambda pair: pair[0]):  # type: ignore[arg-type, return-value]
            if base is not None and parsed <= base:
                continue
            if not any(self.evaluate(e, raw).affected for e in entries):
                return raw
        return None


def _in_range(version: Comparable, events: tuple[Event, ...]) -> tuple[bool, str | None]:
    """(affected, the fix that closes the segment containing ``version`` if any)."""
    if any(kind == "limit" and bound is not None and version >= bound for kind, bound, _ in events):
        return False, None
    affected = False
    for kind, bound, _ in events:
        if kind == "introduced" and (bound is None or version >= bound):
            affected = True
        elif bound is not None and _closes(kind, version, bound):
            affected = False
    if not affected:
        return False, None
    later = [
        (bound, raw)
        for kind, bound, raw in events
        if kind == "fixed" and bound is not None and bound > version
    ]
    return True, min(later, key=lambda pair: pair[0])[1] if later else None


def _closes(kind: str, version: Comparable, bound: Comparable) -> bool:
    return (kind == "fixed" and version >= bound) or (kind == "last_affected" and version > bound)


def evaluate(entry: Affected, version: str) -> Verdict:
    """One-off evaluation (a fresh ``Matcher``); audits share one matcher instead."""
    return Matcher().evaluate(entry, version)


def smallest_upgrade(
    ecosystem: str, current: str, entries: list[Affected], candidates: set[str]
) -> str | None:
    return Matcher().smallest_upgrade(ecosystem, current, entries, candidates)
