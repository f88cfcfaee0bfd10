"""``stackaudit db import``: load OSV, KEV and EPSS data into the store's indexed tables."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from stackaudit.vulndb import schema as t
from stackaudit.vulndb.osv import SchemaError
from stackaudit.vulndb.sources import (
    OSV_SUFFIXES,
    OsvBatch,
    parse_records,
    read_epss,
    read_kev,
    read_osv_tree,
    read_osv_zip,
)

_CHUNK = 500


class ImportFailed(ValueError):
    """The path is not a data set we know how to import (message says why)."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    source: str
    kind: str
    snapshot: str
    records: int
    withdrawn: int = 0
    rejected: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class ImportOptions:
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    name: str | None = None  # source name override
    snapshot: str | None = None  # snapshot date override (EPSS files without one)
    replace_source: bool = True  # drop the source's earlier records first (False: accumulate)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _record_source(conn: Connection, report: ImportReport, location: str) -> None:
    conn.execute(delete(t.sources).where(t.sources.c.name == report.source))
    conn.execute(
        insert(t.sources),
        [
            {
                "name": report.source,
                "kind": report.kind,
                "snapshot": report.snapshot,
                "records": report.records,
                "rejected": len(report.rejected),
                "imported_at": _now(),
                "location": location,
            }
        ],
    )
    conn.execute(delete(t.rejected).where(t.rejected.c.source == report.source))
    if report.rejected:
        conn.execute(
            insert(t.rejected),
            [{"source": report.source, "record": r, "reason": why} for r, why in report.rejected],
        )


def _chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def _osv_snapshot(batch: OsvBatch) -> str:
    now = _now()
    stamps = [s for r in batch.rows for s in (r.published, r.modified) if s and s <= now]
    return max(stamps)[:10] if stamps else now[:10]


def _write_osv(engine: Engine, batch: OsvBatch, source: str, replace: bool = True) -> None:
    ids = [r.id for r in batch.rows]
    with engine.begin() as conn:
        query = select(t.advisories.c.id).where(t.advisories.c.source == source)
        old = list(conn.scalars(query)) if replace else []
        for chunk in _chunks(sorted(set(old) | set(ids))):
            conn.execute(delete(t.affected).where(t.affected.c.advisory_id.in_(chunk)))
            conn.execute(delete(t.aliases).where(t.aliases.c.advisory_id.in_(chunk)))
            conn.execute(delete(t.advisories).where(t.advisories.c.id.in_(chunk)))
        if not batch.rows:
            return
        conn.execute(
            insert(t.advisories),
            [
                {
                    "id": r.id,
                    "source": source,
                    "summary": r.summary,
                    "published": r.published,
                    "modified": r.modified,
                    "aliases": json.dumps(r.aliases),
                    "cvss_vector": r.cvss_vector,
                    "cvss_score": r.cvss_score,
                }
                for r in batch.rows
            ],
        )
        conn.execute(
            insert(t.affected),
            [
                {
                    "advisory_id": r.id,
                    "ecosystem": eco,
                    "package": pkg,
                    "ranges": ranges,
                    "versions": versions,
                }
                for r in batch.rows
                for eco, pkg, ranges, versions in r.affected
            ],
        )
        alias_rows = [{"alias": a, "advisory_id": r.id} for r in batch.rows for a in (r.id, *r.aliases)]
        conn.execute(insert(t.aliases), alias_rows)


def _count(engine: Engine, source: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).where(t.advisories.c.source == source)) or 0)


def import_osv(engine: Engine, path: Path, options: ImportOptions) -> ImportReport:
    started = datetime.now(UTC)
    if path.is_dir():
        batch = read_osv_tree(path, options.jobs)
    elif path.suffix == ".zip":
        batch = read_osv_zip(path, options.jobs)
    else:
        batch = parse_records([(path.name, path.read_bytes())])
    ecosystems = sorted({a[0] for r in batch.rows for a in r.affected})
    source = options.name or f"osv:{'+'.join(ecosystems) or path.name}"
    _write_osv(engine, batch, source, options.replace_source)
    report = ImportReport(
        source=source,
        kind="osv",
        snapshot=options.snapshot or _osv_snapshot(batch),
        records=len(batch.rows) if options.replace_source else _count(engine, source),
        withdrawn=batch.withdrawn,
        rejected=tuple(batch.rejected),
        notes=(*batch.notes, f"ecosystems: {', '.join(ecosystems) or 'none'}"),
        seconds=(datetime.now(UTC) - started).total_seconds(),
    )
    with engine.begin() as conn:
        _record_source(conn, report, str(path))
    return report


def import_kev(engine: Engine, data: dict[str, Any], path: Path, options: ImportOptions) -> ImportReport:
    kev = read_kev(data)
    with engine.begin() as conn:
        conn.execute(delete(t.kev))
        if kev.rows:
            conn.execute(
                insert(t.kev),
                [{"cve": c, "ransomware": r, "date_added": d, "name": n} for c, r, d, n in kev.rows],
            )
        report = ImportReport(
            source=options.name or "kev",
            kind="kev",
            snapshot=options.snapshot or kev.snapshot,
            records=len(kev.rows),
        )
        _record_source(conn, report, str(path))
    return report


def import_epss(engine: Engine, path: Path, options: ImportOptions) -> ImportReport:
    data = read_epss(path)
    if not data.rows:
        raise ImportFailed(f"{path}: no EPSS rows found (expected 'CVE-…;epss;percentile' or FIRST's CSV)")
    snapshot = options.snapshot or data.snapshot
    notes: tuple[str, ...] = ()
    if snapshot is None:
        newest = max(p.stat().st_mtime for p in ([path] if path.is_file() else path.rglob("*")))
        snapshot = datetime.fromtimestamp(newest, UTC).date().isoformat()
        notes = (
            f"EPSS files carry no score date: using their modification date {snapshot} (--snapshot sets it)",
        )
    with engine.begin() as conn:
        conn.execute(delete(t.epss))
        rows = [{"cve": c, "epss": e, "percentile": p} for c, (e, p) in data.rows.items()]
        for i in range(0, len(rows), 50_000):
            conn.execute(insert(t.epss), rows[i : i + 50_000])
        report = ImportReport(
            source=options.name or "epss",
            kind="epss",
            snapshot=snapshot,
            records=len(rows),
            notes=notes,
            rejected=((path.name, f"{data.bad_lines} unreadable lines"),) if data.bad_lines else (),
        )
        _record_source(conn, report, str(path))
    return report


def _looks_like_epss(path: Path) -> bool:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return (
        bool(files)
        and all(p.suffix in (".csv", ".gz", ".md", ".txt") for p in files)
        and any(p.suffix in (".csv", ".gz") for p in files)
    )


def _kev_catalog_in(folder: Path) -> Path | None:
    """The KEV catalog when ``folder`` holds it and no OSV records."""
    if any(folder.rglob("*.yaml")) or any(folder.rglob("*.yml")):
        return None
    for candidate in sorted(folder.glob("*.json")):
        if candidate.name.endswith("_schema.json") or candidate.stat().st_size < 64:
            continue
        with candidate.open("rb") as handle:
            head = handle.read(4096)
        if b'"catalogVersion"' in head or b'"cveID"' in head:
            return candidate
    return None


def import_path(engine: Engine, path: Path, options: ImportOptions | None = None) -> ImportReport:
    """Detect what ``path`` holds and import it; raises ImportFailed with a clear message."""
    options = options or ImportOptions()
    if not path.exists():
        raise ImportFailed(f"{path}: no such file or directory")
    if _looks_like_epss(path):
        return import_epss(engine, path, options)
    kev = _kev_catalog_in(path) if path.is_dir() else None
    if kev is not None:  # a folder holding the KEV catalog (and its schema), as CISA ships it
        return import_path(engine, kev, options)
    if path.is_dir() or path.suffix in (".zip", ".yaml", ".yml"):
        return import_osv(engine, path, options)
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_bytes())
        except (ValueError, OSError) as exc:
            raise ImportFailed(f"{path}: not valid JSON: {exc}") from None
        if isinstance(data, dict) and "vulnerabilities" in data:
            try:
                return import_kev(engine, data, path, options)
            except SchemaError as exc:
                raise ImportFailed(f"{path}: {exc}") from None
        return import_osv(engine, path, options)
    raise ImportFailed(
        f"{path}: unknown data format (expected an OSV tree/zip, KEV JSON or EPSS CSV; "
        f"OSV records end in {', '.join(OSV_SUFFIXES)})"
    )
