"""Turn deployments, changes and failures into the four keys, per month and over the window."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from stackaudit.governance.dora import bands, gitsource
from stackaudit.governance.dora.failures import Shipped, from_git, from_incidents
from stackaudit.governance.dora.inputs import read_deploy_log, read_incidents
from stackaudit.governance.dora.model import (
    Change,
    Deployment,
    DoraInputError,
    DoraResult,
    Failure,
    Metrics,
)

NO_INCIDENTS = "git: reverts and hotfix commits (no incident file given)"


@dataclass(frozen=True, slots=True)
class DoraOptions:
    """What ``stackaudit dora`` was asked; exactly one of ``tags`` and ``deploys``."""

    repo: Path
    tags: str | None = None
    deploys: Path | None = None
    incidents: Path | None = None
    since: datetime | None = None
    until: datetime | None = None
    environment: str | None = None
    band_year: int = bands.DEFAULT_YEAR
    now: datetime | None = None


def _deployments(opts: DoraOptions, git_ok: bool, now: datetime) -> tuple[list[Deployment], str, list[str]]:
    notes: list[str] = []
    if opts.tags is not None:
        if not git_ok:
            raise DoraInputError(f"{opts.repo}: not a git repository (--tags reads annotated tags)")
        deps, notes = gitsource.tag_deployments(opts.repo, opts.tags)
        future = [d.id for d in deps if d.time > now]
        if future:
            raise DoraInputError(f"tag(s) dated in the future: {', '.join(future)}")
        if not deps:
            raise DoraInputError(f"no annotated tag matches {opts.tags!r} in {opts.repo}")
        return deps, f"annotated git tags matching {opts.tags!r}", notes
    if opts.deploys is None:
        raise DoraInputError("give --tags GLOB or --deploys FILE")
    log = read_deploy_log(opts.deploys, now, opts.environment)
    if not log.deployments:
        raise DoraInputError(f"{opts.deploys}: no successful deployment in the log")
    if log.skipped:
        notes.append(
            f"{log.skipped} row(s) of {opts.deploys} are not successful deployments "
            "(or of another environment) and were not counted"
        )
    deps = list(log.deployments)
    if git_ok:
        deps, unknown = _resolve_commits(opts.repo, deps)
        if unknown:
            notes.append(
                f"{len(unknown)} deployment(s) name a commit not in the repository (no lead time): "
                + ", ".join(unknown[:10])
            )
    return deps, f"deploy log {opts.deploys}", notes


def _resolve_commits(repo: Path, deps: list[Deployment]) -> tuple[list[Deployment], list[str]]:
    resolved, unknown = [], []
    for dep in deps:
        sha = gitsource.resolve(repo, dep.commit)
        if sha is None:
            unknown.append(dep.id)
            resolved.append(dep)
        else:
            resolved.append(Deployment(dep.id, dep.time, sha, dep.environment, dep.tag))
    return resolved, unknown


def _known(repo: Path, dep: Deployment) -> bool:
    return len(dep.commit) == 40 and gitsource.resolve(repo, dep.commit) == dep.commit


def _walk_git(repo: Path, deps: Sequence[Deployment]) -> tuple[list[Change], Shipped, list[str]]:
    """Changes with lead times, and what each deployment shipped (the first one has no delimiter)."""
    changes: list[Change] = []
    by_commit: dict[str, str] = {}
    per_dep: dict[str, list[gitsource.Commit]] = {}
    negative = 0
    previous: Deployment | None = None
    for dep in deps:
        if not _known(repo, dep):
            continue
        if previous is not None:
            shipped = gitsource.commits(repo, previous.commit, dep.commit)
            per_dep[dep.id] = shipped
            for commit in shipped:
                by_commit.setdefault(commit.sha, dep.id)
            for sha, started in gitsource.change_starts(repo, previous.commit, dep.commit):
                if started > dep.time:
                    negative += 1
                    continue
                changes.append(Change(sha, started, dep.id, dep.time - started))
        previous = dep
    notes = ["the first deployment has no earlier one to delimit its changes: its commits have no lead time"]
    if negative:
        notes.append(f"{negative} change(s) authored after their deployment time were not counted")
    return changes, Shipped(by_commit, per_dep), notes


def run(opts: DoraOptions) -> DoraResult:
    """Compute the four keys; raises DoraInputError for unusable input."""
    now = opts.now or datetime.now(UTC)
    tab = _band_table(opts.band_year)
    git_ok = gitsource.is_repo(opts.repo)
    deps, source, notes = _deployments(opts, git_ok, now)
    changes: list[Change] = []
    shipped: Shipped | None = None
    if git_ok:
        changes, shipped, more = _walk_git(opts.repo, deps)
        notes.extend(more)
    else:
        notes.append(f"{opts.repo} is not a git repository: no lead time, no revert/hotfix signals")
    failures, failure_source = _failures(opts, deps, shipped, git_ok, now, notes)
    since, until = _window(opts, deps, now)
    in_window = [d for d in deps if since <= d.time < until]
    window = _metrics("window", since, until, in_window, changes, failures, tab)
    months = tuple(
        _metrics(label, start, end, [d for d in in_window if start <= d.time < end], changes, failures, tab)
        for label, start, end in _months(since, until)
    )
    return DoraResult(
        source, failure_source, tab.year, since, until, window, months, tuple(failures), tuple(notes)
    )


def _band_table(year: int) -> bands.BandTable:
    try:
        return bands.table(year)
    except ValueError as exc:
        raise DoraInputError(str(exc)) from None


def _failures(
    opts: DoraOptions,
    deps: Sequence[Deployment],
    shipped: Shipped | None,
    git_ok: bool,
    now: datetime,
    notes: list[str],
) -> tuple[list[Failure], str]:
    if opts.incidents is not None:
        incidents = read_incidents(opts.incidents, now)
        failures, more = from_incidents(incidents, deps, shipped, opts.repo if git_ok else None)
        notes.extend(more)
        return failures, f"incident file {opts.incidents}"
    if shipped is None:
        notes.append("no incident file and no git history: change failure rate and recovery time unknown")
        return [], "none (no incident file, no git repository)"
    return from_git(deps, shipped), NO_INCIDENTS


def _window(opts: DoraOptions, deps: Sequence[Deployment], now: datetime) -> tuple[datetime, datetime]:
    first = deps[0].time
    since = opts.since or datetime(first.year, first.month, first.day, tzinfo=UTC)
    until = opts.until or now
    if until <= since:
        raise DoraInputError(f"--until ({until:%Y-%m-%d}) is not after --since ({since:%Y-%m-%d})")
    return since, until


def _months(since: datetime, until: datetime) -> list[tuple[str, datetime, datetime]]:
    out = []
    start = since
    while start < until:
        nxt = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)
        out.append((f"{start:%Y-%m}", start, min(nxt, until)))
        start = nxt
    return out


def median(values: Sequence[timedelta]) -> timedelta:
    """The median; with an even count, the mean of the two middle values."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def nearest_rank(values: Sequence[timedelta], share: float) -> timedelta:
    """The nearest-rank percentile: the smallest value with at least ``share`` of values at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _metrics(
    label: str,
    start: datetime,
    end: datetime,
    deps: Sequence[Deployment],
    changes: Sequence[Change],
    failures: Sequence[Failure],
    tab: bands.BandTable,
) -> Metrics:
    ids = {d.id for d in deps}
    days = (end - start).total_seconds() / 86400
    per_day = len(deps) / days
    leads = [c.lead_time for c in changes if c.deployment_id in ids]
    failed = [f for f in failures if f.deployment_id in ids]
    recoveries = [t for f in failed if (t := f.recovery_time) is not None]
    lead_median = median(leads) if leads else None
    cfr = len(failed) / len(deps) if deps else None
    rec_median = median(recoveries) if recoveries else None
    band_list = (
        ("deployment_frequency", bands.frequency_band(tab, per_day)),
        ("lead_time", None if lead_median is None else bands.lead_time_band(tab, lead_median)),
        ("change_failure_rate", None if cfr is None else bands.failure_rate_band(tab, cfr)),
        ("recovery_time", None if rec_median is None else bands.recovery_band(tab, rec_median)),
    )
    return Metrics(
        label=label,
        days=days,
        deployments=len(deps),
        deploys_per_day=per_day,
        changes=len(leads),
        lead_time_median=lead_median,
        lead_time_p90=nearest_rank(leads, 0.9) if leads else None,
        failed_deployments=len(failed),
        change_failure_rate=cfr,
        recovery_median=rec_median,
        unrecovered=sum(1 for f in failed if f.recovered is None),
        bands=band_list,
    )
