"""Run every analyzer: file analyzers over a process pool, repo analyzers beside them.

The runner owns parallelism, isolation, time limits and the result cache; it
returns raw findings and records. It never filters, scores or stores history.
CPU-bound repo analyzers (``cpu_bound = True``) get a pool worker of their own;
the others (wrappers that wait on a subprocess) run on daemon threads.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from stackaudit.analyzers.base import (
    FileAnalyzer,
    RepoAnalyzer,
    RepoContext,
    RepoResult,
    SourceFile,
)
from stackaudit.analyzers.pyparse import gc_paused
from stackaudit.config.schema import Config
from stackaudit.engine import cache
from stackaudit.engine.groups import (
    Message,
    await_groups,
    init_worker,
    kept_trees,
    repos_in_process,
    split,
)
from stackaudit.engine.groups import RepoOutcome as _RepoOutcome
from stackaudit.engine.reader import read_bytes
from stackaudit.engine.scopemap import scope_key
from stackaudit.engine.suppress import InlineSuppression, NosecMark, parse_inline, parse_nosec
from stackaudit.engine.worker import FileOutcome, WorkItem, analyze_chunk
from stackaudit.model import AnalyzerRecord, AnalyzerState, Finding, NotAnalysed, SafetyProof
from stackaudit.scope.build import service_paths
from stackaudit.scope.reach import ReachTable, decode_table, encode_table

INLINE_THRESHOLD = 24  # fewer uncached files than this, and no CPU-bound repo analyzer: no pool


@dataclass(frozen=True)
class RunnerPlan:
    ctx: RepoContext
    file_analyzers: tuple[type[FileAnalyzer], ...]
    repo_analyzers: tuple[type[RepoAnalyzer], ...]
    jobs: int
    cache: cache.CacheBackend | None
    file_time_limit_s: float = 60.0
    analyzer_timeout_s: float = 300.0
    progress: Callable[[int, int], None] | None = None


@dataclass(frozen=True)
class RunnerOutput:
    findings: tuple[Finding, ...]
    not_analysed: tuple[NotAnalysed, ...]
    analyzers: tuple[AnalyzerRecord, ...]
    notices: tuple[str, ...]
    suppressions: dict[str, tuple[InlineSuppression, ...]]
    files_read: int
    timings: tuple[tuple[str, float], ...] = ()
    proofs: tuple[SafetyProof, ...] = ()  # from file and repo analyzers, cached ones included
    nosec: dict[str, tuple[NosecMark, ...]] = field(default_factory=dict)  # Bandit's marks, by path
    # Each repo analyzer's own result (cached ones included) and every file's content hash:
    # what ``--changed-since`` carries from one run to the next (engine/carry.py).
    repo_results: dict[str, RepoResult] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    # The service map's answers when the cache had them or a worker built them from its trees;
    # None: the pipeline builds the map itself (engine/scopemap.py).
    scope: ReachTable | None = None


@dataclass
class _FileStats:
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cached_files: int = 0
    analysed_files: int = 0


def _signature(analyzers: Sequence[type[FileAnalyzer]], config: Config) -> str:
    """Each analyzer's name, version and hash of the config keys it reads (its own section)."""
    return ";".join(f"{a.name}:{a.version}:{config.section_hash(a.config_keys)}" for a in analyzers)


def _chunks(items: list[WorkItem], jobs: int) -> list[list[WorkItem]]:
    size = max(4, min(64, len(items) // (jobs * 6) or 1))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _analyze_and_encode(items: Sequence[WorkItem], *args: object) -> list[tuple[FileOutcome, bytes]]:
    """The cache payload is encoded where the files were analysed, not in the main process."""
    return [(o, cache.encode_outcome(o)) for o in analyze_chunk(items, *args)]  # type: ignore[arg-type]


def _analyze_in_worker(items: Sequence[WorkItem], *args: object) -> list[tuple[FileOutcome, bytes]]:
    """Pool worker entry point: a chunk with the cyclic GC off. Each file's tree is freed by
    reference counting as soon as its analyzers are done (they leave no cycles behind), so
    collections found nothing, yet every one the parses triggered scanned the tree being built
    (Django's file analyzers: 9.8 s with them, 9.0 s without). Not in the main process, where
    repository analyzers run beside the chunk on threads. A chunk that lands in a worker whose
    group parsed its files reads those trees (groups.kept_trees) instead of parsing again."""
    with gc_paused():
        return _analyze_and_encode(items, *args, kept_trees())


class _RepoThread:
    """A repo analyzer on a daemon thread, so one that hangs cannot hold the run."""

    def __init__(self, analyzer: RepoAnalyzer, ctx: RepoContext) -> None:
        self.outcome = _RepoOutcome()
        self._thread = threading.Thread(
            target=self._run, args=(analyzer, ctx), daemon=True, name=analyzer.name
        )

    def _run(self, analyzer: RepoAnalyzer, ctx: RepoContext) -> None:
        started = time.perf_counter()
        try:
            self.outcome = _RepoOutcome(result=analyzer.analyze_repo(ctx))
        except BaseException as exc:  # isolate any analyzer bug: recorded on the run
            self.outcome = _RepoOutcome.failed(exc, 0.0)
        self.outcome.seconds = time.perf_counter() - started

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout: float) -> _RepoOutcome | None:
        self._thread.join(timeout)
        return None if self._thread.is_alive() else self.outcome


def _noop() -> None:
    return None


def _new_pool(jobs: int, spawn: bool = False) -> ProcessPoolExecutor:
    """Workers that ignore Ctrl-C and send grouped analyzers' outcomes back through
    ``pool.outbox`` as they come (engine/groups.py). ``spawn``: once threads run (a fork
    then can copy a lock another thread holds)."""
    context = multiprocessing.get_context("fork" if os.name == "posix" and not spawn else "spawn")
    outbox = context.Queue()
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=init_worker, initargs=(outbox,)
    )
    pool.outbox = outbox  # type: ignore[attr-defined]
    return pool


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop workers still running a timed-out task (no public API for this before 3.14)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


class Runner:
    def __init__(self, plan: RunnerPlan) -> None:
        self.plan = plan
        self.digests: dict[str, str] = {}
        self.findings: list[Finding] = []
        self.proofs: list[SafetyProof] = []
        self.not_analysed: list[NotAnalysed] = []
        self.records: list[AnalyzerRecord] = []
        self.notices: list[str] = []
        self.suppressions: dict[str, tuple[InlineSuppression, ...]] = {}
        self.nosec: dict[str, tuple[NosecMark, ...]] = {}
        self.timings: list[tuple[str, float]] = []
        self.fresh: dict[str, bytes] = {}
        self.repo_results: dict[str, RepoResult] = {}
        self.stats = _FileStats()
        self._pool: ProcessPoolExecutor | None = None
        self.scope: ReachTable | None = None  # the service map's answers, when cached or built here
        self.scope_job: tuple[str, list[str]] | None = None
        self.applies = {cls: cls() for cls in plan.file_analyzers}

    # -- reading -----------------------------------------------------------
    def _read_all(self) -> list[WorkItem]:
        items = []
        for file in self.plan.ctx.files:
            data = read_bytes(file)
            if isinstance(data, NotAnalysed):
                self.not_analysed.append(data)
                continue
            self.digests[file.path] = cache.content_hash(data)
            if b"stackaudit:" in data:
                marks = parse_inline(data.decode("utf-8", "replace"))
                if marks:
                    self.suppressions[file.path] = marks
            if b"nosec" in data:
                nosec = parse_nosec(data.decode("utf-8", "replace"))
                if nosec:
                    self.nosec[file.path] = nosec
            items.append(WorkItem(file, data))
        return items

    # -- file analyzers: cache ---------------------------------------------
    def _applicable(self, file: SourceFile) -> tuple[type[FileAnalyzer], ...]:
        return tuple(cls for cls, instance in self.applies.items() if instance.applies_to(file))

    def _collect(self, outcome: FileOutcome) -> None:
        self.findings.extend(outcome.findings)
        self.proofs.extend(outcome.proofs)
        self.not_analysed.extend(outcome.not_analysed)
        for name, seconds in outcome.seconds:
            self.stats.seconds[name] += seconds
        for na in outcome.not_analysed:
            if na.analyzer:
                self.stats.errors[na.analyzer] += 1

    def _uncached(self, items: list[WorkItem]) -> tuple[list[WorkItem], dict[str, str], int]:
        """Take cached outcomes; return the work left, its cache keys by path, and the total."""
        by_key: dict[str, WorkItem] = {}
        signature_of: dict[tuple[str, ...], str] = {}
        for item in items:
            applicable = self._applicable(item.file)
            if not applicable:
                continue
            names = tuple(a.name for a in applicable)
            sig = signature_of.setdefault(names, _signature(applicable, self.plan.ctx.config))
            by_key[cache.file_key(item.file.path, self.digests[item.file.path], item.file.language, sig)] = (
                item
            )
        hits = cache.get_many(self.plan.cache, list(by_key))
        todo, keys = [], {}
        for key, item in by_key.items():
            outcome = cache.decode_outcome(hits[key]) if key in hits else None
            if outcome is None:
                todo.append(item)
                keys[item.file.path] = key
            else:
                self.stats.cached_files += 1
                self._collect(outcome)
        return todo, keys, len(by_key)

    def _take(self, results: list[tuple[FileOutcome, bytes]], keys: dict[str, str], total: int) -> None:
        for outcome, payload in results:
            self._collect(outcome)
            self.stats.analysed_files += 1
            self.fresh[keys[outcome.path]] = payload
        self._progress(self.stats.cached_files + self.stats.analysed_files, total)

    def _progress(self, done: int, total: int) -> None:
        if self.plan.progress is not None:
            self.plan.progress(done, total)

    # -- repo analyzers ------------------------------------------------------
    def _repo_cache_key(self, analyzer: RepoAnalyzer) -> str | None:
        inputs = analyzer.cache_inputs(self.plan.ctx)
        if inputs is None or self.plan.cache is None:
            return None
        pairs = [(f.path, self.digests.get(f.path, "missing")) for f in inputs]
        section = self.plan.ctx.config.section_hash(analyzer.config_keys)
        return cache.repo_key(analyzer.name, analyzer.version, section, pairs)

    def _repo_plan(self) -> list[tuple[type[RepoAnalyzer], str | None]]:
        """Take cached repo results; return the analyzers that must run, with their cache keys."""
        todo = []
        for cls in self.plan.repo_analyzers:
            analyzer = cls()
            key = self._repo_cache_key(analyzer)
            hit = cache.get_many(self.plan.cache, [key]) if key else {}
            result = cache.decode_repo(hit[key]) if key and key in hit else None
            if result is None:
                todo.append((cls, key))
            else:
                self._record_repo(cls, _RepoOutcome(result=result), cached=True)
        return todo

    def _record_repo(
        self,
        cls: type[RepoAnalyzer],
        outcome: _RepoOutcome | None,
        cached: bool = False,
        key: str | None = None,
    ) -> None:
        if outcome is None:
            reason = f"did not finish within {self.plan.analyzer_timeout_s:g}s"
            self.records.append(AnalyzerRecord(cls.name, cls.version, AnalyzerState.TIMEOUT, reason))
            return
        if outcome.skipped:
            reason = outcome.error or ""
            self.records.append(AnalyzerRecord(cls.name, cls.version, AnalyzerState.SKIPPED, reason))
            return
        if outcome.result is None:
            reason = outcome.error or "no result"
            self.records.append(AnalyzerRecord(cls.name, cls.version, AnalyzerState.FAILED, reason))
            return
        result = outcome.result
        self.repo_results[cls.name] = result
        self.findings.extend(result.findings)
        self.proofs.extend(result.proofs)
        self.not_analysed.extend(result.not_analysed)
        self.notices.extend(result.notices)
        self.records.append(
            AnalyzerRecord(
                name=cls.name,
                version=result.tool_version or cls.version,
                state=result.state,
                reason=result.reason,
                duration_s=round(outcome.seconds, 3),
                findings=len(result.findings),
                cached=cached,
            )
        )
        # A result cut short by a bound is cached too, its partial state and "not analysed"
        # entries with it: the same inputs give the same honest answer at once (``--no-cache``
        # re-runs it). A crash, a timeout of the whole analyzer or a skip is never cached.
        cacheable_state = result.state in (AnalyzerState.OK, AnalyzerState.PARTIAL)
        if key and self.plan.cache is not None and result.cacheable and cacheable_state:
            self.fresh[key] = cache.encode_repo(result)

    # -- the run -------------------------------------------------------------
    def _run_pooled(
        self,
        work: list[WorkItem],
        keys: dict[str, str],
        total: int,
        repos: list[tuple[type[RepoAnalyzer], str | None]],
    ) -> None:
        ctx, args = (
            self.plan.ctx,
            (self.plan.file_analyzers, self.plan.ctx.config, self.plan.file_time_limit_s),
        )
        pool = self._pool or _new_pool(self.plan.jobs)
        stopped: dict[int, int] = {}
        try:
            # CPU-bound repo analyzers first: they are the longest tasks.
            groups = split([(cls, key) for cls, key in repos if cls.cpu_bound], self.plan.jobs)
            # The last group also builds the service map when it is not cached: from its trees.
            scope = self.scope_job[1] if self.scope_job else None
            last = len(groups) - 1
            submitted = [
                (
                    pool.submit(
                        repos_in_process, g, [c for c, _ in group], ctx, scope if g == last else None
                    ),
                    len(group) + (1 if scope is not None and g == last else 0),
                )
                for g, group in enumerate(groups)
            ]
            futures: list[Future[list[tuple[FileOutcome, bytes]]]] = [
                pool.submit(_analyze_in_worker, chunk, *args) for chunk in _chunks(work, self.plan.jobs)
            ]
            threads = self._start_threads([r for r in repos if not r[0].cpu_bound])  # after the fork
            for future in as_completed(futures):
                self._take(future.result(), keys, total)
            start = time.monotonic()
            stopped = self._await(pool, groups, submitted, start)
            self._join_threads(threads, start + self.plan.analyzer_timeout_s)
        finally:
            if stopped:
                _terminate(pool)
            else:
                pool.shutdown(wait=True)
        rest = [group[index:] for g, group in enumerate(groups) if (index := stopped.get(g, 0)) < len(group)]
        if stopped and rest:
            self._run_rest([item for group in rest for item in group])

    def _await(
        self,
        pool: ProcessPoolExecutor,
        groups: list[list[tuple[type[RepoAnalyzer], str | None]]],
        submitted: list[tuple[Future[int], int]],
        start: float,
    ) -> dict[int, int]:
        def record(group: int, index: int, outcome: Message, why: str) -> None:
            if index >= len(groups[group]) or isinstance(outcome, ReachTable):
                self._take_scope(outcome if isinstance(outcome, ReachTable) else None)
                return
            cls, key = groups[group][index]
            if outcome is None and why != "timeout":
                outcome = _RepoOutcome(error=why)
            self._record_repo(cls, outcome, key=key)

        outbox = pool.outbox  # type: ignore[attr-defined]
        return await_groups(outbox, submitted, start, self.plan.analyzer_timeout_s, record)

    def _scope_plan(self) -> tuple[str, list[str]] | None:
        """The service map's cache key and files when the map must be built this run (cached
        runs only); a cached map is taken here (engine/scopemap.py)."""
        if self.plan.cache is None:
            return None
        service = service_paths(f.path for f in self.plan.ctx.files if f.language == "python")
        key = scope_key(service, self.digests)
        if key is None or not service:
            return None
        hit = cache.get_many(self.plan.cache, [key]).get(key)
        self.scope = decode_table(hit) if hit is not None else None
        return None if self.scope is not None else (key, service)

    def _take_scope(self, table: ReachTable | None) -> None:
        if table is not None and self.scope_job is not None:
            self.scope = table
            self.fresh[self.scope_job[0]] = encode_table(table)

    def _run_rest(self, rest: list[tuple[type[RepoAnalyzer], str | None]]) -> None:
        """The analyzers after one that hung or whose worker died: a fresh worker of their own."""
        pool = _new_pool(1, spawn=True)
        stopped: dict[int, int] = {}
        try:
            pool.submit(_noop).result()  # started: a worker's start-up is no analyzer's time
            future = pool.submit(repos_in_process, 0, [c for c, _ in rest], self.plan.ctx)
            stopped = self._await(pool, [rest], [(future, len(rest))], time.monotonic())
        finally:
            if stopped:
                _terminate(pool)
            else:
                pool.shutdown(wait=True)
        if stopped and stopped[0] < len(rest):
            self._run_rest(rest[stopped[0] :])

    def _start_threads(
        self, repos: list[tuple[type[RepoAnalyzer], str | None]]
    ) -> list[tuple[type[RepoAnalyzer], str | None, _RepoThread]]:
        threads = []
        for cls, key in repos:
            thread = _RepoThread(cls(), self.plan.ctx)
            thread.start()
            threads.append((cls, key, thread))
        return threads

    def _join_threads(
        self, threads: list[tuple[type[RepoAnalyzer], str | None, _RepoThread]], deadline: float
    ) -> None:
        for cls, key, thread in threads:
            self._record_repo(cls, thread.wait(max(0.0, deadline - time.monotonic())), key=key)

    def _run_inline(
        self,
        work: list[WorkItem],
        keys: dict[str, str],
        total: int,
        repos: list[tuple[type[RepoAnalyzer], str | None]],
    ) -> None:
        threads = self._start_threads(repos)
        # One process: the file analyzers share the repository analyzers' parse of each file.
        args = (
            self.plan.file_analyzers,
            self.plan.ctx.config,
            self.plan.file_time_limit_s,
            self.plan.ctx.parsed,
        )
        for chunk in _chunks(work, 1):
            self._take(_analyze_and_encode(chunk, *args), keys, total)
        self._join_threads(threads, time.monotonic() + self.plan.analyzer_timeout_s)

    def _file_records(self) -> None:
        rule_owner = {r.id: a.name for a in self.plan.file_analyzers for r in a.rules}
        per_analyzer: dict[str, int] = defaultdict(int)
        for finding in self.findings:
            if finding.rule_id in rule_owner:
                per_analyzer[rule_owner[finding.rule_id]] += 1
        for cls in self.plan.file_analyzers:
            errors = self.stats.errors.get(cls.name, 0)
            self.records.append(
                AnalyzerRecord(
                    name=cls.name,
                    version=cls.version,
                    state=AnalyzerState.PARTIAL if errors else AnalyzerState.OK,
                    reason=f"{errors} file(s) not fully analysed" if errors else "",
                    duration_s=round(self.stats.seconds.get(cls.name, 0.0), 3),
                    findings=per_analyzer.get(cls.name, 0),
                    cached=self.stats.cached_files > 0 and self.stats.analysed_files == 0,
                )
            )

    def run(self) -> RunnerOutput:
        started = time.perf_counter()
        if self.plan.jobs > 1 and len(self.plan.ctx.files) >= INLINE_THRESHOLD:
            # Fork the workers before the files are read: each worker would otherwise carry a
            # copy-on-write image of every file's bytes for its whole life.
            self._pool = _new_pool(self.plan.jobs)
            self._pool.submit(_noop).result()
        items = self._read_all()
        work, keys, total = self._uncached(items)
        repos = self._repo_plan()
        self.scope_job = self._scope_plan()
        self._progress(self.stats.cached_files, total)
        self.timings.append(("read-and-cache", time.perf_counter() - started))
        mark = time.perf_counter()
        heavy = any(cls.cpu_bound for cls, _ in repos)
        if self.plan.jobs > 1 and (len(work) >= INLINE_THRESHOLD or heavy):
            self._run_pooled(work, keys, total, repos)
        else:
            if self._pool is not None:
                self._pool.shutdown(wait=False)
            self._run_inline(work, keys, total, repos)
        self.timings.append(("analyze", time.perf_counter() - mark))
        if self.plan.cache is not None and self.fresh:
            self.plan.cache.cache_put_many(self.fresh)
        self._file_records()
        return RunnerOutput(
            findings=tuple(self.findings),
            not_analysed=tuple(self.not_analysed),
            analyzers=tuple(sorted(self.records, key=lambda r: r.name)),
            notices=tuple(dict.fromkeys(self.notices)),
            suppressions=self.suppressions,
            files_read=len(items),
            timings=tuple(self.timings),
            proofs=tuple(self.proofs),
            nosec=self.nosec,
            repo_results=self.repo_results,
            digests=self.digests,
            scope=self.scope,
        )
