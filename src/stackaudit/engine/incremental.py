"""``audit --changed-since REF``: analyse what changed, carry the rest from the latest stored run.

* File analyzers and the other repository analyzers run as in any audit: each file analyzer's
  result is cached per file content, so only changed files (or files the cache does not hold)
  are analysed; the others are served by the per-file cache. Repository analyzers are cached
  on their inputs.
* The taint engine, which analyses the whole program, reads only the closure of the changed
  files (engine/changed.py) and its findings are combined with the latest stored run's
  (engine/carry.py). With no stored run to carry from (or one made by another taint version or
  configuration), the audit runs in full and says so.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

from stackaudit.analyzers.base import RepoAnalyzer, RepoContext, RepoResult
from stackaudit.config.schema import Config
from stackaudit.engine import carry
from stackaudit.engine.cache import CacheBackend
from stackaudit.engine.changed import HOPS, Closure, changed_paths, closure
from stackaudit.engine.runner import Runner, RunnerOutput, RunnerPlan
from stackaudit.model import AnalyzerState

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


def _texts(ctx: RepoContext) -> dict[str, str]:
    texts = {}
    for file in ctx.files:
        if file.language == "python":
            try:
                texts[file.path] = file.abspath.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue  # the runner records the file as not analysed
    return texts


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
    others = tuple(c for c in plan.repo_analyzers if c is not taint)
    first = Runner(
        dataclasses.replace(plan, repo_analyzers=others, ctx=dataclasses.replace(ctx, changed=changed))
    ).run()
    texts = _texts(ctx)
    scope = closure(texts, changed | carry.drifted(carried, first.digests))
    inc.stage("data flows", len(scope.scope))
    started = time.perf_counter()
    files = tuple(f for f in ctx.files if f.path in scope.scope)
    second = Runner(
        RunnerPlan(
            ctx=dataclasses.replace(ctx, files=files, changed=scope.changed),
            file_analyzers=(),
            repo_analyzers=(taint,),
            jobs=1,
            cache=plan.cache,
            analyzer_timeout_s=plan.analyzer_timeout_s,
        )
    ).run()
    seconds = time.perf_counter() - started
    fresh = second.repo_results.get(TAINT)
    present = [f.path for f in ctx.files]
    combined = carry.combine(fresh, carried, scope, present) if fresh is not None else None
    return _merge(first, second, combined, seconds, _notice(inc.ref, changed, scope, texts, carried))


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
    first: RunnerOutput, second: RunnerOutput, combined: RepoResult | None, seconds: float, note: str
) -> RunnerOutput:
    records = list(first.analyzers)
    for record in second.analyzers:
        if combined is not None and record.name == TAINT:
            record = dataclasses.replace(
                record,
                state=combined.state
                if record.state in (AnalyzerState.OK, AnalyzerState.PARTIAL)
                else record.state,
                reason=combined.reason or "changed files and their import closure; the rest carried",
                findings=len(combined.findings),
            )
        records.append(record)
    taint_out = combined or RepoResult()
    results = dict(first.repo_results)
    if combined is not None:
        results[TAINT] = combined
    return dataclasses.replace(
        first,
        findings=(*first.findings, *taint_out.findings),
        not_analysed=(*first.not_analysed, *taint_out.not_analysed),
        analyzers=tuple(sorted(records, key=lambda r: r.name)),
        notices=tuple(dict.fromkeys((*first.notices, *second.notices, note))),
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
