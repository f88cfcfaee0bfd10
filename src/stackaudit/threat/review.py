"""The dated review record: which code each journey reached when its threats were last reviewed.

``threat-model --output F`` writes, at the top of the file, one machine-readable line with the
review date and, per journey, a hash of the source of every function its handlers reach
(through the call graph) grouped by file. The team commits that file; the quarterly diff
recomputes the hashes from today's code and lists the journeys whose code changed since.

Hashing the reached functions, not whole files, keeps an unrelated edit elsewhere in a file from
asking for a new review; a journey whose reach grows to a new function changes its hash too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from stackaudit.scope.build import Scope
from stackaudit.scope.model import Endpoint

SCHEMA = "stackaudit.threat-review/v1"
MARK = "stackaudit:threat-review"
_LINE = re.compile(r"<!--\s*" + re.escape(MARK) + r"\s+(\{.*\})\s*-->")


@dataclass(frozen=True, slots=True)
class JourneyRecord:
    hash: str
    files: tuple[tuple[str, str], ...]  # (path, hash of the reached code in it)


@dataclass(frozen=True, slots=True)
class Review:
    date: str  # ISO date
    journeys: Mapping[str, JourneyRecord]


def reached_code(scope: Scope, endpoints: Iterable[Endpoint]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(journey hash, per-file hashes) of the functions the endpoints' handlers reach."""
    per_file: dict[str, list[str]] = {}
    seen: set[str] = set()
    for handler in sorted({e.handler.ref for e in endpoints}):
        for ref, _via in scope.graph.reach(handler):
            func = scope.graph.funcs.get(ref)
            if func is None or ref in seen:
                continue
            seen.add(ref)
            mod = scope.index.modules[func.module]
            start = min([func.node.lineno, *(d.lineno for d in func.node.decorator_list)])
            end = func.node.end_lineno or func.node.lineno
            text = "\n".join(mod.text.splitlines()[start - 1 : end])
            per_file.setdefault(func.path, []).append(f"{func.qualname}\n{text}")
    files = tuple(
        (path, hashlib.sha256("\n\0".join(sorted(parts)).encode()).hexdigest()[:16])
        for path, parts in sorted(per_file.items())
    )
    whole = hashlib.sha256(json.dumps(files).encode()).hexdigest()[:16]
    return whole, files


def header(review: Review) -> str:
    """One HTML comment line (invisible in rendered Markdown and HTML). Every character that could
    end the comment or open markup is a JSON escape, whatever the repository's paths hold."""
    data = {
        "schema": SCHEMA,
        "date": review.date,
        "journeys": {
            name: {"hash": r.hash, "files": dict(r.files)} for name, r in sorted(review.journeys.items())
        },
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    for ch in "-<>&":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return f"<!-- {MARK} {text} -->"


def to_dict(review: Review) -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "date": review.date,
        "journeys": {n: {"hash": r.hash, "files": dict(r.files)} for n, r in sorted(review.journeys.items())},
    }


def _from_data(data: object) -> Review | None:
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("date"), str):
        return None
    journeys: dict[str, JourneyRecord] = {}
    raw = data.get("journeys")
    if not isinstance(raw, dict):
        return None
    for name, item in raw.items():
        if not isinstance(item, dict) or not isinstance(item.get("files"), dict):
            return None
        files = tuple(sorted((str(k), str(v)) for k, v in item["files"].items()))
        journeys[str(name)] = JourneyRecord(str(item.get("hash", "")), files)
    return Review(data["date"], journeys)


def parse(text: str) -> Review | None:
    """The record in a Markdown/HTML file (its header line) or a JSON file (its ``review`` key);
    None when the file holds none or a damaged one."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return None
        return _from_data(data.get("review")) if isinstance(data, dict) else None
    found = _LINE.search(text[:200_000])
    if found is None:
        return None
    try:
        return _from_data(json.loads(found.group(1)))
    except ValueError:
        return None
