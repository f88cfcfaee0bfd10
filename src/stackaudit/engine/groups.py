"""CPU-bound repository analyzers in groups that share one parse per file, each still isolated.

Taint, tenant, rate-limit and audit-trail all read every Python file. In separate workers each
parsed everything again (four parses of Django, about 3.5 s each); one after the other in one
worker they share ``RepoContext.parsed`` (analyzers/pyparse.py). Isolation stays per analyzer:
the worker sends each outcome as soon as it has it (through a queue every pool worker is given
at start), each analyzer gets its own time budget, and when one hangs or its worker dies, it
alone is recorded as timed out or failed and the ones after it run again in a fresh worker.
"""

from __future__ import annotations

import gc
import queue
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from stackaudit.analyzers.base import AnalyzerSkipped, RepoAnalyzer, RepoContext, RepoResult
from stackaudit.analyzers.pyparse import ParsedModules
from stackaudit.scope.build import load_scope
from stackaudit.scope.reach import ReachTable, table_of

_OUTBOX: Any = None  # the pool's queue of (group, index, outcome), set in each worker at start
_KEPT: ParsedModules | None = None  # this worker's last group's trees, lent to its file chunks
POLL_S = 0.2  # how often a wait checks whether a group's worker died


@dataclass
class RepoOutcome:
    """Plain, picklable: errors travel as text (not every exception survives pickling)."""

    result: RepoResult | None = None
    error: str | None = None
    skipped: bool = False
    seconds: float = 0.0

    @classmethod
    def failed(cls, exc: BaseException, seconds: float) -> RepoOutcome:
        if isinstance(exc, AnalyzerSkipped):
            return cls(error=str(exc), skipped=True, seconds=seconds)
        return cls(error=f"{type(exc).__name__}: {exc}", seconds=seconds)


def init_worker(outbox: Any) -> None:
    """Pool worker start: the queue outcomes go back through; Ctrl-C is left to the main process,
    which stops the run and says so once (otherwise every worker prints its own traceback)."""
    global _OUTBOX
    _OUTBOX = outbox
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def repo_in_process(cls: type[RepoAnalyzer], ctx: RepoContext) -> RepoOutcome:
    started = time.perf_counter()
    try:
        return RepoOutcome(result=cls().analyze_repo(ctx), seconds=time.perf_counter() - started)
    except Exception as exc:  # isolate any analyzer bug: recorded on the run
        return RepoOutcome.failed(exc, time.perf_counter() - started)


def repos_in_process(
    group: int, classes: Sequence[type[RepoAnalyzer]], ctx: RepoContext, scope: Sequence[str] | None = None
) -> int:
    """Worker side: run a group's analyzers in turn, sending each outcome as it comes; then,
    given the service files (``scope``), the service map's answers from the same trees
    (engine/scopemap.py; None when a URL conf nests past Python's stack).

    The cyclic GC is off for the whole group. The shared trees are millions of acyclic nodes
    that live until the group ends: with it on, every collection the parses trigger rescans all
    trees parsed so far (parsing Django while keeping its trees took 9.2 s instead of 3.0 s), and
    a collection between analyzers rescans them once more. Nor is anything collected at the
    end: walkers and maps that point at their trees in cycles keep most trees (3.5 million
    objects on Django) from being freed by reference counting, and finding them cost one more
    full scan (1.4 s). They are frozen instead (never scanned again); the worker's memory stays
    at the peak the group reached anyway, and is returned when the pool ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for index, cls in enumerate(classes):
            ctx.parsed.last_reader = index == len(classes) - 1
            _OUTBOX.put((group, index, repo_in_process(cls, ctx)))
        if scope is not None:
            _OUTBOX.put((group, len(classes), _scope_table(ctx, scope)))
    finally:
        _keep(ctx.parsed)
        gc.freeze()
        if was_enabled:
            gc.enable()
    return len(classes)


def _keep(parsed: ParsedModules) -> None:
    """Lend a finished group's trees to the file chunks this worker runs next (kept_trees)."""
    global _KEPT
    if _KEPT is not None and _KEPT is not parsed:
        _KEPT.clear()
    parsed.keep_new = False  # a chunk's misses are parsed, not kept: memory stays at the group's
    parsed.last_reader = False
    _KEPT = parsed


def kept_trees() -> ParsedModules | None:
    """The trees the group that ran in this worker parsed, if one did: the file analyzers of a
    chunk that lands here read them instead of parsing each file again (a file the group did
    not keep is parsed as before). The worker holds them until the pool ends; its memory had
    reached that peak during the group anyway."""
    return _KEPT


def _scope_table(ctx: RepoContext, paths: Sequence[str]) -> ReachTable | None:
    try:
        return table_of(load_scope(ctx.root, paths, ctx.parsed))
    except RecursionError:
        return None


def split[T](heavy: list[T], jobs: int) -> list[list[T]]:
    """Analyzers by worker: the first (taint, the longest) alone, the others together sharing one
    parse. One group for all would parse once, but serialise the longest work on one core (a
    quiet two-core run took 53 s instead of 43 s on Django); one worker each parsed everything
    four times. Two groups: each file parsed twice, and the two cores stay balanced."""
    if len(heavy) <= 1 or jobs <= 1:
        return [_ordered(heavy)] if heavy else []
    return [[heavy[0]], _ordered(heavy[1:])]


def _ordered[T](group: list[T]) -> list[T]:
    """Analyzers that drop most trees (``drops_trees``) last: the others read every tree first."""
    return sorted(group, key=lambda item: bool(getattr(_cls(item), "drops_trees", False)))


def _cls(item: object) -> object:
    return item[0] if isinstance(item, tuple) else item


@dataclass
class _Waiting:
    future: Future[int]
    size: int
    since: float  # when its current analyzer's budget started
    got: list[Message] = field(default_factory=list)


Message = RepoOutcome | ReachTable | None
Record = Callable[[int, int, Message, str], None]  # group, index, outcome, else why not


def await_groups(
    outbox: Any, futures: Sequence[tuple[Future[int], int]], start: float, budget: float, record: Record
) -> dict[int, int]:
    """Collect outcomes until every group is done. A group whose current analyzer overruns its
    budget, or whose worker died, stops there: returns {group: index of the first not run}."""
    waiting = {g: _Waiting(f, size, start) for g, (f, size) in enumerate(futures)}
    stopped: dict[int, int] = {}
    while waiting:
        nearest = min(w.since for w in waiting.values()) + budget
        try:
            group, index, outcome = outbox.get(timeout=max(0.01, min(POLL_S, nearest - time.monotonic())))
        except queue.Empty:
            _check(waiting, stopped, budget, record)
            continue
        w = waiting[group]
        record(group, index, outcome, "")
        w.got.append(outcome)
        w.since = max(start, time.monotonic())
        if len(w.got) == w.size:
            del waiting[group]
    return stopped


def _check(waiting: dict[int, _Waiting], stopped: dict[int, int], budget: float, record: Record) -> None:
    now = time.monotonic()
    for group, w in list(waiting.items()):
        index = len(w.got)
        if now > w.since + budget:
            record(group, index, None, "timeout")
        elif w.future.done() and w.future.exception() is not None:
            record(group, index, None, f"its worker stopped: {w.future.exception()!r}")
        else:
            continue
        stopped[group] = index + 1
        del waiting[group]
