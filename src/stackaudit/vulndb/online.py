"""Network refresh: ``db update`` (OSV per-ecosystem exports, KEV, EPSS) and the OSV API
``querybatch`` with a local cache. Everything fetched lands in the same tables, so the
audit itself always matches offline."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from stackaudit.config.sections.supply_chain import SupplyChainConfig
from stackaudit.inventory.deps.model import Dependency
from stackaudit.vulndb import schema as t
from stackaudit.vulndb.importer import ImportFailed, ImportOptions, ImportReport, import_osv, import_path

_BATCH = 1000  # the OSV API's querybatch limit
# (source name, bytes so far, total bytes or None when the server does not say): a progress bar
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True, slots=True)
class UpdateResult:
    reports: tuple[ImportReport, ...]
    errors: tuple[str, ...]  # one clear line per source that could not be fetched


def _download(
    client: httpx.Client, url: str, target: Path, name: str = "", progress: Progress | None = None
) -> None:
    with client.stream("GET", url) as response:
        response.raise_for_status()
        length = response.headers.get("content-length")
        total = int(length) if length and length.isdigit() else None
        done = 0
        with target.open("wb") as out:
            for chunk in response.iter_bytes():
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(name, done, total)


def update(
    engine: Engine,
    ecosystems: Sequence[str],
    settings: SupplyChainConfig,
    include_kev_epss: bool = True,
    progress: Progress | None = None,
) -> UpdateResult:
    """Download and import OSV exports for ``ecosystems`` (+ KEV and EPSS). Failures are listed."""
    jobs: list[tuple[str, str, str]] = [
        (f"osv:{eco}", f"{settings.osv_export_url.rstrip('/')}/{eco}/all.zip", f"{eco}-all.zip")
        for eco in ecosystems
    ]
    if include_kev_epss:
        jobs += [("kev", settings.kev_url, "kev.json"), ("epss", settings.epss_url, "epss.csv.gz")]
    reports: list[ImportReport] = []
    errors: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="stackaudit-update-") as tmp,
        httpx.Client(timeout=settings.http_timeout_s, follow_redirects=True) as client,
    ):
        for name, url, filename in jobs:
            target = Path(tmp) / filename
            try:
                _download(client, url, target, name, progress)
                reports.append(import_path(engine, target, ImportOptions(name=name)))
            except (httpx.HTTPError, OSError) as exc:
                errors.append(f"{name}: could not download {url}: {type(exc).__name__}: {exc}")
            except ImportFailed as exc:
                errors.append(f"{name}: downloaded but not importable: {exc}")
    return UpdateResult(tuple(reports), tuple(errors))


def _cache_key(dep: Dependency) -> str:
    return f"{dep.ecosystem}/{dep.key}@{dep.version}"


def _fresh_keys(engine: Engine, keys: list[str], max_age: timedelta) -> set[str]:
    cutoff = (datetime.now(UTC) - max_age).isoformat()
    with engine.connect() as conn:
        rows = conn.execute(select(t.cache.c.key, t.cache.c.fetched_at).where(t.cache.c.key.in_(keys))).all()
    return {r.key for r in rows if r.fetched_at >= cutoff}


@dataclass(frozen=True, slots=True)
class OnlineResult:
    queried: int
    cached: int
    advisories: int
    report: ImportReport | None


def query_online(engine: Engine, deps: Sequence[Dependency], settings: SupplyChainConfig) -> OnlineResult:
    """Ask the OSV API which advisories affect these pinned dependencies; fetch and store new ones."""
    pinned = {_cache_key(d): d for d in deps if d.version}
    fresh = (
        _fresh_keys(engine, list(pinned), timedelta(hours=settings.online_cache_hours)) if pinned else set()
    )
    todo = [d for k, d in pinned.items() if k not in fresh]
    base = settings.osv_api_url.rstrip("/")
    found: dict[str, list[str]] = {}
    with httpx.Client(timeout=settings.http_timeout_s) as client:
        for i in range(0, len(todo), _BATCH):
            chunk = todo[i : i + _BATCH]
            queries = [
                {"package": {"name": d.name, "ecosystem": str(d.ecosystem)}, "version": d.version}
                for d in chunk
            ]
            response = client.post(f"{base}/v1/querybatch", json={"queries": queries})
            response.raise_for_status()
            for dep, result in zip(chunk, response.json().get("results", []), strict=False):
                found[_cache_key(dep)] = [str(v["id"]) for v in (result or {}).get("vulns", [])]
        wanted = sorted({i for ids in found.values() for i in ids})
        with engine.connect() as conn:
            known = set(conn.scalars(select(t.advisories.c.id).where(t.advisories.c.id.in_(wanted))))
        items = [
            (f"{i}.json", client.get(f"{base}/v1/vulns/{i}").raise_for_status().content)
            for i in wanted
            if i not in known
        ]
    report = _store(engine, items) if items else None
    _remember(engine, found)
    return OnlineResult(queried=len(todo), cached=len(fresh), advisories=len(wanted), report=report)


def _store(engine: Engine, items: list[tuple[str, bytes]]) -> ImportReport:
    with tempfile.TemporaryDirectory(prefix="stackaudit-online-") as tmp:
        for row_name, data in items:
            (Path(tmp) / row_name).write_bytes(data)
        return import_osv(engine, Path(tmp), ImportOptions(jobs=1, name="osv:online", replace_source=False))


def _remember(engine: Engine, found: dict[str, list[str]]) -> None:
    if not found:
        return
    now = datetime.now(UTC).isoformat()
    with engine.begin() as conn:
        conn.execute(delete(t.cache).where(t.cache.c.key.in_(list(found))))
        conn.execute(
            insert(t.cache), [{"key": k, "fetched_at": now, "ids": json.dumps(v)} for k, v in found.items()]
        )
