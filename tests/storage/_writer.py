"""A separate process that saves runs into a store (used by the concurrency tests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from multiprocessing.synchronize import Barrier

from stackaudit.model import Status
from stackaudit.storage.store import Store

from .factories import T0, assess, make_run, nplus, result, sqli


def save_runs(url: str, prefix: str, count: int, barrier: Barrier) -> None:
    barrier.wait(timeout=60)
    with Store.open(url) as store:  # both processes may migrate a fresh database at once
        for i in range(count):
            shared = assess(sqli(), Status.OPEN)
            own = assess(nplus(f"{prefix}/mod{i}.py"), Status.NEW)
            run = make_run(f"{prefix}-{i:03d}", T0 + timedelta(minutes=i))
            store.save_run(replace(result(run, (shared, own))))
            store.cache_put_many({f"{prefix}:{i}": prefix.encode()})
