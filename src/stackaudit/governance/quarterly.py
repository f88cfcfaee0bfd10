"""The quarterly mini-audit: what changed between a stored run and an earlier point.

``stackaudit report latest --compare-to RUN|DATE|REF`` reads two audit results and the store's
history and runtime evidence, and says what a reviewer must look at once a quarter:

- risks that are new since then, and risks retired (fixed or gone) since then;
- risks whose score moved, and open risks that crossed into an older aging bucket;
- accepted risks whose acceptance ends within the window ahead (or has already ended);
- endpoints whose load or profile evidence changed in the window (re-profile them), and
  scale evidence (load tests, SLO verdicts, regression gates) older than the window: the
  assumptions they stand for must be re-tested.

The diff is computed here and rendered by ``quarterly_render``; nothing in this module reads
files of the audited repository.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from stackaudit.model import Assessment, AuditResult, Run, Status
from stackaudit.model.evidence import Evidence, EvidenceKind
from stackaudit.storage.base import HistoryEntry

AGING_BUCKETS = (30, 90, 180)  # upper bounds of 0-30, 31-90, 91-180; beyond is > 180
SCORE_MOVE = 0.2  # a score that moved by a fifth or more is listed as changed
_SCALE_KINDS = frozenset({EvidenceKind.LOAD, EvidenceKind.PROFILE, EvidenceKind.REGRESSION})


@dataclass(frozen=True, slots=True)
class RiskRow:
    fingerprint: str
    rule_id: str
    category: str
    severity: str
    path: str
    line: int | None
    message: str
    score: float
    owner: str | None
    age_days: int


@dataclass(frozen=True, slots=True)
class ScoreChange:
    risk: RiskRow
    before: float


@dataclass(frozen=True, slots=True)
class Aged:
    risk: RiskRow
    bucket_before: str
    bucket_now: str


@dataclass(frozen=True, slots=True)
class Expiring:
    fingerprint: str
    rule_id: str
    path: str
    until: str
    by: str
    reason: str
    expired: bool


@dataclass(frozen=True, slots=True)
class EvidenceChange:
    """One endpoint's (or code location's) runtime evidence of one kind, before and after."""

    kind: str
    where: str
    before: str | None
    after: str | None
    last_recorded: datetime


@dataclass(frozen=True, slots=True)
class JourneyChange:
    """A declared journey whose reached code differs from its last threat review (or that has
    none): ``quarterly_source.journeys_to_review`` fills these from the committed record."""

    name: str
    reviewed: str | None  # ISO date of the last review; None: never reviewed
    changed_files: tuple[str, ...]  # files whose reached code changed, or joined the journey


@dataclass(frozen=True, slots=True)
class QuarterlyDiff:
    current: Run
    baseline: Run | None
    baseline_label: str
    since: datetime
    new: tuple[RiskRow, ...]
    retired: tuple[RiskRow, ...]
    changed: tuple[ScoreChange, ...]
    aged: tuple[Aged, ...]
    expiring: tuple[Expiring, ...]
    reprofile: tuple[EvidenceChange, ...]
    stale: tuple[EvidenceChange, ...]
    dora_markdown: str | None = None
    journeys: tuple[JourneyChange, ...] = ()
    journeys_note: str = ""  # where the review record was looked for, when it says something


def bucket(age_days: int) -> str:
    low = 0
    for high in AGING_BUCKETS:
        if age_days <= high:
            return f"{low}-{high} days"
        low = high + 1
    return f"> {AGING_BUCKETS[-1]} days"


def _row(item: Assessment) -> RiskRow:
    f = item.finding
    return RiskRow(
        fingerprint=f.fingerprint,
        rule_id=f.rule_id,
        category=str(f.category),
        severity=f.severity.label,
        path=f.location.path,
        line=f.location.line,
        message=f.message,
        score=item.score.value,
        owner=item.owner,
        age_days=item.age_days,
    )


def _by_fingerprint(items: Iterable[Assessment]) -> dict[str, Assessment]:
    return {a.finding.fingerprint: a for a in items}


def _moved(now: float, before: float) -> bool:
    base = max(abs(before), 1e-9)
    return abs(now - before) / base >= SCORE_MOVE


def risk_diff(
    current: AuditResult, base: AuditResult | None
) -> tuple[tuple[RiskRow, ...], tuple[RiskRow, ...], tuple[ScoreChange, ...], tuple[Aged, ...]]:
    """New, retired, re-scored and aged risks between ``base`` and ``current``.

    A finding that is suppressed or accepted now is neither new nor retired: it is still there,
    decided on. Without a base run every current finding is new.
    """
    now = _by_fingerprint(current.findings)
    quiet_now = {a.finding.fingerprint for a in current.suppressed}
    before = _by_fingerprint(base.findings) if base else {}
    quiet_before = {a.finding.fingerprint for a in base.suppressed} if base else set()
    new = [_row(a) for fp, a in now.items() if fp not in before and fp not in quiet_before]
    retired = [_row(a) for fp, a in before.items() if fp not in now and fp not in quiet_now]
    changed: list[ScoreChange] = []
    aged: list[Aged] = []
    for fp, a in now.items():
        old = before.get(fp)
        if old is None:
            continue
        if _moved(a.score.value, old.score.value):
            changed.append(ScoreChange(_row(a), old.score.value))
        if bucket(a.age_days) != bucket(old.age_days):
            aged.append(Aged(_row(a), bucket(old.age_days), bucket(a.age_days)))
    by_score = lambda r: (-r.score, r.rule_id, r.path)  # noqa: E731
    return (
        tuple(sorted(new, key=by_score)),
        tuple(sorted(retired, key=by_score)),
        tuple(sorted(changed, key=lambda c: -abs(c.risk.score - c.before))),
        tuple(sorted(aged, key=lambda g: (-g.risk.age_days, g.risk.rule_id))),
    )


def expiring(history: Mapping[str, HistoryEntry], now: datetime, ahead_days: int) -> tuple[Expiring, ...]:
    """Accepted risks whose acceptance ends within ``ahead_days`` (or ended already)."""
    horizon = (now + timedelta(days=ahead_days)).date()
    out = [
        Expiring(
            fingerprint=e.fingerprint,
            rule_id=e.rule_id,
            path=e.path,
            until=e.accepted_until.isoformat(),
            by=e.accepted_by or "",
            reason=e.reason or "",
            expired=e.accepted_until < now.date(),
        )
        for e in history.values()
        if e.status is Status.ACCEPTED and e.accepted_until is not None and e.accepted_until <= horizon
    ]
    return tuple(sorted(out, key=lambda x: (x.until, x.rule_id, x.path)))


def _where(ev: Evidence) -> str:
    if ev.endpoint:
        return ev.endpoint
    if ev.location is not None:
        return ev.location.path + (f" ({ev.location.symbol})" if ev.location.symbol else "")
    return ev.source or "the service"


def evidence_changes(
    evidence: Sequence[Evidence], since: datetime
) -> tuple[tuple[EvidenceChange, ...], tuple[EvidenceChange, ...]]:
    """Scale evidence that changed in the window (re-profile) and evidence older than it (re-test).

    Evidence is keyed by kind and endpoint (or code location); the latest observation before
    ``since`` is compared with the latest one after it.
    """
    before: dict[tuple[str, str], Evidence] = {}
    after: dict[tuple[str, str], Evidence] = {}
    for ev in sorted(evidence, key=lambda e: e.recorded_at):
        if ev.kind not in _SCALE_KINDS:
            continue
        key = (str(ev.kind), _where(ev))
        (after if ev.recorded_at >= since else before)[key] = ev
    changed = [
        EvidenceChange(k[0], k[1], before[k].summary if k in before else None, ev.summary, ev.recorded_at)
        for k, ev in after.items()
        if k not in before or before[k].summary != ev.summary
    ]
    stale = [
        EvidenceChange(k[0], k[1], ev.summary, None, ev.recorded_at)
        for k, ev in before.items()
        if k not in after
    ]
    return (
        tuple(sorted(changed, key=lambda c: (c.kind, c.where))),
        tuple(sorted(stale, key=lambda c: (c.last_recorded, c.kind, c.where))),
    )


@dataclass(frozen=True, slots=True)
class DiffInputs:
    current: AuditResult
    base: AuditResult | None
    baseline_label: str
    since: datetime
    history: Mapping[str, HistoryEntry]
    evidence: Sequence[Evidence]
    now: datetime
    ahead_days: int = 30
    dora_markdown: str | None = None


def compute(inputs: DiffInputs) -> QuarterlyDiff:
    new, retired, changed, aged = risk_diff(inputs.current, inputs.base)
    reprofile, stale = evidence_changes(inputs.evidence, inputs.since)
    return QuarterlyDiff(
        current=inputs.current.run,
        baseline=inputs.base.run if inputs.base else None,
        baseline_label=inputs.baseline_label,
        since=inputs.since,
        new=new,
        retired=retired,
        changed=changed,
        aged=aged,
        expiring=expiring(inputs.history, inputs.now, inputs.ahead_days),
        reprofile=reprofile,
        stale=stale,
        dora_markdown=inputs.dora_markdown,
    )
