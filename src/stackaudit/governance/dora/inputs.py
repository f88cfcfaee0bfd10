"""Read deploy logs and incident files (CSV or JSON); every error names file, row and column.

CSV rows are numbered as a spreadsheet shows them (the header is row 1); JSON items from 1.
Times are ISO 8601; a time without a zone is read as UTC. A time in the future is an error:
it is almost always a wrong zone or a typo, and it would silently distort every metric.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from stackaudit.governance.dora.model import Deployment, DoraInputError, Incident

DEPLOY_COLUMNS = ("id", "time", "commit", "environment", "status")
INCIDENT_COLUMNS = ("id", "opened", "resolved", "deployment")
SUCCESS_STATUSES = frozenset({"success", "succeeded", "successful", "ok", "deployed", "done", "completed"})


@dataclass(frozen=True, slots=True)
class Row:
    """One record of an input file with where it came from, for messages."""

    where: str  # "row 3" or "item 2"
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class DeployLog:
    """The successful deployments of a log, and how many rows were not deployments."""

    deployments: tuple[Deployment, ...]
    skipped: int  # rows whose status is not a success, or of another environment


def _rows(path: Path, required: Sequence[str]) -> Iterator[Row]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DoraInputError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DoraInputError(f"{path}: cannot read: {exc}") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        yield from _json_rows(path, text, required)
    else:
        yield from _csv_rows(path, text, required)


def _csv_rows(path: Path, text: str, required: Sequence[str]) -> Iterator[Row]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise DoraInputError(
            f"{path}: row 1: missing column(s) {', '.join(missing)} (expected: {', '.join(required)})"
        )
    reader.fieldnames = header
    for number, record in enumerate(reader, start=2):
        values = {k: (v or "").strip() for k, v in record.items() if isinstance(k, str)}
        yield Row(f"row {number}", values)


def _json_rows(path: Path, text: str, required: Sequence[str]) -> Iterator[Row]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DoraInputError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else None
    if not isinstance(data, list):
        raise DoraInputError(f"{path}: expected a JSON list of objects (or an object holding one list)")
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise DoraInputError(f"{path}: item {number}: expected an object")
        values = {str(k).strip().lower(): "" if v is None else str(v).strip() for k, v in item.items()}
        missing = [c for c in required if c not in values]
        if missing:
            raise DoraInputError(f"{path}: item {number}: missing column(s) {', '.join(missing)}")
        yield Row(f"item {number}", values)


def required_time(path: Path, row: Row, column: str, now: datetime) -> datetime:
    """A time that must be there."""
    value = parse_time(path, row, column, now)
    if value is None:
        raise DoraInputError(f"{path}: {row.where}, column '{column}': empty (a time is required)")
    return value


def parse_time(path: Path, row: Row, column: str, now: datetime) -> datetime | None:
    """An ISO 8601 time as UTC (None when empty); bad or future times name file, row and column."""
    raw = row.values.get(column, "")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise DoraInputError(
            f"{path}: {row.where}, column '{column}': bad date {raw!r} "
            "(expected ISO 8601, e.g. 2025-03-01T12:00:00Z)"
        ) from None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if value > now:
        raise DoraInputError(
            f"{path}: {row.where}, column '{column}': {raw!r} is in the future "
            f"(now is {now:%Y-%m-%dT%H:%M:%SZ})"
        )
    return value


def _required(path: Path, row: Row, column: str) -> str:
    value = row.values.get(column, "")
    if not value:
        raise DoraInputError(f"{path}: {row.where}, column '{column}': empty")
    return value


def read_deploy_log(path: Path, now: datetime, environment: str | None) -> DeployLog:
    """Successful deployments (of ``environment`` when given), sorted by time."""
    found: list[Deployment] = []
    skipped = 0
    seen: set[str] = set()
    for row in _rows(path, DEPLOY_COLUMNS):
        ident = _required(path, row, "id")
        if ident in seen:
            raise DoraInputError(f"{path}: {row.where}, column 'id': duplicate deployment id {ident!r}")
        seen.add(ident)
        time = required_time(path, row, "time", now)
        commit = _required(path, row, "commit")
        env = row.values.get("environment", "")
        status = _required(path, row, "status").lower()
        if status not in SUCCESS_STATUSES or (environment is not None and env != environment):
            skipped += 1
            continue
        found.append(Deployment(id=ident, time=time, commit=commit, environment=env))
    found.sort(key=lambda d: (d.time, d.id))
    return DeployLog(tuple(found), skipped)


def read_incidents(path: Path, now: datetime) -> tuple[Incident, ...]:
    """Incidents; ``resolved`` may be empty (still open) but never before ``opened``."""
    incidents: list[Incident] = []
    for row in _rows(path, INCIDENT_COLUMNS):
        ident = _required(path, row, "id")
        opened = required_time(path, row, "opened", now)
        resolved = parse_time(path, row, "resolved", now)
        if resolved is not None and resolved < opened:
            raise DoraInputError(f"{path}: {row.where}, column 'resolved': before 'opened'")
        deployment = _required(path, row, "deployment")
        incidents.append(Incident(ident, opened, resolved, deployment))
    return tuple(incidents)
