"""Findings stored once, runs as what changed: growth, exact round trips across runs, pruning."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa

from stackaudit.model import Assessment, AuditResult, Status
from stackaudit.storage.store import Store
from stackaudit.storage.tables import finding_bodies, finding_spans, runs

from .factories import PROJECT, T0, assess, make_run, nplus, result, rich_result, score, sqli


def _counts(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        bodies = conn.execute(sa.select(sa.func.count()).select_from(finding_bodies)).scalar_one()
        spans = conn.execute(sa.select(sa.func.count()).select_from(finding_spans)).scalar_one()
    return bodies, spans


def _many(n: int, status: Status, day: int) -> tuple[Assessment, ...]:
    items = [assess(sqli(f"app/m{i}.py"), status, first_seen=T0, age_days=day) for i in range(n)]
    return tuple(sorted(items, key=lambda a: a.finding.sort_key))


def _save(store: Store, run_id: str, day: int, findings: tuple[Assessment, ...], **kw: object) -> AuditResult:
    res = result(make_run(run_id, T0 + timedelta(days=day)), findings, **kw)
    store.save_run(res)
    return res


def test_an_unchanged_rerun_stores_no_finding_rows(store_url: str) -> None:
    with Store.open(store_url) as store:
        _save(store, "r1", 0, _many(40, Status.NEW, 0))
        assert _counts(store) == (40, 40)
        _save(store, "r2", 1, _many(40, Status.OPEN, 1))  # new -> open: a real change, once
        assert _counts(store) == (40, 80)
        for day in range(2, 6):
            _save(store, f"r{day + 1}", day, _many(40, Status.OPEN, day))
        assert _counts(store) == (40, 80)  # four unchanged re-runs: nothing per finding
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(runs.c.order_blob).where(runs.c.id == "r6")).scalar() is None


def test_every_run_loads_exactly_as_saved_through_changes(store_url: str) -> None:
    a, b, c = sqli(), nplus(), sqli("app/other.py")
    saved: list[AuditResult] = []
    with Store.open(store_url) as store:
        saved.append(_save(store, "r1", 0, (assess(a, Status.NEW), assess(b, Status.NEW))))
        saved.append(
            _save(store, "r2", 1, (assess(a, Status.OPEN, age_days=1), assess(b, Status.OPEN, age_days=1)))
        )
        rescored = replace(assess(a, Status.OPEN, age_days=2), score=score(impact=9))
        saved.append(
            _save(store, "r3", 2, (rescored, assess(c, Status.NEW, first_seen=T0 + timedelta(days=2))))
        )
        moved = replace(a, location=replace(a.location, line=99))  # same fingerprint, new place
        saved.append(
            _save(store, "r4", 3, (assess(b, Status.REOPENED, age_days=3), assess(moved, Status.OPEN)))
        )
        saved.append(rich_result("r5-rich"))
        store.save_run(saved[-1])
        weird_age = assess(b, Status.OPEN, age_days=77)  # an age the engine would not compute
        saved.append(_save(store, "r6", 5, (weird_age,), suppressed=(assess(a, Status.SUPPRESSED),)))
        for res in saved:
            assert store.load_result(res.run.id) == res, res.run.id
        assert store.run_fingerprints("r3") == {a.fingerprint, c.fingerprint}
        assert store.run_fingerprints("r1") == {a.fingerprint, b.fingerprint}


def test_rank_order_is_kept_when_it_is_not_the_canonical_one(store_url: str) -> None:
    low = replace(assess(sqli("z.py"), Status.NEW), score=score(impact=1))
    high = assess(sqli("a.py"), Status.NEW)
    with Store.open(store_url) as store:
        canonical = _save(store, "r1", 0, (high, low))
        unusual = _save(store, "r2", 1, (replace(low, status=Status.OPEN), replace(high, status=Status.OPEN)))
        assert store.load_result("r1") == canonical
        assert store.load_result("r2") == unusual
        with store.engine.connect() as conn:
            blobs = dict(conn.execute(sa.select(runs.c.id, runs.c.order_blob)).all())
    assert blobs["r1"] is None and blobs["r2"] is not None


def test_prune_keeps_the_newest_and_collects_unused_findings(store_url: str) -> None:
    with Store.open(store_url) as store:
        kept: list[AuditResult] = []
        for day in range(5):
            items = (
                assess(sqli(f"app/only{day}.py"), Status.NEW),
                assess(nplus(), Status.OPEN, age_days=day),
            )
            kept.append(_save(store, f"r{day}", day, tuple(sorted(items, key=lambda x: -x.score.value))))
        assert _counts(store)[0] == 6
        assert store.prune_runs(PROJECT, keep=2) == 3
        assert [r.id for r in store.runs(PROJECT)] == ["r4", "r3"]
        assert _counts(store)[0] == 3  # only3, only4 and the shared n+1
        for res in kept[3:]:
            assert store.load_result(res.run.id) == res
        assert len(store.history(PROJECT)) == 6  # the history stays
        assert store.prune_runs(PROJECT, before=T0 + timedelta(days=4)) == 1
        assert [r.id for r in store.runs(PROJECT)] == ["r4"]
        assert store.load_result("r4") == kept[4]
        nxt = _save(store, "r5", 5, kept[4].findings)  # carries on from the pruned store
        assert store.load_result("r5") == nxt
        assert store.prune_runs(PROJECT, keep=0) == 2
        assert _counts(store) == (0, 0)


def test_prune_leaves_other_projects_alone(store_url: str) -> None:
    with Store.open(store_url) as store:
        mine = _save(store, "m1", 0, (assess(sqli(), Status.NEW),))
        other = result(make_run("o1", T0, project="other"), (assess(sqli(), Status.NEW),))
        store.save_run(other)
        _save(store, "m2", 1, (assess(sqli(), Status.OPEN),))
        assert store.prune_runs("other", keep=0) == 1
        assert store.load_result("m1") == mine
        assert store.size_bytes() is None or store.size_bytes() > 0  # type: ignore[operator]
