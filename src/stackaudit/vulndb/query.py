"""Read access to the vulnerability tables (indexed look-ups, batched)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from stackaudit.vulndb import schema as t
from stackaudit.vulndb.matching import Affected

_BATCH = 400


@dataclass(frozen=True, slots=True)
class SourceInfo:
    name: str
    kind: str
    snapshot: str
    records: int
    rejected: int
    imported_at: str

    def age_days(self, today: date | None = None) -> int | None:
        try:
            snap = date.fromisoformat(self.snapshot[:10])
        except ValueError:
            return None
        return ((today or datetime.now(UTC).date()) - snap).days


@dataclass(frozen=True, slots=True)
class AdvisoryRecord:
    id: str
    summary: str
    aliases: tuple[str, ...]
    cvss_vector: str | None
    cvss_score: float | None


def _batches[T](items: Iterable[T]) -> list[list[T]]:
    seq = sorted(set(items))  # type: ignore[type-var]
    return [seq[i : i + _BATCH] for i in range(0, len(seq), _BATCH)]


class VulnDatabase:
    """Queries over one engine. Cheap to build; holds no connection open."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def sources(self) -> list[SourceInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.sources).order_by(t.sources.c.name)).all()
        return [SourceInfo(r.name, r.kind, r.snapshot, r.records, r.rejected, r.imported_at) for r in rows]

    def advisory_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(t.advisories)) or 0)

    def ecosystems(self) -> set[str]:
        """Ecosystems that have at least one advisory in the database."""
        with self.engine.connect() as conn:
            return set(conn.scalars(select(t.affected.c.ecosystem).distinct()))

    def affected_for(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[Affected]]:
        """Affected entries per (ecosystem, normalised package)."""
        wanted = set(keys)
        out: dict[tuple[str, str], list[Affected]] = {}
        c = t.affected.c
        with self.engine.connect() as conn:
            for chunk in _batches(p for _, p in wanted):
                query = select(c.advisory_id, c.ecosystem, c.package, c.ranges, c.versions).where(
                    c.package.in_(chunk)
                )
                for row in conn.execute(query):
                    if (row.ecosystem, row.package) in wanted:
                        out.setdefault((row.ecosystem, row.package), []).append(Affected.from_row(*row))
        return out

    def advisories(self, ids: Iterable[str]) -> dict[str, AdvisoryRecord]:
        out: dict[str, AdvisoryRecord] = {}
        c = t.advisories.c
        with self.engine.connect() as conn:
            for chunk in _batches(ids):
                query = select(c.id, c.summary, c.aliases, c.cvss_vector, c.cvss_score).where(c.id.in_(chunk))
                for r in conn.execute(query):
                    out[r.id] = AdvisoryRecord(
                        r.id, r.summary, tuple(json.loads(r.aliases)), r.cvss_vector, r.cvss_score
                    )
        return out

    def kev(self, cves: Iterable[str]) -> dict[str, bool]:
        """CVE -> known ransomware use, for the CVEs in the KEV catalog."""
        out: dict[str, bool] = {}
        with self.engine.connect() as conn:
            for chunk in _batches(cves):
                for r in conn.execute(select(t.kev.c.cve, t.kev.c.ransomware).where(t.kev.c.cve.in_(chunk))):
                    out[r.cve] = bool(r.ransomware)
        return out

    def epss(self, cves: Iterable[str]) -> dict[str, tuple[float, float]]:
        out: dict[str, tuple[float, float]] = {}
        c = t.epss.c
        with self.engine.connect() as conn:
            for chunk in _batches(cves):
                for r in conn.execute(select(c.cve, c.epss, c.percentile).where(c.cve.in_(chunk))):
                    out[r.cve] = (float(r.epss), float(r.percentile))
        return out
