"""discover → analyze → enrich → score → store. The one entry point of an audit."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from stackaudit import __version__
from stackaudit.analyzers import registry
from stackaudit.analyzers.base import FileAnalyzer, RepoAnalyzer, RepoContext
from stackaudit.analyzers.pyparse import ParsedModules
from stackaudit.config.schema import Config
from stackaudit.discovery.files import Discovery, discover
from stackaudit.discovery.pyversion import newer_python_notice
from stackaudit.engine import baseline as baseline_mod
from stackaudit.engine.assess import AssessInputs, assess, evidence_matches, evidence_uses, rank, with_owners
from stackaudit.engine.cache import CacheBackend
from stackaudit.engine.gate import Threshold, verdict
from stackaudit.engine.history import fixed_since
from stackaudit.engine.incremental import Incremental, remember
from stackaudit.engine.incremental import run as run_incremental
from stackaudit.engine.merge import authorities
from stackaudit.engine.notices import VULNDB_NOTICE_PREFIX, headline, is_headline, vulndb_missing
from stackaudit.engine.owners import resolve_owners
from stackaudit.engine.postprocess import finalise, reported
from stackaudit.engine.runner import Runner, RunnerOutput, RunnerPlan
from stackaudit.model import Assessment, AuditResult, Evidence, Finding, GateVerdict, RuleMeta, Run
from stackaudit.scope.model import ServiceMap
from stackaudit.scope.stored import encode_map, map_key
from stackaudit.storage.store import HistoryEntry, Store, default_url, project_key
from stackaudit.threat.stored import encode_threats, threat_key
from stackaudit.vulndb.connect import VulnStore
from stackaudit.vulndb.connect import locate as locate_vulndb

if TYPE_CHECKING:
    from stackaudit.scope.build import Scope
    from stackaudit.threat.model import ThreatModel

EVIDENCE_WINDOW = timedelta(days=30)
ENGINE = "engine"  # the owner of the engine's own rules (suppressions without a reason)
Progress = Callable[[int, int], None]
Stage = Callable[[str, int], None]  # (stage name, items): shown after the file bar


def _no_stage(_name: str, _count: int) -> None:
    return None


@dataclass(frozen=True)
class AuditOptions:
    root: Path
    config: Config
    db_url: str | None = None
    jobs: int | None = None
    use_cache: bool = True
    only_analyzers: frozenset[str] | None = None
    baseline: str | None = None
    fail_on: str | None = None
    fail_on_exploitable: bool = False
    record: bool = True  # save the run in the history store
    changed_since: str | None = None  # a git ref: analyse what changed, carry the rest (incremental.py)


def select_analyzers(
    config: Config, only: frozenset[str] | None
) -> tuple[tuple[type[FileAnalyzer], ...], tuple[type[RepoAnalyzer], ...]]:
    def wanted(cls: type[FileAnalyzer] | type[RepoAnalyzer]) -> bool:
        if only is not None:
            return cls.name in only
        return cls.default_enabled and cls.name not in config.disable

    files = tuple(c for c in registry.file_analyzers() if wanted(c))
    repos = tuple(c for c in registry.repo_analyzers() if wanted(c))
    return files, repos


def _run_analyzers(
    options: AuditOptions,
    disc: Discovery,
    store: Store,
    vuln: VulnStore,
    progress: Progress | None,
    incremental: Incremental | None = None,
    parsed: ParsedModules | None = None,
) -> RunnerOutput:
    files, repos = select_analyzers(options.config, options.only_analyzers)
    jobs = options.jobs or options.config.jobs or os.cpu_count() or 1
    ctx = RepoContext(
        root=disc.root,
        files=disc.files,
        config=options.config,
        is_git=disc.is_git,
        # The vulnerability data: never created by an offline audit, only by one allowed online.
        db_url=vuln.url if vuln.exists() or options.config.supply_chain.online else None,
        cache_dir=disc.root / ".stackaudit" / "cache",
        jobs=jobs,
        parsed=parsed or ParsedModules(),
    )
    plan = RunnerPlan(
        ctx=ctx,
        file_analyzers=files,
        repo_analyzers=repos,
        jobs=jobs,
        cache=store if options.use_cache else None,
        analyzer_timeout_s=options.config.analyzer_timeout_s,
        progress=progress,
    )
    if incremental is not None:
        return run_incremental(plan, incremental)
    return Runner(plan).run()


def _scope(
    analysed: Callable[[str, str], bool],
    rules_by_analyzer: dict[str, str],
    rules: Mapping[str, RuleMeta],
    config: Config,
) -> Callable[[HistoryEntry], bool]:
    """A history entry can only be 'fixed' if its analyzer fully analysed its file this run,
    and its rule is still reported there (not off by config, by default, or in tests)."""

    def in_scope(entry: HistoryEntry) -> bool:
        rule = rules.get(entry.rule_id)
        return analysed(rules_by_analyzer.get(entry.rule_id, ENGINE), entry.path) and reported(
            entry.rule_id, rule.category if rule else None, entry.path, config
        )

    return in_scope


def _analysed_by(out: RunnerOutput, disc: Discovery) -> Callable[[str, str], bool]:
    """Which analyzer fully analysed which file (no crash, no bound, no skip)."""
    ran = {ENGINE, *(r.name for r in out.analyzers if r.state in ("ok", "partial"))}
    cut = {(na.analyzer, na.path) for na in out.not_analysed}
    unread = {na.path for na in (*out.not_analysed, *disc.not_analysed) if na.analyzer is None}

    def analysed(analyzer: str, path: str) -> bool:
        return analyzer in ran and (analyzer, path) not in cut and path not in unread

    return analysed


def _gate(options: AuditOptions, result: AuditResult, store: Store, project: str) -> GateVerdict:
    threshold = Threshold.parse(options.fail_on or options.config.fail_on)
    fingerprints: frozenset[str] | None = None
    label = None
    if options.baseline:

        def audit_tree(tree: Path) -> frozenset[str]:
            sub = dataclasses.replace(
                options, root=tree, baseline=None, record=False, db_url=store_url(options), changed_since=None
            )
            done = run_audit(sub)
            return frozenset(a.finding.fingerprint for a in (*done.findings, *done.suppressed))

        base = baseline_mod.resolve(options.baseline, Path(result.run.root), store, project, audit_tree)
        fingerprints, label = base.fingerprints, base.label
        if base.exported:
            fingerprints |= baseline_mod.history_fingerprints(a.finding for a in result.findings)
    exploitable = _exploitable_predicate() if options.fail_on_exploitable else None
    return verdict(result.findings, threshold, fingerprints, label, exploitable)


def _exploitable_predicate() -> Callable[[Finding], bool]:
    from stackaudit.analyzers.sca import exploitable

    return exploitable


def _runtime_findings(
    evidence: Sequence[Evidence], findings: Sequence[Finding], root: Path, disabled: frozenset[str]
) -> list[Finding]:
    """Runtime problems no static finding explains stand as ``runtime.*`` findings."""
    from stackaudit.runtime.findings import evidence_findings

    own = evidence_findings(evidence, findings, evidence_matches, root)
    return [f for f in own if f.rule_id not in disabled]


def _with_endpoints(
    disc: Discovery,
    findings: Sequence[Finding],
    config: Config,
    out: RunnerOutput,
    backend: CacheBackend | None,
    parsed: ParsedModules,
) -> tuple[list[Finding], ServiceMap | None, Scope | None]:
    """Each finding in a request handler (or in a helper only handlers call) gets its endpoint
    and the ``auth`` level that reaches it, from the service map (scope/attach.py), and the
    journeys it sits on (threat/journeys.py). The map's answers and the map itself are cached
    across runs on the content of the files it reads (engine/scopemap.py); the map goes with the
    result (drawn by the HTML report and the dashboard). The full map (for the threat model) is
    built only when journeys are declared."""
    from stackaudit.engine.scopemap import audit_scope
    from stackaudit.scope.attach import attach_endpoints
    from stackaudit.scope.build import Scope, load_scope
    from stackaudit.scope.reach import CachedScope
    from stackaudit.threat.journeys import declared, mark

    paths = [f.path for f in disc.files if f.language == "python"]
    if not paths:
        return list(findings), None, None
    journeys = declared(config)
    try:
        answers: Scope | CachedScope
        if out.scope is not None:  # cached, or built by the worker that holds the trees
            answers, smap = CachedScope(out.scope), out.scope.service_map
        else:
            answers = audit_scope(disc.root, paths, out.digests, backend, parsed)
            smap = answers.service_map() if isinstance(answers, Scope) else answers.table.service_map
        full = answers if isinstance(answers, Scope) else None
        if full is None and journeys:  # the threat model walks the whole map
            full = load_scope(disc.root, paths, parsed)
    except RecursionError:  # a URL conf nested past Python's stack: findings keep no endpoint
        return list(findings), None, None
    return mark(attach_endpoints(findings, answers), journeys), smap, full


def _threat_model(
    scope: Scope | None, smap: ServiceMap | None, config: Config, active: Sequence[Assessment], when: datetime
) -> ThreatModel | None:
    """STRIDE per declared journey (threat/), with this audit's findings as evidence."""
    from stackaudit.threat.build import for_audit

    return for_audit(scope, smap, config, active, when)


def store_url(options: AuditOptions) -> str:
    return options.db_url or default_url(options.root.resolve())


def _notices(out: RunnerOutput, disc: Discovery, vuln: VulnStore) -> tuple[str, ...]:
    """The runner's notices, led by those that change how the whole report reads."""
    first = [
        vulndb_missing(out.analyzers, vuln.where, vuln.origin),
        newer_python_notice(disc.root, (*disc.not_analysed, *out.not_analysed)),
    ]
    lead = [n if n is None or is_headline(n) else headline(n) for n in first]
    # The headline names the store and the commands: an analyzer's shorter notice of the same
    # missing data would say it twice.
    rest = [n for n in out.notices if not (first[0] and n.startswith(VULNDB_NOTICE_PREFIX))]
    return tuple(dict.fromkeys([*(n for n in lead if n), *rest]))


def run_audit(
    options: AuditOptions, progress: Progress | None = None, stage: Stage | None = None
) -> AuditResult:
    """Audit ``options.root``; the run is stored in one transaction at the very end (or not at all)."""
    started = datetime.now(UTC)
    root = options.root.resolve()
    url = store_url(options)
    stage = stage or _no_stage
    vuln = locate_vulndb(None, options.config)
    with Store.open(url) as store:
        project = project_key(root)
        disc = discover(root, options.config)
        inc = Incremental(options.changed_since, store, project, stage) if options.changed_since else None
        # One parse per Python file for the whole audit in this process: the repository
        # analyzers on threads, the inline file analyzers and the service map share it.
        parsed = ParsedModules()
        out = _run_analyzers(options, disc, store, vuln, progress, inc, parsed)
        stage("merging", len(out.findings))
        index = registry.rule_index()
        analysed = _analysed_by(out, disc)
        table = authorities(registry.all_analyzers())
        done = finalise(
            out.findings, out.suppressions, options.config, analysed, table, out.proofs, out.nosec
        )
        findings, smap, scope_read = _with_endpoints(
            disc, done.findings, options.config, out, store if options.use_cache else None, parsed
        )
        parsed.clear()  # the trees are most of a large run's memory: gone before scoring
        history = store.history(project)
        evidence = store.evidence(project, since=started - EVIDENCE_WINDOW)
        disabled = frozenset(rid for rid, o in options.config.rules.items() if not o.enabled)
        findings = [*findings, *_runtime_findings(evidence, findings, root, disabled)]
        stage("scoring", len(findings))
        active, quiet = assess(
            AssessInputs(
                findings=findings,
                rules=index.rules,
                config=options.config,
                evidence=evidence,
                history=history,
                marks=out.suppressions,
                now=started,
            )
        )
        stage("owners", len(active))
        active = rank(active)  # blame spends its budget on the top of the list
        unowned = [a.finding for a in active if a.owner is None]  # earlier runs' owners stand
        owners = resolve_owners(root, unowned, disc.is_git, commit=disc.commit)
        active = rank(with_owners(active, owners))
        rules_by_analyzer = {r.id: a.name for a in registry.all_analyzers() for r in a.rules}
        present = [f.fingerprint for f in findings]
        scope = _scope(analysed, rules_by_analyzer, index.rules, options.config)
        fixed = fixed_since(history, present, scope)
        analysed_paths = {f.path for f in disc.files} - {na.path for na in out.not_analysed}
        run = Run(
            id=uuid.uuid4().hex,
            project=project,
            root=str(root),
            started_at=started,
            finished_at=datetime.now(UTC),
            tool_version=__version__,
            config_hash=options.config.config_hash(),
            commit=disc.commit,
            branch=disc.branch,
            files_total=len(disc.files) + len(disc.not_analysed),
            files_analysed=len(analysed_paths),
            analyzers=out.analyzers,
            not_analysed=tuple(sorted((*disc.not_analysed, *out.not_analysed), key=lambda n: n.path)),
            tool_versions=tuple((r.name, r.version) for r in out.analyzers),
            timings=out.timings,
            notices=(*_notices(out, disc, vuln), *done.notices),
        )
        result = AuditResult(
            run=run,
            findings=tuple(active),
            suppressed=tuple(quiet),
            fixed=fixed,
            runtime=evidence_uses(evidence, [*active, *quiet]),
            service_map=smap,
            threat_model=_threat_model(scope_read, smap, options.config, active, started),
        )
        result = dataclasses.replace(result, gate=_gate(options, result, store, project))
        if options.record:
            stage("storing", len(result.findings) + len(result.suppressed))
            store.save_run(result)
            if smap is not None:
                store.cache_put_many({map_key(run.id): encode_map(smap)})
            if result.threat_model is not None:
                store.cache_put_many({threat_key(run.id): encode_threats(result.threat_model)})
            remember(store, project, out, run.id, run.commit, options.config)
            keep = options.config.retention
            store.apply_retention(project, keep.runs, keep.days, started)
        return result
