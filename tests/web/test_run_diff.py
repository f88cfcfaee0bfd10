"""The run diff in SQL against a plain set difference of what each run held (SQLite, PostgreSQL).

Eight runs over a pool of findings that come, go, come back (reopened), are rescored and are
suppressed; every pair of runs, in both directions, is compared with the reference.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from stackaudit.model import Assessment, Status
from stackaudit.storage.store import Store
from stackaudit.web import detail, stats
from tests.storage.factories import PROJECT, T0, assess, make_run, result, score, sqli

POOL = 40
RUNS = 8


def _runs() -> list[tuple[str, datetime, dict[str, Assessment], dict[str, Assessment]]]:
    """(run id, start, present findings by fingerprint, suppressed findings by fingerprint)."""
    rng = random.Random(11)
    findings = [sqli(path=f"app/m{i:02d}.py") for i in range(POOL)]
    first_seen: dict[str, datetime] = {}
    out = []
    for k in range(RUNS):
        started = T0 + timedelta(days=7 * k)
        present: dict[str, Assessment] = {}
        quiet: dict[str, Assessment] = {}
        for i, f in enumerate(findings):
            roll = rng.random()
            if roll < 0.25:
                continue  # absent in this run (fixed, or back later: reopened)
            seen = first_seen.setdefault(f.fingerprint, started)
            item = replace(
                assess(f, Status.OPEN, first_seen=seen),
                score=score(impact=2 + (i + (k if roll > 0.8 else 0)) % 8),  # some are rescored
            )
            (quiet if roll < 0.32 else present)[f.fingerprint] = item
        out.append((f"{k + 1:02d}" * 16, started, present, quiet))
    return out


def _reference(
    saved: list[tuple[str, datetime, dict[str, Assessment], dict[str, Assessment]]], a: int, b: int
) -> dict[str, set[str]]:
    before = {fp: x.score.value for fp, x in saved[a][2].items()}
    after = {fp: x.score.value for fp, x in saved[b][2].items()}
    seen_before_a = {fp for _, started, p, q in saved if started < saved[a][1] for fp in (*p, *q)}
    added = set(after) - set(before)
    return {
        "new": added - seen_before_a,
        "reopened": added & seen_before_a,
        "fixed": set(before) - set(after),
        "changed": {fp for fp in set(before) & set(after) if before[fp] != pytest.approx(after[fp])},
    }


def test_every_pair_matches_the_set_difference(store_url: str) -> None:
    saved = _runs()
    with Store.open(store_url) as store:
        for run_id, started, present, quiet in saved:
            run = make_run(run_id, started)
            suppressed = tuple(replace(x, status=Status.SUPPRESSED) for x in quiet.values())
            store.save_run(result(run, tuple(present.values()), suppressed=suppressed))
        with store.engine.connect() as conn:
            rows = {r.id: r for r in (stats.run_row(conn, PROJECT, run_id) for run_id, *_ in saved) if r}
            checked = 0
            for a in range(RUNS):
                for b in range(RUNS):
                    got = detail.diff(conn, PROJECT, rows[saved[a][0]], rows[saved[b][0]])
                    want = _reference(saved, a, b)
                    for key in ("new", "reopened", "fixed", "changed"):
                        items = getattr(got, key)
                        assert got.counts[key] == len(want[key]), (a, b, key)
                        assert {d.fingerprint for d in items} == want[key], (a, b, key)
                    for d in got.changed:
                        assert (d.before, d.after) == (
                            pytest.approx(saved[a][2][d.fingerprint].score.value),
                            pytest.approx(saved[b][2][d.fingerprint].score.value),
                        )
                    checked += sum(got.counts.values())
    assert checked > 200  # the pairs differ in many ways, not trivially
