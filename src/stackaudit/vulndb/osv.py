"""OSV records: validation against the parts of the OSV schema we rely on, and
normalisation into rows. Pure functions (they run in import worker processes)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from stackaudit.inventory.deps.model import normalise_name
from stackaudit.vulndb.cvss import best_vector

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_EVENT_KEYS = frozenset({"introduced", "fixed", "last_affected", "limit"})
_RANGE_TYPES = frozenset({"ECOSYSTEM", "SEMVER", "GIT"})
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%Y/%m/%d", "%d %b %Y")


_NULLS = frozenset({"null", "Null", "NULL", "~", ""})


def _get(mapping: dict[str, Any], key: str) -> Any:
    """A field, with YAML's null spellings as None (records are read with the base loader: all strings)."""
    value = mapping.get(key)
    return None if isinstance(value, str) and value in _NULLS else value


class SchemaError(ValueError):
    """The record does not follow the OSV schema (message says where)."""


def parse_timestamp(value: object) -> str | None:
    """Normalise the several timestamp shapes found in feeds to ISO 8601 UTC, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return stamp.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        return parse_timestamp(datetime.fromisoformat(text.replace("z", "Z")))
    except ValueError:
        pass
    for fmt in _FORMATS:
        try:
            return parse_timestamp(datetime.strptime(text, fmt))
        except ValueError:
            continue
    raise SchemaError(f"unreadable timestamp {text[:40]!r}")


@dataclass(frozen=True, slots=True)
class AdvisoryRow:
    id: str
    summary: str
    published: str | None
    modified: str | None
    aliases: tuple[str, ...]
    cvss_vector: str | None
    cvss_score: float | None
    affected: tuple[tuple[str, str, str, str], ...]  # (ecosystem, package, ranges json, versions json)


def _check_events(where: str, kind: str, events: Any) -> list[dict[str, str]]:
    if not isinstance(events, list) or not events:
        raise SchemaError(f"{where}.events: expected a non-empty list")
    out = []
    for j, event in enumerate(events):
        if not isinstance(event, dict) or len(event) != 1 or next(iter(event)) not in _EVENT_KEYS:
            raise SchemaError(f"{where}.events[{j}]: expected one of {sorted(_EVENT_KEYS)}")
        key, value = next(iter(event.items()))
        value = str(value)
        if kind == "GIT" and not (_COMMIT.match(value) or (key == "introduced" and value == "0")):
            raise SchemaError(f"{where}.events[{j}].{key}: {value[:50]!r} is not a full commit hash")
        out.append({key: value})
    return out


def _affected(record: dict[str, Any], problems: list[str]) -> tuple[tuple[str, str, str, str], ...]:
    rows = []
    entries = _get(record, "affected")
    if not isinstance(entries, list):
        raise SchemaError("affected: expected a list")
    for i, entry in enumerate(entries):
        package = _get(entry, "package") if isinstance(entry, dict) else None
        if not isinstance(package, dict) or not _get(package, "name") or not _get(package, "ecosystem"):
            raise SchemaError(f"affected[{i}].package: name and ecosystem are required")
        ranges = []
        for k, rng in enumerate(_get(entry, "ranges") or []):
            where = f"affected[{i}].ranges[{k}]"
            kind = _get(rng, "type") if isinstance(rng, dict) else None
            if kind not in _RANGE_TYPES:
                raise SchemaError(f"{where}.type: {kind!r} is not ECOSYSTEM, SEMVER or GIT")
            try:
                events = _check_events(where, kind, _get(rng, "events"))
            except SchemaError as exc:
                if kind != "GIT":
                    raise
                problems.append(str(exc))  # GIT ranges are not used for matching: keep the rest
                continue
            if kind != "GIT":
                ranges.append({"type": kind, "events": events})
        versions = [str(v) for v in _get(entry, "versions") or []]
        eco = str(package["ecosystem"]).split(":", 1)[0]
        rows.append(
            (eco, normalise_name(eco, str(package["name"])), json.dumps(ranges), json.dumps(versions))
        )
    return tuple(rows)


def normalise_record(record: Any) -> tuple[AdvisoryRow | None, list[str]]:
    """Return (row or None when withdrawn, schema problems). Raises SchemaError when unusable."""
    if not isinstance(record, dict) or not isinstance(_get(record, "id"), str):
        raise SchemaError("not an OSV record: no string 'id'")
    if _get(record, "withdrawn"):
        parse_timestamp(record["withdrawn"])
        return None, []
    problems: list[str] = []
    rows = _affected(record, problems)
    vectors = [str(_get(s, "score")) for s in _get(record, "severity") or [] if isinstance(s, dict)]
    vector, score = best_vector(vectors)
    aliases = tuple(sorted({str(a) for a in _get(record, "aliases") or []} - {record["id"]}))
    summary = str(_get(record, "summary") or _get(record, "details") or "").strip().splitlines()
    return (
        AdvisoryRow(
            id=record["id"],
            summary=summary[0][:300] if summary else "",
            published=parse_timestamp(_get(record, "published")),
            modified=parse_timestamp(_get(record, "modified")),
            aliases=aliases,
            cvss_vector=vector,
            cvss_score=score,
            affected=rows,
        ),
        problems,
    )
