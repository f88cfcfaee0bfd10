"""Value types of the DORA metrics: deployments, incidents, changes and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum


class DoraInputError(Exception):
    """An input (deploy log, incident file, git, option) cannot be used; the message names it."""


class Band(IntEnum):
    """DORA performance bands, ordered from worst to best so comparisons read naturally."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    ELITE = 4

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Deployment:
    """One production deployment: an annotated tag or a row of a deploy log."""

    id: str
    time: datetime  # timezone-aware, UTC
    commit: str  # full sha when resolved through git, else as given
    environment: str = ""
    tag: str = ""


@dataclass(frozen=True, slots=True)
class Incident:
    """A production incident linked to the deployment that caused it (``deployment``: tag, id or sha)."""

    id: str
    opened: datetime
    resolved: datetime | None
    deployment: str


@dataclass(frozen=True, slots=True)
class Change:
    """A change delivered by a deployment: a first-parent commit (a merge counts with what it merged).

    ``started`` is the author time of the change's first commit.
    """

    sha: str
    started: datetime
    deployment_id: str
    lead_time: timedelta


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed deployment and when it was recovered (None: not yet)."""

    deployment_id: str
    deployed: datetime
    failed_at: datetime  # incidents: first opened; git signals: the deployment time
    recovered: datetime | None
    reasons: tuple[str, ...]

    @property
    def recovery_time(self) -> timedelta | None:
        return None if self.recovered is None else self.recovered - self.failed_at


@dataclass(frozen=True, slots=True)
class Metrics:
    """The four keys over one period (a month or the whole window)."""

    label: str
    days: float
    deployments: int
    deploys_per_day: float
    changes: int
    lead_time_median: timedelta | None
    lead_time_p90: timedelta | None
    failed_deployments: int
    change_failure_rate: float | None
    recovery_median: timedelta | None
    unrecovered: int
    bands: tuple[tuple[str, Band | None], ...]  # metric key -> band


@dataclass(frozen=True, slots=True)
class DoraResult:
    """Everything ``stackaudit dora`` reports; the band year is stored with every result."""

    source: str  # where deployments came from
    failure_source: str  # incidents file, or git reverts/hotfixes
    band_year: int
    since: datetime
    until: datetime
    window: Metrics
    months: tuple[Metrics, ...]
    failures: tuple[Failure, ...]
    notes: tuple[str, ...] = field(default=())
