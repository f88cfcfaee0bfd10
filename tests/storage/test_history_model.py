"""History against a reference model: random presence over many runs, statuses as the engine sets them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from stackaudit.model import Finding, FixedFinding, Status
from stackaudit.storage.store import Store

from .factories import PROJECT, T0, assess, make_run, nplus, result

ACTIVE = {Status.NEW, Status.OPEN, Status.REOPENED}


@dataclass
class Expected:
    status: Status
    first_run: str
    last_run: str


def _statuses(findings: list[Finding], present: set[int], model: dict[str, Expected]) -> dict[int, Status]:
    out = {}
    for i in present:
        known = model.get(findings[i].fingerprint)
        if known is None:
            out[i] = Status.NEW
        elif known.status is Status.FIXED:
            out[i] = Status.REOPENED
        else:
            out[i] = Status.OPEN
    return out


def test_history_matches_a_reference_model_over_random_runs(store_url: str) -> None:
    rng = random.Random(20260301)
    findings = [nplus(f"pkg/m{i}.py", f"for x in q{i}: x.rel") for i in range(12)]
    model: dict[str, Expected] = {}
    with Store.open(store_url) as store:
        for day in range(10):
            run_id = f"run-{day:02d}"
            present = {i for i in range(len(findings)) if rng.random() < 0.55}
            statuses = _statuses(findings, present, model)
            gone = [
                FixedFinding(f.fingerprint, f.rule_id, f.location.path, T0)
                for i, f in enumerate(findings)
                if i not in present and f.fingerprint in model and model[f.fingerprint].status in ACTIVE
            ]
            items = tuple(assess(findings[i], statuses[i]) for i in sorted(present))
            store.save_run(result(make_run(run_id, T0 + timedelta(days=day)), items, fixed=tuple(gone)))
            for i, status in statuses.items():
                fp = findings[i].fingerprint
                first = model[fp].first_run if fp in model else run_id
                model[fp] = Expected(status, first, run_id)
            for g in gone:
                model[g.fingerprint].status = Status.FIXED
            stored = store.history(PROJECT)
            got = {fp: Expected(e.status, e.first_run, e.last_run) for fp, e in stored.items()}
            assert got == model, f"after {run_id}"
    seen = {e.status for e in model.values()}
    assert {Status.OPEN, Status.FIXED, Status.REOPENED} <= seen  # the sequence exercised every path
