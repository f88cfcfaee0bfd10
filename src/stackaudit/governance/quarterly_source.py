"""Where the quarterly mini-audit's earlier point comes from: a stored run, a date, or a git ref.

``--compare-to`` accepts, in this order:
- a stored run id (or unique prefix), ``latest`` or ``previous``;
- a date ``YYYY-MM-DD``: the newest stored run started on or before the end of that day (UTC);
- a git ref: the newest stored run of that commit, else the newest stored run started on or
  before the commit's date, else the ref's tree exported with ``git archive`` and audited now
  without being stored (a CI runner that starts with an empty store: ``stackaudit schedule``).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from stackaudit.config.schema import Config
from stackaudit.governance.quarterly import JourneyChange
from stackaudit.model import AuditResult
from stackaudit.storage.store import Store

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RUN_SCAN = 10_000  # runs read to find one by date: far more than any retention keeps


class CompareError(Exception):
    """The earlier point cannot be found; the message says what was tried."""


@dataclass(frozen=True, slots=True)
class EarlierPoint:
    result: AuditResult | None  # None: nothing was stored that early (every current risk is new)
    label: str
    since: datetime


def _run_before(store: Store, project: str, moment: datetime) -> str | None:
    for summary in store.runs(project, _RUN_SCAN):  # newest first
        if summary.started_at <= moment:
            return summary.id
    return None


def _git(root: Path, *args: str) -> str | None:
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def find(
    store: Store,
    project: str,
    ref: str,
    root: Path,
    audit_tree: Callable[[Path], AuditResult],
) -> EarlierPoint:
    run_id = store.resolve_run(project, ref)
    if run_id is not None:
        result = store.load_result(run_id)
        return EarlierPoint(result, f"stored run {run_id[:12]}", _aware(result.run.started_at))
    if _DATE.match(ref):
        try:
            day = datetime.combine(datetime.fromisoformat(ref).date(), time.max, tzinfo=UTC)
        except ValueError:
            raise CompareError(f"--compare-to {ref!r}: not a valid date") from None
        found = _run_before(store, project, day)
        since = day - timedelta(days=1) + timedelta(microseconds=1)
        if found is None:
            return EarlierPoint(None, f"{ref} (no run stored by then)", since)
        result = store.load_result(found)
        return EarlierPoint(result, f"{ref}", _aware(result.run.started_at))
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if not commit:
        raise CompareError(
            f"--compare-to {ref!r} is not a stored run id, a YYYY-MM-DD date, or a git ref of {root}"
        )
    stored = store.latest_run_for_commit(project, commit)
    if stored is not None:
        result = store.load_result(stored)
        return EarlierPoint(result, f"{ref} ({commit[:10]})", _aware(result.run.started_at))
    when = _git(root, "show", "-s", "--format=%cI", commit)
    moment = datetime.fromisoformat(when) if when else None
    if moment is not None:
        found = _run_before(store, project, moment)
        if found is not None:
            result = store.load_result(found)
            return EarlierPoint(result, f"{ref} ({commit[:10]}, the run stored before it)", _aware(moment))
    import tempfile

    from stackaudit.engine.baseline import export_git_ref

    with tempfile.TemporaryDirectory(prefix="stackaudit-compare-") as tmp:
        tree = export_git_ref(root, commit, Path(tmp))
        result = audit_tree(tree)
    return EarlierPoint(
        result, f"{ref} ({commit[:10]}, audited from git)", _aware(moment or result.run.started_at)
    )


def journeys_to_review(root: Path, config: Config) -> tuple[tuple[JourneyChange, ...], str]:
    """Declared journeys whose reached code changed since the review record committed at
    ``[threat] record`` (``stackaudit threat-model --output``), or that it does not cover.

    Today's code is read from ``root`` (never imported); unchanged journeys are left out. The
    second value says what was read ("" when there is nothing to say).
    """
    from stackaudit.discovery.files import discover
    from stackaudit.scope.build import load_scope
    from stackaudit.threat.journeys import declared, endpoints_of
    from stackaudit.threat.review import parse, reached_code

    journeys = declared(config)
    if not journeys:
        return (), ""
    record = config.threat.record
    try:
        review = parse((root / record).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        review = None
    note = (
        ""
        if review
        else f"no readable threat review record at {record} (`stackaudit threat-model -o {record}`)"
    )
    disc = discover(root, config)
    try:
        scope = load_scope(disc.root, (f.path for f in disc.files if f.language == "python"))
    except RecursionError:
        return (), "the URL configuration nests deeper than can be read: journeys not compared"
    smap = scope.service_map()
    out = []
    for journey in journeys:
        whole, files = reached_code(scope, endpoints_of(journey, smap.endpoints))
        before = review.journeys.get(journey.name) if review else None
        if before is None:
            out.append(JourneyChange(journey.name, None, tuple(p for p, _ in files)))
            continue
        if before.hash == whole:
            continue
        old = dict(before.files)
        changed = tuple(p for p, h in files if old.get(p) != h)
        gone = tuple(p for p in old if p not in dict(files))
        out.append(JourneyChange(journey.name, review.date if review else None, changed + gone))
    return tuple(out), note
