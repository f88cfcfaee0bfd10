"""Match dependencies against the database and build complete ``VulnerabilityInfo`` values.

One result per vulnerability per package: advisories that alias each other (PYSEC,
GHSA, CVE …) are merged first. Enrichment (CVSS, EPSS, KEV) happens here, before
any finding is built, so findings never change afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from stackaudit.inventory.deps.model import Dependency
from stackaudit.model.vuln import VulnerabilityInfo
from stackaudit.vulndb.matching import Affected, Matcher
from stackaudit.vulndb.query import AdvisoryRecord, VulnDatabase
from stackaudit.vulndb.versions import BadVersion, parse_version

_PREFERENCE = ("PYSEC-", "GO-", "GHSA-", "RUSTSEC-", "OSV-", "MAL-")


@dataclass(frozen=True, slots=True)
class VulnMatch:
    dependency: Dependency
    info: VulnerabilityInfo
    records: tuple[str, ...]  # the advisory records merged into this one
    upgrade: str | None  # the smallest version fixing every advisory of this package


@dataclass(frozen=True, slots=True)
class AuditOutcome:
    matches: tuple[VulnMatch, ...]
    unordered: tuple[Dependency, ...] = ()  # versions the ecosystem cannot order (partly checked)
    checked: int = 0


def _rank(identifier: str) -> tuple[int, str]:
    for index, prefix in enumerate(_PREFERENCE):
        if identifier.startswith(prefix):
            return (index, identifier)
    return (len(_PREFERENCE) + (1 if identifier.startswith("CVE-") else 0), identifier)


def merge_aliases(records: Sequence[AdvisoryRecord]) -> list[list[AdvisoryRecord]]:
    """Group records that share any id or alias (union-find over the id sets)."""
    groups: list[tuple[set[str], list[AdvisoryRecord]]] = []
    for record in records:
        ids = {record.id, *record.aliases}
        joined = [g for g in groups if g[0] & ids]
        merged_ids, merged = set(ids), [record]
        for g in joined:
            merged_ids |= g[0]
            merged += g[1]
            groups.remove(g)
        groups.append((merged_ids, merged))
    return [sorted(g[1], key=lambda r: _rank(r.id)) for g in groups]


def _sort_versions(ecosystem: str, versions: set[str]) -> tuple[str, ...]:
    def key(v: str) -> tuple[int, object]:
        try:
            return (0, parse_version(ecosystem, v))
        except BadVersion:
            return (1, v)

    return tuple(sorted(versions, key=key))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class _Enrichment:
    kev: dict[str, bool]
    epss: dict[str, tuple[float, float]]


def _info(
    dep: Dependency, group: list[AdvisoryRecord], fixed: set[str], data: _Enrichment, reachable: bool | None
) -> VulnerabilityInfo:
    primary = group[0]
    ids = {i for r in group for i in (r.id, *r.aliases)}
    cves = sorted(i for i in ids if i.startswith("CVE-"))
    scored = [r for r in group if r.cvss_score is not None]
    best = max(scored, key=lambda r: r.cvss_score or 0.0) if scored else None
    epss = max((data.epss[c] for c in cves if c in data.epss), default=None)
    return VulnerabilityInfo(
        id=primary.id,
        aliases=tuple(sorted(ids - {primary.id}, key=_rank)),
        package=dep.name,
        ecosystem=str(dep.ecosystem),
        version=dep.version or "",
        fixed_versions=_sort_versions(str(dep.ecosystem), fixed),
        cvss_score=best.cvss_score if best else None,
        cvss_vector=best.cvss_vector if best else None,
        epss=epss[0] if epss else None,
        epss_percentile=epss[1] if epss else None,
        kev=any(c in data.kev for c in cves),
        kev_ransomware=any(data.kev.get(c, False) for c in cves),
        reachable=reachable,
        summary=next((r.summary for r in group if r.summary), ""),
    )


def _orderable(dep: Dependency) -> bool:
    try:
        parse_version(str(dep.ecosystem), dep.version or "")
    except BadVersion:
        return False
    return True


def _candidates(entries: list[Affected]) -> set[str]:
    return {
        v for e in entries for kind, events in e.ranges if kind != "GIT" for k, v in events if k == "fixed"
    }


def audit_dependencies(
    db: VulnDatabase,
    deps: Sequence[Dependency],
    reachable: Callable[[Dependency], bool | None] = lambda _d: None,
    ignore: frozenset[str] = frozenset(),
) -> AuditOutcome:
    """Every known vulnerability of every pinned dependency, merged and enriched."""
    pinned = [d for d in deps if d.version]
    table = db.affected_for({(str(d.ecosystem), d.key) for d in pinned})
    matcher = Matcher()
    hits: list[tuple[Dependency, list[Affected], dict[str, set[str]]]] = []
    unordered: list[Dependency] = []
    for dep in pinned:
        entries = table.get((str(dep.ecosystem), dep.key), [])
        found: dict[str, set[str]] = {}
        if not _orderable(dep):
            unordered.append(dep)
        for entry in entries:
            verdict = matcher.evaluate(entry, dep.version or "")
            if verdict.affected and entry.advisory_id not in ignore:
                found.setdefault(entry.advisory_id, set()).update(verdict.fixed)
        if found:
            hits.append((dep, entries, found))
    records = db.advisories({i for _, _, found in hits for i in found})
    cves = {a for r in records.values() for a in (r.id, *r.aliases) if a.startswith("CVE-")}
    data = _Enrichment(kev=db.kev(cves), epss=db.epss(cves))
    matches: list[VulnMatch] = []
    for dep, entries, found in hits:
        upgrade = matcher.smallest_upgrade(
            str(dep.ecosystem), dep.version or "", entries, _candidates(entries)
        )
        for group in merge_aliases([records[i] for i in sorted(found) if i in records]):
            if ignore & {i for r in group for i in (r.id, *r.aliases)}:
                continue
            fixed = {v for r in group for v in found.get(r.id, set())}
            info = _info(dep, group, fixed, data, reachable(dep))
            matches.append(VulnMatch(dep, info, tuple(r.id for r in group), upgrade))
    return AuditOutcome(tuple(matches), tuple(unordered), checked=len(pinned))
