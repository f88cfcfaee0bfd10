"""Value types and the error root of the history store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from stackaudit.model.enums import Status


class StoreError(Exception):
    """Anything wrong with the store; the message names the file/URL and the problem."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """What the store remembers about one fingerprint of one project."""

    fingerprint: str
    rule_id: str
    path: str
    first_seen: datetime
    first_run: str
    last_seen: datetime
    last_run: str
    status: Status  # new / open / reopened / fixed / accepted (suppressed when last seen so)
    owner: str | None = None
    owner_from_triage: bool = False  # set by `stackaudit triage --owner`, not copied from a run
    accepted_until: date | None = None
    accepted_by: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One stored run, as listed by ``Store.runs``."""

    id: str
    project: str
    started_at: datetime
    commit: str | None
    branch: str | None
    findings: int
    new: int
    fixed: int
    gate_passed: bool | None
