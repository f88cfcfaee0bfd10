"""Run every analyzer: file analyzers over a process pool, repo analyzers in threads.

The runner owns parallelism, isolation, time limits and the result cache; it
returns raw findings and records. It never filters, scores or stores history.
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
    AnalyzerSkipped,
    FileAnalyzer,
    RepoAnalyzer,
    RepoContext,
    RepoResult,
    SourceFile,
)
from stackaudit.engine import cache
from stackaudit.engine.reader import read_bytes
from stackaudit.engine.suppress import InlineSuppression, parse_inline
from stackaudit.engine.worker import FileOutcome, WorkItem, analyze_chunk
from stackaudit.model import AnalyzerRecord, AnalyzerState, Finding, NotAnalysed

INLINE_THRESHOLD = 24  # fewer uncached files than this: no process pool


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


@dataclass
class _FileStats:
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cached_files: int = 0
    analysed_files: int = 0


def _signature(analyzers: Sequence[type[FileAnalyzer]], config_hash: str) -> str:
    return ";".join(f"{a.name}:{a.version}" for a in analyzers) + "|" + config_hash


def _chunks(items: list[WorkItem], jobs: int) -> list[list[WorkItem]]:
    size = max(4, min(64, len(items) // (jobs * 6) or 1))
    return [items[i : i + size] for i in range(0, len(items), size)]


class _RepoThread:
    """A repo analyzer on a daemon thread, so one that hangs cannot hold the run."""

    def __init__(self, analyzer: RepoAnalyzer, ctx: RepoContext) -> None:
        self.analyzer = analyzer
        self.result: RepoResult | None = None
        self.error: BaseException | None = None
        self.seconds = 0.0
        self._thread = threading.Thread(target=self._run, args=(ctx,), daemon=True, name=analyzer.name)

    def _run(self, ctx: RepoContext) -> None:
        started = time.perf_counter()
        try:
            self.result = self.analyzer.analyze_repo(ctx)
        except BaseException as exc:
            self.error = exc
        self.seconds = time.perf_counter() - started

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


class Runner:
    def __init__(self, plan: RunnerPlan) -> None:
        self.plan = plan
        self.config_hash = plan.ctx.config.config_hash()
        self.digests: dict[str, str] = {}
        self.findings: list[Finding] = []
        self.not_analysed: list[NotAnalysed] = []
        self.records: list[AnalyzerRecord] = []
        self.notices: list[str] = []
        self.suppressions: dict[str, tuple[InlineSuppression, ...]] = {}
        self.timings: list[tuple[str, float]] = []

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
            items.append(WorkItem(file, data))
        return items

    # -- file analyzers ----------------------------------------------------
    def _applicable(self, file: SourceFile) -> tuple[type[FileAnalyzer], ...]:
        return tuple(a for a in self.plan.file_analyzers if a().applies_to(file))

    def _collect(self, outcome: FileOutcome, stats: _FileStats) -> None:
        self.findings.extend(outcome.findings)
        self.not_analysed.extend(outcome.not_analysed)
        for name, seconds in outcome.seconds:
            stats.seconds[name] += seconds
        for na in outcome.not_analysed:
            if na.analyzer:
                stats.errors[na.analyzer] += 1

    def _run_files(self, items: list[WorkItem]) -> _FileStats:
        stats = _FileStats()
        if not self.plan.file_analyzers:
            return stats
        by_key: dict[str, WorkItem] = {}
        signature_of: dict[tuple[str, ...], str] = {}
        for item in items:
            applicable = self._applicable(item.file)
            if not applicable:
                continue
            names = tuple(a.name for a in applicable)
            sig = signature_of.setdefault(names, _signature(applicable, self.config_hash))
            key = cache.file_key(item.file.path, self.digests[item.file.path], item.file.language, sig)
            by_key[key] = item
        hits = cache.get_many(self.plan.cache, list(by_key))
        todo: list[tuple[str, WorkItem]] = []
        for key, item in by_key.items():
            outcome = cache.decode_outcome(hits[key]) if key in hits else None
            if outcome is None:
                todo.append((key, item))
                continue
            stats.cached_files += 1
            self._collect(outcome, stats)
        total = len(by_key)
        self._progress(stats.cached_files, total)
        fresh = self._analyse(todo, stats, total)
        if self.plan.cache is not None and fresh:
            self.plan.cache.cache_put_many(fresh)
        return stats

    def _progress(self, done: int, total: int) -> None:
        if self.plan.progress is not None:
            self.plan.progress(done, total)

    def _analyse(self, todo: list[tuple[str, WorkItem]], stats: _FileStats, total: int) -> dict[str, bytes]:
        fresh: dict[str, bytes] = {}
        keys = {item.file.path: key for key, item in todo}
        work = [item for _, item in todo]
        done = stats.cached_files
        args = (self.plan.file_analyzers, self.plan.ctx.config, self.plan.file_time_limit_s)

        def take(outcomes: list[FileOutcome]) -> None:
            nonlocal done
            for outcome in outcomes:
                self._collect(outcome, stats)
                stats.analysed_files += 1
                fresh[keys[outcome.path]] = cache.encode_outcome(outcome)
            done += len(outcomes)
            self._progress(done, total)

        if self.plan.jobs <= 1 or len(work) < INLINE_THRESHOLD:
            for chunk in _chunks(work, 1):
                take(analyze_chunk(chunk, *args))
            return fresh
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with ProcessPoolExecutor(max_workers=self.plan.jobs, mp_context=context) as pool:
            futures: list[Future[list[FileOutcome]]] = [
                pool.submit(analyze_chunk, chunk, *args) for chunk in _chunks(work, self.plan.jobs)
            ]
            self._start_repo_analyzers()  # threads start only after the workers are forked
            for future in as_completed(futures):
                take(future.result())
        return fresh

    # -- repo analyzers ----------------------------------------------------
    _threads: list[tuple[_RepoThread, str | None]]

    def _start_repo_analyzers(self) -> None:
        if getattr(self, "_threads", None) is not None:
            return
        self._threads = []
        for cls in self.plan.repo_analyzers:
            analyzer = cls()
            key = self._repo_cache_key(analyzer)
            hit = cache.get_many(self.plan.cache, [key]) if key else {}
            result = cache.decode_repo(hit[key]) if key and key in hit else None
            if result is not None:
                self._take_repo(analyzer, result, 0.0, cached=True)
                continue
            thread = _RepoThread(analyzer, self.plan.ctx)
            thread.start()
            self._threads.append((thread, key))

    def _repo_cache_key(self, analyzer: RepoAnalyzer) -> str | None:
        inputs = analyzer.cache_inputs(self.plan.ctx)
        if inputs is None or self.plan.cache is None:
            return None
        pairs = [(f.path, self.digests.get(f.path, "missing")) for f in inputs]
        return cache.repo_key(analyzer.name, analyzer.version, self.config_hash, pairs)

    def _take_repo(self, analyzer: RepoAnalyzer, result: RepoResult, seconds: float, cached: bool) -> None:
        self.findings.extend(result.findings)
        self.not_analysed.extend(result.not_analysed)
        self.notices.extend(result.notices)
        self.records.append(
            AnalyzerRecord(
                name=analyzer.name,
                version=result.tool_version or analyzer.version,
                state=result.state,
                reason=result.reason,
                duration_s=round(seconds, 3),
                findings=len(result.findings),
                cached=cached,
            )
        )

    def _finish_repo_analyzers(self) -> None:
        self._start_repo_analyzers()
        deadline = time.monotonic() + self.plan.analyzer_timeout_s
        fresh: dict[str, bytes] = {}
        for thread, key in self._threads:
            analyzer = thread.analyzer
            if not thread.join(max(0.0, deadline - time.monotonic())):
                reason = f"did not finish within {self.plan.analyzer_timeout_s:g}s"
                self.records.append(
                    AnalyzerRecord(analyzer.name, analyzer.version, AnalyzerState.TIMEOUT, reason)
                )
                continue
            if isinstance(thread.error, AnalyzerSkipped):
                self.records.append(
                    AnalyzerRecord(analyzer.name, analyzer.version, AnalyzerState.SKIPPED, str(thread.error))
                )
            elif thread.error is not None:
                reason = f"{type(thread.error).__name__}: {thread.error}"
                self.records.append(
                    AnalyzerRecord(analyzer.name, analyzer.version, AnalyzerState.FAILED, reason)
                )
            elif thread.result is not None:
                self._take_repo(analyzer, thread.result, thread.seconds, cached=False)
                if key and thread.result.cacheable and thread.result.state == AnalyzerState.OK:
                    fresh[key] = cache.encode_repo(thread.result)
        if self.plan.cache is not None and fresh:
            self.plan.cache.cache_put_many(fresh)

    # -- records -----------------------------------------------------------
    def _file_records(self, stats: _FileStats, files: int) -> None:
        counts: dict[str, int] = defaultdict(int)
        for finding in self.findings:
            counts[finding.rule_id] += 1
        rule_owner = {r.id: a.name for a in self.plan.file_analyzers for r in a.rules}
        per_analyzer: dict[str, int] = defaultdict(int)
        for rule_id, n in counts.items():
            if rule_id in rule_owner:
                per_analyzer[rule_owner[rule_id]] += n
        for cls in self.plan.file_analyzers:
            errors = stats.errors.get(cls.name, 0)
            state = AnalyzerState.PARTIAL if errors else AnalyzerState.OK
            reason = f"{errors} file(s) not fully analysed" if errors else ""
            self.records.append(
                AnalyzerRecord(
                    name=cls.name,
                    version=cls.version,
                    state=state,
                    reason=reason,
                    duration_s=round(stats.seconds.get(cls.name, 0.0), 3),
                    findings=per_analyzer.get(cls.name, 0),
                    cached=files > 0 and stats.analysed_files == 0,
                )
            )

    def run(self) -> RunnerOutput:
        started = time.perf_counter()
        items = self._read_all()
        self.timings.append(("read", time.perf_counter() - started))
        mark = time.perf_counter()
        stats = self._run_files(items)
        self.timings.append(("file-analyzers", time.perf_counter() - mark))
        mark = time.perf_counter()
        self._finish_repo_analyzers()
        self.timings.append(("repo-analyzers-wait", time.perf_counter() - mark))
        self._file_records(stats, len(items))
        return RunnerOutput(
            findings=tuple(self.findings),
            not_analysed=tuple(self.not_analysed),
            analyzers=tuple(sorted(self.records, key=lambda r: r.name)),
            notices=tuple(dict.fromkeys(self.notices)),
            suppressions=self.suppressions,
            files_read=len(items),
            timings=tuple(self.timings),
        )
