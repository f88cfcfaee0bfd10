from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stackaudit.model.enums import Severity
from stackaudit.model.location import Location


class EvidenceKind(StrEnum):
    LOAD = "load"  # SLO verdicts from load runs
    PROFILE = "profile"  # hot functions from per-request profiles
    NPLUSONE = "nplusone"  # runtime N+1 detections
    METRICS = "metrics"  # cache hit ratios, pools, queue depths
    DAST = "dast"  # dynamic checks of a running service
    REGRESSION = "regression"  # perf regression gate results


@dataclass(frozen=True, slots=True)
class Evidence:
    """A runtime observation, written by runtime commands into the store.

    The next audit joins it to static findings by ``location`` (path and line
    range / symbol) or by ``endpoint`` ("GET /orders") and raises their Likelihood.
    ``rule_hint`` narrows the join to one rule (runtime N+1 -> perf.n-plus-one).
    """

    kind: EvidenceKind
    summary: str
    severity: Severity
    recorded_at: datetime
    endpoint: str | None = None
    location: Location | None = None
    rule_hint: str | None = None
    source: str = ""
    data_json: str = "{}"
    project: str = ""


@dataclass(frozen=True, slots=True)
class EvidenceUse:
    """One stored observation as the audit used it: the findings it joined ("rule at
    path:line"; a ``runtime.*`` finding when it stands on its own), or none (a pass, an
    incomplete run).  The report's runtime evidence section lists every one."""

    evidence: Evidence
    joined_to: tuple[str, ...] = ()
