"""Statuses across runs: new, open, reopened, fixed, accepted. Pure functions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from stackaudit.model import Finding, FixedFinding, Status
from stackaudit.storage.store import HistoryEntry

ACTIVE = frozenset({Status.NEW, Status.OPEN, Status.REOPENED, Status.ACCEPTED})


@dataclass(frozen=True, slots=True)
class Lifecycle:
    status: Status
    first_seen: datetime


def lifecycle(finding: Finding, history: Mapping[str, HistoryEntry], now: datetime) -> Lifecycle:
    entry = history.get(finding.fingerprint)
    if entry is None:
        return Lifecycle(Status.NEW, now)
    if entry.status == Status.FIXED:
        return Lifecycle(Status.REOPENED, entry.first_seen)
    return Lifecycle(Status.OPEN, entry.first_seen)


def fixed_since(
    history: Mapping[str, HistoryEntry],
    present: Iterable[str],
    in_scope: Callable[[HistoryEntry], bool],
) -> tuple[FixedFinding, ...]:
    """History entries that were active, are absent now, and were looked for in this run."""
    seen = set(present)
    fixed = [
        FixedFinding(e.fingerprint, e.rule_id, e.path, e.first_seen)
        for e in history.values()
        if e.status in ACTIVE and e.fingerprint not in seen and in_scope(e)
    ]
    return tuple(sorted(fixed, key=lambda f: (f.path, f.rule_id, f.fingerprint)))
