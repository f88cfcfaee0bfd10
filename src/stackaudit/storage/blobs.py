"""The per-file / per-analyzer result cache and runtime evidence.

Cache values are opaque bytes: the store never decodes them. A caller that
cannot decode an entry (an older format, a torn write from a crashed tool) must
treat it as a miss, recompute, and may ``cache_delete`` it; nothing crashes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from stackaudit.model import Evidence
from stackaudit.storage.base import StoreError
from stackaudit.storage.fastcodec import decode
from stackaudit.storage.history import chunks
from stackaudit.storage.runs import dumps
from stackaudit.storage.tables import cache_entries, evidence


def cache_get(conn: sa.Connection, keys: Sequence[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    unique = list(dict.fromkeys(keys))
    for part in chunks(unique):
        query = sa.select(cache_entries.c.key, cache_entries.c.value).where(cache_entries.c.key.in_(part))
        found.update((row.key, bytes(row.value)) for row in conn.execute(query))
    return found


def cache_put(conn: sa.Connection, items: Mapping[str, bytes]) -> None:
    now = datetime.now(UTC)
    rows = [{"key": k, "value": bytes(v), "stored_at": now} for k, v in items.items()]
    if not rows:
        return
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        insert = sqlite.insert if name == "sqlite" else postgresql.insert
        statement = insert(cache_entries)
        statement = statement.on_conflict_do_update(
            index_elements=[cache_entries.c.key],
            set_={"value": statement.excluded.value, "stored_at": statement.excluded.stored_at},
        )
        for part in chunks(rows):
            conn.execute(statement, list(part))
        return
    for part in chunks(rows):  # any other backend: replace
        conn.execute(cache_entries.delete().where(cache_entries.c.key.in_([r["key"] for r in part])))
        conn.execute(cache_entries.insert(), list(part))


def cache_delete(conn: sa.Connection, keys: Sequence[str]) -> int:
    removed = 0
    for part in chunks(list(dict.fromkeys(keys))):
        removed += conn.execute(cache_entries.delete().where(cache_entries.c.key.in_(part))).rowcount
    return removed


def cache_prune(conn: sa.Connection, before: datetime) -> int:
    """Delete entries stored before ``before``; returns how many went."""
    return conn.execute(cache_entries.delete().where(cache_entries.c.stored_at < before)).rowcount


def evidence_put(conn: sa.Connection, items: Sequence[Evidence]) -> None:
    rows: list[dict[str, Any]] = [
        {
            "project": e.project,
            "kind": e.kind.value,
            "recorded_at": e.recorded_at,
            "endpoint": e.endpoint,
            "path": None if e.location is None else e.location.path,
            "rule_hint": e.rule_hint,
            "data_json": dumps(e),
        }
        for e in items
    ]
    for part in chunks(rows):
        conn.execute(evidence.insert(), list(part))


def evidence_get(conn: sa.Connection, project: str, since: datetime | None) -> list[Evidence]:
    query = sa.select(evidence.c.id, evidence.c.data_json).where(evidence.c.project == project)
    if since is not None:
        query = query.where(evidence.c.recorded_at >= since)
    out: list[Evidence] = []
    for row in conn.execute(query.order_by(evidence.c.recorded_at, evidence.c.id)):
        try:
            out.append(decode(Evidence, json.loads(row.data_json)))
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"evidence row {row.id} cannot be decoded by this stackaudit: {exc}") from None
    return out
