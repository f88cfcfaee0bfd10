from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stackaudit.model.enums import Status
from stackaudit.model.evidence import Evidence, EvidenceUse
from stackaudit.model.finding import Finding
from stackaudit.model.score import Score
from stackaudit.scope.model import ServiceMap
from stackaudit.threat.model import ThreatModel


class AnalyzerState(StrEnum):
    OK = "ok"
    SKIPPED = "skipped"  # not run: binary missing, disabled, nothing to analyse
    FAILED = "failed"  # crashed; the others still ran
    TIMEOUT = "timeout"
    PARTIAL = "partial"  # ran, but some input hit a bound


@dataclass(frozen=True, slots=True)
class AnalyzerRecord:
    name: str
    version: str
    state: AnalyzerState
    reason: str = ""
    duration_s: float = 0.0
    findings: int = 0
    cached: bool = False


class NotAnalysedReason(StrEnum):
    BINARY = "binary"
    TOO_LARGE = "too-large"
    EMPTY = "empty"
    DECODE_ERROR = "decode-error"
    SYNTAX_ERROR = "syntax-error"
    PERMISSION = "permission-denied"
    VANISHED = "vanished"
    SYMLINK_OUTSIDE = "symlink-outside-tree"
    SYMLINK_LOOP = "symlink-loop"
    TIMEOUT = "timeout"
    PARTIAL = "partial"  # analysed up to a bound (time, depth, size)
    MALFORMED = "malformed"  # a manifest, lock file or config that does not parse
    UNSUPPORTED = "unsupported"
    ERROR = "error"  # an analyzer crashed on this file


@dataclass(frozen=True, slots=True)
class NotAnalysed:
    """A file (or part of one) that was not analysed, and why."""

    path: str
    reason: NotAnalysedReason
    detail: str = ""
    analyzer: str | None = None


@dataclass(frozen=True, slots=True)
class Run:
    """What ran, on what, and what was left out."""

    id: str
    project: str
    root: str
    started_at: datetime
    finished_at: datetime
    tool_version: str
    config_hash: str
    commit: str | None = None
    branch: str | None = None
    files_total: int = 0
    files_analysed: int = 0
    analyzers: tuple[AnalyzerRecord, ...] = ()
    not_analysed: tuple[NotAnalysed, ...] = ()
    tool_versions: tuple[tuple[str, str], ...] = ()
    timings: tuple[tuple[str, float], ...] = ()
    notices: tuple[str, ...] = ()  # run-wide warnings, e.g. "no vulnerability database"

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class Assessment:
    """A finding as ranked in one run: its score, history and ownership."""

    finding: Finding
    score: Score
    status: Status
    first_seen: datetime
    age_days: int = 0  # days since the first run that saw this fingerprint
    owner: str | None = None
    owner_source: str = ""  # "CODEOWNERS" | "git blame" | ""
    evidence: tuple[Evidence, ...] = ()
    suppression: str | None = None  # why it is suppressed or accepted


@dataclass(frozen=True, slots=True)
class FixedFinding:
    fingerprint: str
    rule_id: str
    path: str
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class GateVerdict:
    passed: bool
    threshold: str
    reasons: tuple[str, ...] = ()
    new_findings: int = 0  # findings over the threshold (with a baseline: the new ones only)
    baseline: str | None = None


@dataclass(frozen=True, slots=True)
class AuditResult:
    """A finished run: what every reporter reads. Reporters never filter or analyse."""

    run: Run
    findings: tuple[Assessment, ...]  # active findings, ranked by score, highest first
    suppressed: tuple[Assessment, ...] = ()
    fixed: tuple[FixedFinding, ...] = ()
    gate: GateVerdict | None = None
    runtime: tuple[EvidenceUse, ...] = ()  # every stored runtime observation the audit read
    # The service map the findings were placed on (scope/); not stored with the run (the store
    # keeps a copy per run in its cache table: scope/stored.py), so a loaded result has None.
    service_map: ServiceMap | None = None
    # The threat model of the declared journeys (threat/), kept the same way; None without journeys.
    threat_model: ThreatModel | None = None
