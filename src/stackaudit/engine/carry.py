"""The taint result of the latest stored run, carried into a ``--changed-since`` run.

Every stored run that ran the taint engine keeps its raw result (findings, proofs, files not
analysed) with the content hash of every Python file it read, in one store entry per project
(replaced by the next run). A ``--changed-since`` run analyses only the closure of the changed
files (engine/changed.py) and takes the rest from here:

* a file whose content differs from the carried run's counts as changed, whatever the ref says,
  so nothing stale is carried (a file edited after the stored run is analysed again);
* a finding is *re-decided* by this run when its sink, or any step of its flow, lies in a changed
  file or in a direct importer of one (where a flow enters the changed code); otherwise it is
  carried as the carried run found it (a finding is never dropped for being carried);
* the entry is tied to the taint engine's version and configuration: another one carries nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from stackaudit.analyzers.base import RepoResult
from stackaudit.engine import cache
from stackaudit.engine.changed import Closure
from stackaudit.model import AnalyzerState, Finding, NotAnalysedReason
from stackaudit.storage.fastcodec import decode, encode

FORMAT = 1
_CUT = (NotAnalysedReason.PARTIAL, NotAnalysedReason.ERROR)


@dataclass(frozen=True, slots=True)
class Carried:
    run_id: str
    commit: str | None
    signature: str  # taint's version and config section: another signature carries nothing
    digests: dict[str, str]  # path -> content hash of every Python file that run read
    result: RepoResult


def load(backend: cache.CacheBackend, project: str, analyzer: str, signature: str) -> Carried | None:
    key = cache.carry_key(project, analyzer)
    payload = backend.cache_get_many([key]).get(key)
    if payload is None:
        return None
    try:
        data = json.loads(payload)
        if data.get("format") != FORMAT or data.get("signature") != signature:
            return None
        result = decode(RepoResult, data["result"])
        digests = {str(k): str(v) for k, v in data["digests"].items()}
        return Carried(str(data["run"]), data.get("commit"), signature, digests, result)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # unreadable: the run audits in full


def save(backend: cache.CacheBackend, project: str, analyzer: str, carried: Carried) -> None:
    data = {
        "format": FORMAT,
        "run": carried.run_id,
        "commit": carried.commit,
        "signature": carried.signature,
        "digests": carried.digests,
        "result": encode(carried.result),
    }
    key = cache.carry_key(project, analyzer)
    backend.cache_put_many({key: json.dumps(data, separators=(",", ":")).encode()})


def drifted(carried: Carried, digests: Mapping[str, str]) -> set[str]:
    """Python files whose content differs from the carried run's (added and deleted included)."""
    now = {p: d for p, d in digests.items() if p.endswith(".py")}
    return {p for p in now.keys() | carried.digests.keys() if now.get(p) != carried.digests.get(p)}


def _touches(finding: Finding, zone: frozenset[str]) -> bool:
    return finding.location.path in zone or any(step.location.path in zone for step in finding.trace)


def _site(f: Finding) -> tuple[str, str, int, int]:
    return (f.rule_id, f.location.path, f.location.line, f.location.column)


def _confirmed(f: Finding) -> bool:
    return f.prop("origin") == "confirmed"


def combine(fresh: RepoResult, carried: Carried, scope: Closure, present: Iterable[str]) -> RepoResult:
    """Fresh findings whose flow touches the change; carried findings whose flow does not."""
    zone, files = scope.zone, frozenset(present)
    kept = {
        _site(f): f for f in carried.result.findings if f.location.path in files and not _touches(f, zone)
    }
    for f in fresh.findings:
        if not _touches(f, zone):
            continue  # this run saw only part of the program: the carried run decided it
        old = kept.get(_site(f))
        if old is None or _confirmed(f) or not _confirmed(old):
            kept[_site(f)] = f
    proofs = (
        *(p for p in fresh.proofs if p.path in zone),
        *(p for p in carried.result.proofs if p.path not in zone and p.path in files),
    )
    not_analysed = (
        *(n for n in fresh.not_analysed if n.path in zone),
        *(n for n in carried.result.not_analysed if n.path not in zone and n.path in files),
    )
    cut = sum(1 for n in not_analysed if n.reason in _CUT)
    return RepoResult(
        findings=tuple(sorted(kept.values(), key=lambda f: f.sort_key)),
        not_analysed=not_analysed,
        state=AnalyzerState.PARTIAL if cut else AnalyzerState.OK,
        reason=f"{cut} file(s) analysed partially" if cut else "",
        tool_version=fresh.tool_version,
        notices=fresh.notices,
        proofs=proofs,
    )
