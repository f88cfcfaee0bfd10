"""Find N+1 patterns in one unit of work, the way Sentry's detector does.

A run of at least ``min_repeats`` consecutive statements with the same
fingerprint, preceded by a different "source" statement (the query that
produced the rows being iterated), totalling at least ``min_total_ms``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from stackaudit.runtime.nplusone.capture import CallSite, QueryEvent


@dataclass(frozen=True, slots=True)
class NPlusOne:
    unit: str
    shape: str
    fingerprint: str
    count: int
    total_ms: float
    site: CallSite | None
    source_shape: str


def detect(
    events: Sequence[QueryEvent], unit: str, min_repeats: int = 5, min_total_ms: float = 50.0
) -> list[NPlusOne]:
    found: list[NPlusOne] = []
    start = 0
    while start < len(events):
        end = start + 1
        while end < len(events) and events[end].fingerprint == events[start].fingerprint:
            end += 1
        run = events[start:end]
        total = sum(e.duration_ms for e in run)
        if start > 0 and len(run) >= min_repeats and total >= min_total_ms:
            sites = Counter(e.site for e in run if e.site is not None)
            site = sites.most_common(1)[0][0] if sites else None
            found.append(
                NPlusOne(
                    unit, run[0].shape, run[0].fingerprint, len(run), total, site, events[start - 1].shape
                )
            )
        start = end
    return found


def is_test_code(path: str, root: PurePath | None = None) -> bool:
    """A test module, a conftest or a file under a tests directory (below ``root``)."""
    p = PurePath(path)
    if root is not None and p.is_relative_to(root):
        p = p.relative_to(root)
    name = p.name
    in_tests = any(part in ("tests", "test", "testing") for part in p.parts[:-1])
    return in_tests or name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


def _counts(e: QueryEvent, root: PurePath | None) -> bool:
    """In a test run, a statement counts when the code under test issued it while the test
    ran: not test scaffolding (setUp, setUpTestData ...), not a query the test code issues
    itself (fixtures, factories, assertions), and a read (INSERT loops build test data)."""
    if e.in_setup or e.site is None or is_test_code(e.site.path, root):
        return False
    return e.shape.lstrip("( ").upper().startswith(("SELECT", "WITH"))


def detect_in_tests(
    events: Sequence[QueryEvent],
    unit: str,
    min_repeats: int = 10,
    min_total_ms: float = 1.0,
    root: PurePath | None = None,
) -> list[NPlusOne]:
    """N+1 in a test: count repeats, duration secondary.

    Test databases are small and local, so a real N+1 takes a few ms (60 queries in 13 ms on
    PostgreSQL): the repeat count decides and ``min_total_ms`` only drops the trivially fast.
    A run is consecutive statements of one fingerprint from the SAME live frame of the code
    under test (a loop in that code), so a test that calls a one-query helper in its own loop
    is not an N+1 of the helper.  Runs are grouped by the test's call site (the test line that
    led to them), the application site and the fingerprint: a test that triggers the same
    N+1 twice reports it once.
    """
    kept = [e for e in events if _counts(e, root)]
    groups: dict[tuple[object, ...], NPlusOne] = {}
    start = 0
    while start < len(kept):
        end = start + 1
        while end < len(kept) and kept[end].fingerprint == kept[start].fingerprint and kept[end].same_call:
            end += 1
        run = kept[start:end]
        total = sum(e.duration_ms for e in run)
        if len(run) >= min_repeats and total >= min_total_ms:
            head = run[0]
            key = (head.entry, head.site, head.fingerprint)
            source = kept[start - 1].shape if start > 0 else ""
            found = NPlusOne(unit, head.shape, head.fingerprint, len(run), total, head.site, source)
            old = groups.get(key)
            if old is None or old.count < found.count:
                groups[key] = found
        start = end
    return list(groups.values())
