"""Submit one Dask task per repository, gather the outcomes as they finish, never stop for one.

Dask gives the fleet what a loop cannot: a scheduler that hands repositories to whichever worker
is free, on one machine (``LocalCluster``) or many (a ``tcp://`` scheduler), retries a task that
raised, and reschedules a task whose worker died (up to ``allowed-failures`` deaths).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stackaudit.fleet.sources import RepoSpec, shown_url
from stackaudit.fleet.task import RepoFailure, RepoResult, State, TaskSettings, Unauditable, audit_repo

if TYPE_CHECKING:
    from distributed import Client, Future


@dataclass(frozen=True, slots=True)
class FleetOptions:
    """How to run the fleet: where the store is, which cluster, how hard to try."""

    db_url: str
    scheduler: str | None = None  # tcp://HOST:8786; None starts a LocalCluster
    local_workers: int = 2
    force: bool = False
    retries: int = 2
    dashboard_address: str = ":8787"


@dataclass(frozen=True, slots=True)
class Failure:
    """A repository that could not be audited after its retries, and why."""

    spec: RepoSpec
    reason: str


@dataclass(frozen=True, slots=True)
class Tally:
    """The running counts shown after each repository finishes."""

    total: int
    done: int = 0
    skipped: int = 0
    failed: int = 0
    findings: int = 0

    @property
    def finished(self) -> int:
        return self.done + self.skipped + self.failed


@dataclass(frozen=True, slots=True)
class FleetReport:
    """Every repository's outcome, in the order they finished."""

    results: tuple[RepoResult, ...]
    failures: tuple[Failure, ...]
    dashboard: str | None
    seconds: float

    @property
    def tally(self) -> Tally:
        done = sum(1 for r in self.results if r.state is State.DONE)
        findings = sum(r.findings for r in self.results)
        total = len(self.results) + len(self.failures)
        return Tally(total, done, len(self.results) - done, len(self.failures), findings)

    @property
    def gate_failed(self) -> tuple[RepoResult, ...]:
        return tuple(r for r in self.results if r.gate_passed is False)


Event = Callable[[RepoResult | Failure, Tally], None]
Started = Callable[[str | None, int], None]  # (dashboard link, workers)


def task_key(spec: RepoSpec) -> str:
    """A stable, readable Dask key per repository (and ref): the dashboard shows it."""
    digest = hashlib.sha256(f"{spec.source}\0{spec.ref or ''}".encode()).hexdigest()[:10]
    return f"audit-{spec.name}-{digest}"


def run_fleet(
    specs: Sequence[RepoSpec],
    options: FleetOptions,
    on_event: Event | None = None,
    on_start: Started | None = None,
    client: Client | None = None,
) -> FleetReport:
    """Audit every repository once (or skip it when stored) and report each outcome."""
    if client is not None:
        return _gather(client, specs, options, on_event, on_start)
    with connect(options) as own:
        return _gather(own, specs, options, on_event, on_start)


@contextmanager
def connect(options: FleetOptions) -> Iterator[Client]:
    """A client of the given scheduler, or of a LocalCluster of single-threaded worker processes.

    One thread per worker: an audit is CPU-bound Python, so a second thread would only share the
    GIL. Saturation 1.0 keeps exactly one repository on each worker, so a worker that dies takes
    only its own repository's attempt with it (Dask counts a death against every task it held).
    """
    import dask
    from distributed import Client, LocalCluster

    settings = {
        "distributed.scheduler.allowed-failures": options.retries,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with dask.config.set(settings):
        if options.scheduler is not None:
            with Client(options.scheduler, timeout="30s") as client:  # type: ignore[no-untyped-call]
                yield client
            return
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=options.local_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=options.dashboard_address,
            silence_logs=50,  # CRITICAL only: a killed worker is reported per repository instead
        )
        try:
            with Client(cluster) as client:  # type: ignore[no-untyped-call]
                yield client
        finally:
            cluster.close()


def _gather(
    client: Client,
    specs: Sequence[RepoSpec],
    options: FleetOptions,
    on_event: Event | None,
    on_start: Started | None,
) -> FleetReport:
    from distributed import as_completed

    started = time.perf_counter()
    if on_start is not None:
        on_start(_dashboard(client), len(client.scheduler_info(n_workers=-1).get("workers", {})))
    settings = TaskSettings(db_url=options.db_url, force=options.force)
    futures: dict[Future, RepoSpec] = {}  # type: ignore[type-arg]
    for spec in specs:
        future = client.submit(
            audit_repo, spec, settings, key=task_key(spec), retries=options.retries, pure=False
        )
        futures[future] = spec
    results: list[RepoResult] = []
    failures: list[Failure] = []
    tally = Tally(len(specs))
    for future in as_completed(futures):  # type: ignore[no-untyped-call]
        outcome = _outcome(future, futures[future])
        if isinstance(outcome, Failure):
            failures.append(outcome)
        else:
            results.append(outcome)
        tally = _count(tally, outcome)
        if on_event is not None:
            on_event(outcome, tally)
        future.release()
    return FleetReport(tuple(results), tuple(failures), _dashboard(client), time.perf_counter() - started)


def _outcome(future: Future, spec: RepoSpec) -> RepoResult | Failure:  # type: ignore[type-arg]
    from distributed import KilledWorker

    if future.status == "finished":
        result = future.result()
        if isinstance(result, Unauditable):
            return Failure(spec, result.reason)
        assert isinstance(result, RepoResult)
        return result
    exc = future.exception()  # type: ignore[no-untyped-call]
    if isinstance(exc, RepoFailure):
        return Failure(spec, str(exc))
    if isinstance(exc, KilledWorker):
        times = exc.allowed_failures + 1  # the scheduler's setting: ours for a LocalCluster
        return Failure(
            spec, f"its worker died while auditing it, {times} times (killed, out of memory or a crash)"
        )
    return Failure(spec, shown_url(f"{type(exc).__name__}: {exc}"))


def _count(tally: Tally, outcome: RepoResult | Failure) -> Tally:
    from dataclasses import replace

    if isinstance(outcome, Failure):
        return replace(tally, failed=tally.failed + 1)
    findings = tally.findings + outcome.findings
    if outcome.state is State.SKIPPED:
        return replace(tally, skipped=tally.skipped + 1, findings=findings)
    return replace(tally, done=tally.done + 1, findings=findings)


def _dashboard(client: Client) -> str | None:
    try:
        link = client.dashboard_link
    except (KeyError, AttributeError):
        return None
    return str(link) if link else None
