"""What runs inside a worker process: every file analyzer over a chunk of files.

Failures are isolated per file and per analyzer: a crash becomes a NotAnalysed
entry for that file and analyzer, and the other analyzers still run. A per-file,
per-analyzer time limit is enforced with SIGALRM where available (worker
processes run analyzers on their main thread).
"""

from __future__ import annotations

import signal
import time
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from stackaudit.analyzers.base import FileAnalyzer, FileInput, NotAnalysable, SourceFile
from stackaudit.analyzers.pyparse import ParsedModules
from stackaudit.config.schema import Config
from stackaudit.engine.reader import decode
from stackaudit.model import Finding, NotAnalysed, NotAnalysedReason, SafetyProof


class _FileTimeout(Exception):
    pass


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """Everything the analyzers said about one file."""

    path: str
    findings: tuple[Finding, ...] = ()
    not_analysed: tuple[NotAnalysed, ...] = ()
    seconds: tuple[tuple[str, float], ...] = ()  # analyzer name -> time spent
    proofs: tuple[SafetyProof, ...] = ()  # sink sites proven safe (engine/merge.py acts on them)


@dataclass(frozen=True, slots=True)
class WorkItem:
    file: SourceFile
    data: bytes


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def _raise(_signum: int, _frame: object) -> None:
        raise _FileTimeout

    try:
        previous = signal.signal(signal.SIGALRM, _raise)
    except ValueError:  # not on the main thread: no alarm, no limit
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _run_one(analyzer: FileAnalyzer, source: FileInput, config: Config, limit: float) -> FileOutcome:
    name = analyzer.name
    try:
        with _time_limit(limit):
            result = analyzer.analyze(source, config)
    except NotAnalysable as exc:
        return FileOutcome(
            source.path, not_analysed=(NotAnalysed(source.path, exc.reason, exc.detail, name),)
        )
    except _FileTimeout:
        detail = f"analysis took longer than {limit:g}s"
        return FileOutcome(
            source.path, not_analysed=(NotAnalysed(source.path, NotAnalysedReason.TIMEOUT, detail, name),)
        )
    except RecursionError:
        detail = "input too deeply nested"
        return FileOutcome(
            source.path, not_analysed=(NotAnalysed(source.path, NotAnalysedReason.PARTIAL, detail, name),)
        )
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        detail = f"{type(exc).__name__}: {exc} ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
        return FileOutcome(
            source.path, not_analysed=(NotAnalysed(source.path, NotAnalysedReason.ERROR, detail, name),)
        )
    partial: tuple[NotAnalysed, ...] = ()
    if result.partial:
        partial = (NotAnalysed(source.path, NotAnalysedReason.PARTIAL, result.partial, name),)
    return FileOutcome(source.path, findings=result.findings, not_analysed=partial, proofs=result.proofs)


def analyze_file(
    item: WorkItem,
    analyzers: Sequence[FileAnalyzer],
    config: Config,
    limit: float,
    parsed: ParsedModules | None = None,
) -> FileOutcome:
    decoded = decode(item.file, item.data, parsed)
    if isinstance(decoded, NotAnalysed):
        return FileOutcome(item.file.path, not_analysed=(decoded,))
    findings: list[Finding] = []
    skipped: list[NotAnalysed] = []
    seconds: list[tuple[str, float]] = []
    proofs: list[SafetyProof] = []
    for analyzer in analyzers:
        if not analyzer.applies_to(item.file):
            continue
        started = time.perf_counter()
        outcome = _run_one(analyzer, decoded, config, limit)
        seconds.append((analyzer.name, time.perf_counter() - started))
        findings.extend(outcome.findings)
        skipped.extend(outcome.not_analysed)
        proofs.extend(outcome.proofs)
    return FileOutcome(item.file.path, tuple(findings), tuple(skipped), tuple(seconds), tuple(proofs))


def analyze_chunk(
    items: Sequence[WorkItem],
    analyzer_types: Sequence[type[FileAnalyzer]],
    config: Config,
    limit: float,
    parsed: ParsedModules | None = None,
) -> list[FileOutcome]:
    """Entry point of a worker process (picklable arguments only). ``parsed``: the repository
    analyzers' parses, when the chunk runs in their process (inline runs): one parse per file."""
    analyzers = [cls() for cls in analyzer_types]
    return [analyze_file(item, analyzers, config, limit, parsed) for item in items]
