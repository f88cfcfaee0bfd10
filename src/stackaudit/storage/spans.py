"""Findings stored once, runs stored as what changed.

A large service has tens of thousands of findings and nearly all of them are the same
from one run to the next. Storing every assessment again per run made the store grow
by ~90 MB a run; here:

* a **body** is one assessment's content (the finding, its score and reasons, owner,
  evidence, suppression) with the per-run fields blanked (status, age), stored once per
  project and content digest;
* a **span** says "this body, with this status and suppression, was present in every run
  of the project from ``first_seq`` to ``last_seq``" (``last_seq`` NULL: up to the latest
  run). A re-run that changes nothing writes no span at all; a changed status, score or
  location closes the old span and opens a new one.

The rank order of a run is recomputed from the engine's sort key on load; when a run's
order differs from it (ties, or results built by hand) the order is stored compactly on
the run row (``order_blob``). ``age_days`` is recomputed from ``first_seen`` and the
run's start; a run whose ages differ from that keeps the difference on its span.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from stackaudit.model import Assessment, Status
from stackaudit.storage.fastcodec import decode, encode
from stackaudit.storage.tables import finding_bodies, finding_spans, runs

CHUNK = 500
BLANK_STATUS = Status.OPEN.value

SpanKey = tuple[int, bool, str, int]  # body id, suppressed, status, age offset


def chunks[T](items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def canonical_age(started_at: datetime, first_seen: datetime) -> int:
    """The engine's age of a finding in a run that started at ``started_at``."""
    return max(0, (started_at - first_seen).days)


def rank_key(item: Assessment) -> tuple[float, int, tuple[str, int, int, str], str, str]:
    """The engine's ranking (score, severity, place), then fingerprint and status for ties."""
    f = item.finding
    return (-item.score.value, -int(f.severity), f.sort_key, f.fingerprint, item.status.value)


@dataclass(frozen=True, slots=True)
class Body:
    """One assessment reduced to its stored content, and the per-run facts beside it."""

    text: str
    digest: str
    fingerprint: str
    suppressed: bool
    status: str
    age_offset: int


def body_of(item: Assessment, suppressed: bool, started_at: datetime) -> Body:
    prim: Any = encode(item)
    prim["status"] = BLANK_STATUS
    prim["age_days"] = 0
    text = json.dumps(prim, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
    offset = item.age_days - canonical_age(started_at, item.first_seen)
    return Body(text, digest, item.finding.fingerprint, suppressed, item.status.value, offset)


def _body_ids(conn: sa.Connection, project: str, bodies: Sequence[Body]) -> dict[str, int]:
    """Digest -> body id, inserting the bodies not stored yet."""
    wanted = list(dict.fromkeys(b.digest for b in bodies))
    found = _existing_bodies(conn, project, wanted)
    missing: dict[str, Body] = {}
    for body in bodies:
        if body.digest not in found:
            missing.setdefault(body.digest, body)
    rows = [
        {"project": project, "digest": b.digest, "fingerprint": b.fingerprint, "data_json": b.text}
        for b in missing.values()
    ]
    for part in chunks(rows):
        conn.execute(finding_bodies.insert(), list(part))
    if missing:
        found.update(_existing_bodies(conn, project, list(missing)))
    return found


def _existing_bodies(conn: sa.Connection, project: str, digests: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    if len(digests) > CHUNK:  # a large run: one scan of the project beats many IN lists
        wanted = set(digests)
        query = sa.select(finding_bodies.c.digest, finding_bodies.c.id).where(
            finding_bodies.c.project == project
        )
        return {d: i for d, i in conn.execute(query) if d in wanted}
    for part in chunks(digests):
        query = sa.select(finding_bodies.c.digest, finding_bodies.c.id).where(
            finding_bodies.c.project == project, finding_bodies.c.digest.in_(part)
        )
        found.update((d, i) for d, i in conn.execute(query))
    return found


def _open_spans(conn: sa.Connection, project: str) -> dict[SpanKey, list[int]]:
    s = finding_spans.c
    query = sa.select(s.id, s.body_id, s.suppressed, s.status, s.age_offset).where(
        s.project == project, s.last_seq.is_(None)
    )
    out: dict[SpanKey, list[int]] = {}
    for row in conn.execute(query):
        out.setdefault((row.body_id, bool(row.suppressed), row.status, row.age_offset), []).append(row.id)
    return out


def save(
    conn: sa.Connection,
    run: tuple[int, str, datetime],
    previous: int | None,
    active: Sequence[Assessment],
    hidden: Sequence[Assessment],
) -> bytes | None:
    """Record which bodies run ``(seq, project, started_at)`` holds; returns its order blob.

    ``previous`` is the seq of the project's run before this one (None for the first):
    open spans that this run does not continue end there.
    """
    seq, project, started_at = run
    bodies = [body_of(a, False, started_at) for a in active]
    bodies += [body_of(a, True, started_at) for a in hidden]
    ids = _body_ids(conn, project, bodies)
    still_open = _open_spans(conn, project)
    fresh: list[dict[str, Any]] = []
    for b in bodies:
        key = (ids[b.digest], b.suppressed, b.status, b.age_offset)
        if still_open.get(key):
            still_open[key].pop()
            continue
        fresh.append(
            {
                "project": project,
                "body_id": key[0],
                "suppressed": b.suppressed,
                "status": b.status,
                "age_offset": b.age_offset,
                "first_seq": seq,
                "last_seq": None,
            }
        )
    ended = [span for spans in still_open.values() for span in spans]
    for part in chunks(ended):
        where = finding_spans.c.id.in_(part)
        if previous is None:  # nothing before this run: the spans covered no run
            conn.execute(finding_spans.delete().where(where))
        else:
            conn.execute(finding_spans.update().where(where).values(last_seq=previous))
    for rows in chunks(fresh):
        conn.execute(finding_spans.insert(), list(rows))
    return _order_blob(active, hidden, [ids[b.digest] for b in bodies])


def _order_blob(active: Sequence[Assessment], hidden: Sequence[Assessment], ids: list[int]) -> bytes | None:
    """None when both lists are in canonical rank order, else the body ids in order."""
    if _is_canonical(active) and _is_canonical(hidden):
        return None
    return zlib.compress(array("q", [len(active), *ids]).tobytes())


def _is_canonical(items: Sequence[Assessment]) -> bool:
    keys = [rank_key(a) for a in items]
    return all(keys[i] < keys[i + 1] for i in range(len(keys) - 1))  # ties: store the order


def _run_items(conn: sa.Connection, seq: int, project: str) -> sa.CursorResult[Any]:
    s, b = finding_spans.c, finding_bodies.c
    query = (
        sa.select(b.id, s.suppressed, s.status, s.age_offset, b.data_json)
        .join_from(finding_spans, finding_bodies, s.body_id == b.id)
        .where(s.project == project, s.first_seq <= seq, sa.or_(s.last_seq.is_(None), s.last_seq >= seq))
    )
    return conn.execute(query)


def load(
    conn: sa.Connection, run: tuple[int, str, datetime], blob: bytes | None
) -> tuple[tuple[Assessment, ...], tuple[Assessment, ...]]:
    """The active and suppressed assessments of a run, in the order they were saved."""
    seq, project, started_at = run
    groups: dict[tuple[bool, int], list[Assessment]] = {}
    for row in _run_items(conn, seq, project):
        prim = json.loads(row.data_json)
        first_seen = datetime.fromisoformat(prim["first_seen"])
        prim["status"] = row.status
        prim["age_days"] = canonical_age(started_at, first_seen) + row.age_offset
        groups.setdefault((bool(row.suppressed), row.id), []).append(decode(Assessment, prim))
    if blob is None:
        active = sorted((a for (hid, _), items in groups.items() if not hid for a in items), key=rank_key)
        hidden = sorted((a for (hid, _), items in groups.items() if hid for a in items), key=rank_key)
        return tuple(active), tuple(hidden)
    order = array("q")
    order.frombytes(zlib.decompress(blob))
    count, ids = order[0], order[1:]
    out: list[Assessment] = []
    for index, body_id in enumerate(ids):
        bucket = groups.get((index >= count, body_id))
        if bucket:
            out.append(bucket.pop(0))
    return tuple(out[:count]), tuple(out[count:])


def fingerprints(conn: sa.Connection, seq: int, project: str) -> set[str]:
    s, b = finding_spans.c, finding_bodies.c
    query = (
        sa.select(b.fingerprint)
        .join_from(finding_spans, finding_bodies, s.body_id == b.id)
        .where(s.project == project, s.first_seq <= seq, sa.or_(s.last_seq.is_(None), s.last_seq >= seq))
    )
    return set(conn.execute(query).scalars())


def previous_seq(conn: sa.Connection, project: str, seq: int) -> int | None:
    """The seq of the project's run saved just before ``seq``."""
    query = sa.select(sa.func.max(runs.c.seq)).where(runs.c.project == project, runs.c.seq < seq)
    found: int | None = conn.execute(query).scalar()
    return found


def collect(conn: sa.Connection, project: str) -> None:
    """Delete spans that no stored run of the project falls in, then bodies no span uses."""
    s, r = finding_spans.c, runs.c
    covered = (
        sa.select(r.seq)
        .where(r.project == project, r.seq >= s.first_seq, sa.or_(s.last_seq.is_(None), r.seq <= s.last_seq))
        .exists()
    )
    conn.execute(finding_spans.delete().where(s.project == project, ~covered))
    used = sa.select(s.id).where(s.body_id == finding_bodies.c.id).exists()
    conn.execute(finding_bodies.delete().where(finding_bodies.c.project == project, ~used))
