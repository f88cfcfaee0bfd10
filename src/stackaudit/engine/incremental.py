"""``audit --changed-since REF``: analyse what changed, carry the rest from the latest stored run.

* File analyzers and the other repository analyzers run as in any audit: each file analyzer's
  result is cached per file content, so only changed files (or files the cache does not hold)
  are analysed; the others are served by the per-file cache. Repository analyzers are cached
  on their inputs.
* The taint engine, which analyses the whole program, reads only the closure of the changed
  files (engine/changed.py), in a process of its own beside the other analyzers, and its
  findings are combined with the latest stored run's (engine/carry.py). With no stored run to
  carry from (or one made by another taint version or configuration), the audit runs in full
  and says so.
* Other whole-repository analyzers (rate limits, audit trail, ruff) run in full, as they do on
  any change: they are cached on their inputs, not per file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from stackaudit.analyzers.base import RepoAnalyzer, RepoContext, RepoResult
from stackaudit.config.schema import Config
from stackaudit.engine import carry
from stackaudit.engine.cache import CacheBackend, content_hash
from stackaudit.engine.changed import HOPS, Closure, changed_paths, closure
from stackaudit.engine.groups import RepoOutcome as _RepoOutcome
from stackaudit.engine.groups import repo_in_process as _repo_in_process
from stackaudit.engine.runner import Runner, RunnerOutput, RunnerPlan, _new_pool, _terminate
from stackaudit.model import AnalyzerRecord, AnalyzerState

TAINT = "taint"
Stage = Callable[[str, int], None]


def signature(cls: type[RepoAnalyzer], config: Config) -> str:
    return f"{cls.name}:{cls.version}:{config.section_hash(cls.config_keys)}"


@dataclass(frozen=True, slots=True)
class Incremental:
    ref: str
    backend: CacheBackend
    project: str
    stage: Stage


def _texts(ctx: RepoContext) -> tuple[dict[str, str], dict[str, str]]:
    """Every Python file's text and content hash (the runner's hash: ``cache.content_hash``)."""
    texts, digests = {}, {}
    for file in ctx.files:
        if file.language == "python":
            try:
                data = file.abspath.read_bytes()
            except OSError:
                continue  # the runner records the file as not analysed
            texts[file.path] = data.decode("utf-8", "replace")
            digests[file.path] = content_hash(data)
    return texts, digests


def _start(taint: type[RepoAnalyzer], ctx: RepoContext) -> tuple[ProcessPoolExecutor, Future[_RepoOutcome]]:
    """Taint over the closure in a process of its own, forked before the runner starts its
    threads, so it runs beside the other analyzers as in a full audit."""
    pool = _new_pool(1)
    return pool, pool.submit(_repo_in_process, taint, ctx)


def _finish(
    pool: ProcessPoolExecutor, future: Future[_RepoOutcome], taint: type[RepoAnalyzer], timeout: float
) -> tuple[_RepoOutcome | None, AnalyzerRecord | None]:
    """The outcome, or the record of why there is none (timeout, skip, crash)."""
    try:
        outcome = future.result(timeout=timeout)
    except FutureTimeout:
        _terminate(pool)
        reason = f"did not finish within {timeout:g}s"
        return None, AnalyzerRecord(taint.name, taint.version, AnalyzerState.TIMEOUT, reason)
    pool.shutdown(wait=True)
    if outcome.result is None:
        state = AnalyzerState.SKIPPED if outcome.skipped else AnalyzerState.FAILED
        return None, AnalyzerRecord(taint.name, taint.version, state, outcome.error or "no result")
    return outcome, None


def run(plan: RunnerPlan, inc: Incremental) -> RunnerOutput:
    """The runner's output for a ``--changed-since`` audit (see the module doc)."""
    ctx = plan.ctx
    changed = changed_paths(ctx.root, inc.ref)
    taint = next((c for c in plan.repo_analyzers if c.name == TAINT), None)
    carried = carry.load(inc.backend, inc.project, TAINT, signature(taint, ctx.config)) if taint else None
    if taint is None or carried is None:
        out = Runner(dataclasses.replace(plan, ctx=dataclasses.replace(ctx, changed=changed))).run()
        why = "taint is not selected" if taint is None else "no stored run of this project to carry from"
        note = f"--changed-since {inc.ref}: {len(changed)} file(s) changed; audited in full ({why})."
        return dataclasses.replace(out, notices=(*out.notices, note))
    texts, digests = _texts(ctx)
    scope = closure(texts, changed | carry.drifted(carried, digests))
    inc.stage("data flows", len(scope.scope))
    files = tuple(f for f in ctx.files if f.path in scope.scope)
    pool, future = _start(taint, dataclasses.replace(ctx, files=files, changed=scope.changed))
    others = tuple(c for c in plan.repo_analyzers if c is not taint)
    try:
        first = Runner(
            dataclasses.replace(plan, repo_analyzers=others, ctx=dataclasses.replace(ctx, changed=changed))
        ).run()
    except BaseException:
        _terminate(pool)
        raise
    outcome, failed = _finish(pool, future, taint, plan.analyzer_timeout_s)
    note = _notice(inc.ref, changed, scope, texts, carried)
    if outcome is None or outcome.result is None:
        assert failed is not None
        return _merge(first, failed, None, 0.0, note)
    combined = carry.combine(outcome.result, carried, scope, [f.path for f in ctx.files])
    record = AnalyzerRecord(
        name=taint.name,
        version=outcome.result.tool_version or taint.version,
        state=combined.state,
        reason=combined.reason,
        duration_s=round(outcome.seconds, 3),
        findings=len(combined.findings),
    )
    return _merge(first, record, combined, outcome.seconds, note)


def _notice(
    ref: str, changed: frozenset[str], scope: Closure, texts: dict[str, str], carried: carry.Carried
) -> str:
    rest = len(set(texts) - scope.scope)
    return (
        f"--changed-since {ref}: {len(changed)} file(s) changed since {ref}"
        f" ({len(scope.changed)} Python file(s) changed since {ref} or since the stored run). "
        f"Data flows were analysed in {len(scope.scope)} Python file(s): the changed ones, their importers"
        f" and what those import, up to {HOPS} imports away. The data-flow findings of the other {rest}"
        f" file(s) were carried from run {carried.run_id[:12]}, not analysed again; the other analyzers"
        " served unchanged files from their per-file cache."
    )


def _merge(
    first: RunnerOutput, record: AnalyzerRecord, combined: RepoResult | None, seconds: float, note: str
) -> RunnerOutput:
    taint_out = combined or RepoResult()
    results = dict(first.repo_results)
    if combined is not None:
        results[TAINT] = combined
    return dataclasses.replace(
        first,
        findings=(*first.findings, *taint_out.findings),
        not_analysed=(*first.not_analysed, *taint_out.not_analysed),
        analyzers=tuple(sorted((*first.analyzers, record), key=lambda r: r.name)),
        notices=tuple(dict.fromkeys((*first.notices, *taint_out.notices, note))),
        timings=(*first.timings, ("taint-closure", seconds)),
        proofs=(*first.proofs, *taint_out.proofs),
        repo_results=results,
    )


def remember(
    backend: CacheBackend, project: str, out: RunnerOutput, run_id: str, commit: str | None, config: Config
) -> None:
    """Keep this stored run's taint result for the next ``--changed-since`` run to carry."""
    result = out.repo_results.get(TAINT)
    record = next((r for r in out.analyzers if r.name == TAINT), None)
    if result is None or record is None or record.state not in (AnalyzerState.OK, AnalyzerState.PARTIAL):
        return
    from stackaudit.analyzers.taint import TaintAnalyzer

    digests = {p: d for p, d in out.digests.items() if p.endswith(".py")}
    sig = signature(TaintAnalyzer, config)
    carry.save(backend, project, TAINT, carry.Carried(run_id, commit, sig, digests, result))
