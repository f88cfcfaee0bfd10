"""A real store (SQLite file, or a fresh PostgreSQL schema) with three runs of a small project."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from stackaudit.model import FixedFinding, Status
from stackaudit.storage.store import Store, default_url
from tests.storage.conftest import _fresh_pg_schema
from tests.storage.factories import (
    PROJECT,
    T0,
    assess,
    evidence,
    make_run,
    nplus,
    result,
    score,
    sqli,
    vulnerable,
)

HOSTILE = '<script>alert(1)</script>"onerror="alert(2)javascript:alert(3)'


def seed(url: str, hostile: bool = False) -> list[str]:
    """Three runs: r1 (sqli + n+1), r2 (adds a vuln, rescored n+1, 30 more sqli), r3 (n+1 fixed)."""
    tag = HOSTILE if hostile else ""
    owner = f"@team{tag}"
    many = tuple(
        replace(
            assess(sqli(path=f"app/v{i:02d}{tag}.py", snippet=f"q{i} = {tag!r}"), Status.OPEN, owner=owner),
            score=score(impact=2 + i % 8, likelihood=3 + i % 5, effort=1 + i % 3),
        )
        for i in range(30)
    )
    ids = [f"{n}aaaa{n}" * 4 for n in "123"]
    with Store.open(url) as store:
        lead = assess(
            sqli(snippet=f'cur.execute("SELECT * FROM o WHERE id=" + oid)  # {tag}'),
            Status.NEW,
            owner=owner,
            evidence=(evidence(summary=f"p95 420 ms{tag}"),),
        )
        first = (lead, assess(nplus(), Status.NEW))
        store.save_run(result(make_run(ids[0], T0 - timedelta(days=200)), first))
        rescored = replace(
            first[1], score=replace(first[1].score, impact=replace(first[1].score.impact, value=3))
        )
        second = (first[0], rescored, assess(vulnerable(), Status.NEW), *many)
        store.save_run(result(make_run(ids[1], T0 - timedelta(days=100)), second))
        third = (first[0], assess(vulnerable(), Status.OPEN), *many)
        gone = (
            FixedFinding(nplus().fingerprint, "perf.n-plus-one", "app/report.py", T0 - timedelta(days=200)),
        )
        store.save_run(result(make_run(ids[2], T0, commit="c0ffee" * 6 + "beef"), third, fixed=gone))
    return ids


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield default_url(tmp_path)
        return
    yield from _fresh_pg_schema(request.getfixturevalue("pg_url"))


@pytest.fixture
def seeded(store_url: str) -> tuple[str, list[str]]:
    return store_url, seed(store_url)


__all__ = ["HOSTILE", "PROJECT", "seed"]
