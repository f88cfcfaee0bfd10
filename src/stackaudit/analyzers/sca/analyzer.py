"""The ``sca`` repo analyzer: dependencies -> vulnerabilities, pinning and licence findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from sqlalchemy.exc import SQLAlchemyError

from stackaudit.analyzers.base import RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.sca import findings as build
from stackaudit.analyzers.sca.reachability import ImportIndex
from stackaudit.analyzers.sca.rules import RULES
from stackaudit.config.sections.supply_chain import SupplyChainConfig
from stackaudit.inventory.deps.discover import build_inventory, is_dependency_file, locked_keys
from stackaudit.inventory.deps.model import Dependency, Inventory
from stackaudit.model import AnalyzerState, Finding, NotAnalysed, NotAnalysedReason
from stackaudit.storage.store import StoreError
from stackaudit.vulndb.audit import audit_dependencies
from stackaudit.vulndb.connect import open_engine
from stackaudit.vulndb.query import SourceInfo, VulnDatabase

NAME = "sca"
NO_DB = (
    "no vulnerability database: dependencies were NOT checked for known vulnerabilities "
    "(run `stackaudit db import`)"
)


@dataclass
class _Outcome:
    findings: list[Finding] = field(default_factory=list)
    not_analysed: list[NotAnalysed] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    skipped_reason: str = ""


def _unique(deps: Sequence[Dependency]) -> list[Dependency]:
    seen: dict[tuple[str, str, str, str | None, int], Dependency] = {}
    for d in deps:
        seen.setdefault((d.source, str(d.ecosystem), d.key, d.version, d.line), d)
    return list(seen.values())


def _for_matching(inventory: Inventory) -> list[Dependency]:
    """Every pinned dependency once; a manifest entry yields to the lock file beside it (what installs)."""
    locked = locked_keys(inventory)
    out = []
    for dep in _unique(inventory.dependencies):
        parsed_lock = any(f.is_lock and f.path == dep.source for f in inventory.files)
        folder = str(PurePosixPath(dep.source).parent)
        if not parsed_lock and (str(dep.ecosystem), dep.key) in locked.get(folder, set()):
            continue
        out.append(dep)
    return out


def _paths(inventory: Inventory) -> dict[tuple[str, str], tuple[str, ...]]:
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for f in inventory.files:
        dev = frozenset(d.key for d in f.dependencies if d.dev)
        for key, path in f.graph().paths(dev).items():
            out[(f.path, key)] = path
    return out


def _staleness(sources: list[SourceInfo], max_age: int) -> list[str]:
    notes = []
    for s in sources:
        age = s.age_days()
        if age is not None and age > max_age:
            notes.append(
                f"vulnerability data {s.name!r} is {age} days old (snapshot {s.snapshot[:10]}, "
                f"limit {max_age}): refresh with `stackaudit db update` or `db import`"
            )
    return notes


def _online(db: VulnDatabase, inventory: Inventory, settings: SupplyChainConfig) -> list[str]:
    """Refresh from the OSV API for the pinned dependencies (config ``online``); failures are notices."""
    import httpx

    from stackaudit.vulndb.online import query_online

    try:
        result = query_online(db.engine, inventory.dependencies, settings)
    except httpx.HTTPError as exc:
        return [f"OSV API not reachable ({type(exc).__name__}): matched against the local database only"]
    return [f"OSV API: {result.queried} packages queried, {result.cached} from the local cache"]


def _uncovered(present: set[str], inventory: Inventory) -> list[str]:
    used: dict[str, int] = {}
    for dep in _unique(inventory.dependencies):
        if dep.version:
            used[str(dep.ecosystem)] = used.get(str(dep.ecosystem), 0) + 1
    return [
        f"no {eco} advisories in the vulnerability database: {count} {eco} dependencies were NOT checked "
        f"(run `stackaudit db update --ecosystem {eco}` or `db import` an OSV {eco} export)"
        for eco, count in sorted(used.items())
        if eco not in present
    ]


def _open(ctx: RepoContext, inventory: Inventory, out: _Outcome) -> VulnDatabase | None:
    """The database with OSV data in it, or None with the loud reason recorded."""
    if not ctx.db_url:
        out.skipped_reason = NO_DB
        return None
    try:
        db = VulnDatabase(open_engine(ctx.db_url))
        if ctx.config.supply_chain.online:
            out.notices += _online(db, inventory, ctx.config.supply_chain)
        sources = db.sources()
    except (SQLAlchemyError, StoreError) as exc:
        out.skipped_reason = f"{NO_DB}; the store could not be opened: {type(exc).__name__}"
        return None
    if not any(s.kind == "osv" and s.records for s in sources):
        out.skipped_reason = NO_DB
        db.engine.dispose()
        return None
    settings = ctx.config.supply_chain
    out.notices += _staleness([s for s in sources if s.kind == "osv"], settings.max_db_age_days)
    out.notices += [
        f"no {k.upper()} data imported: {k.upper()} enrichment unavailable"
        for k in ("kev", "epss")
        if not any(s.kind == k for s in sources)
    ]
    out.notices += _uncovered(db.ecosystems(), inventory)
    return db


def _vulnerabilities(ctx: RepoContext, inventory: Inventory, out: _Outcome) -> None:
    db = _open(ctx, inventory, out)
    if db is None:
        return
    try:
        python = [f.path for f in ctx.files if f.language == "python"]
        imports = ImportIndex.scan(ctx.root, python, ctx.config.max_file_size)
        ignore = frozenset(ctx.config.supply_chain.ignore_vulnerabilities)
        outcome = audit_dependencies(db, _for_matching(inventory), lambda d: imports.reachable(d)[0], ignore)
    finally:
        db.engine.dispose()
    paths = _paths(inventory)
    for match in outcome.matches:
        dep = match.dependency
        path = paths.get((dep.source, dep.key), (dep.key,))
        out.findings.append(build.vulnerability_finding(match, path, imports.reachable(dep)[1]))
    out.not_analysed += [
        NotAnalysed(
            dep.source,
            NotAnalysedReason.PARTIAL,
            f"{dep.name}: version {dep.version!r} cannot be ordered by {dep.ecosystem} rules; "
            "checked only against advisories' explicit version lists",
            NAME,
        )
        for dep in outcome.unordered
    ]


def _inventory_notices(inventory: Inventory) -> list[str]:
    notes = []
    for f in inventory.files:
        for cycle in f.graph().cycles(limit=3):
            notes.append(f"{f.path}: dependency cycle {' > '.join(cycle)} (handled)")
    with_licence = [d for f in inventory.files if f.has_licences for d in f.dependencies]
    total = len(inventory.dependencies)
    if total and len(with_licence) < total:
        notes.append(
            f"licence checks applied to {len(with_licence)} of {total} dependencies: the other files "
            "(requirements, Python lock files, go.mod) carry no licence data"
        )
    return notes


def analyse(ctx: RepoContext) -> RepoResult:
    rels = [f.path for f in ctx.files if is_dependency_file(f.path)]
    inventory = build_inventory(ctx.root, rels)
    out = _Outcome()
    out.not_analysed += [
        NotAnalysed(p.path, NotAnalysedReason(p.reason), p.detail, NAME) for p in inventory.problems
    ]
    out.findings += build.unpinned_findings(inventory.files, locked_keys(inventory))
    licensed = [d for f in inventory.files if f.has_licences for d in _unique(f.dependencies)]
    out.findings += build.licence_findings(licensed, ctx.config.supply_chain.licences)
    out.notices += _inventory_notices(inventory)
    if rels:
        _vulnerabilities(ctx, inventory, out)
    state = AnalyzerState.SKIPPED if out.skipped_reason else AnalyzerState.OK
    notices = ([out.skipped_reason] if out.skipped_reason else []) + out.notices
    return RepoResult(
        findings=tuple(out.findings),
        not_analysed=tuple(out.not_analysed),
        state=state,
        reason=out.skipped_reason,
        notices=tuple(notices),
        cacheable=False,
    )


class ScaAnalyzer(RepoAnalyzer):
    """Dependencies, known vulnerabilities (offline OSV + KEV + EPSS), pinning and licences."""

    name = NAME
    version = "2"
    rules = RULES

    def cache_inputs(self, ctx: RepoContext) -> Sequence[SourceFile] | None:
        return None  # results depend on the vulnerability database, not only on files

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        return analyse(ctx)
