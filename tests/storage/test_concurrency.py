"""Two processes writing one store at once; a lock held too long becomes a StoreError."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from stackaudit.storage.store import Store, StoreError, default_url

from ._writer import save_runs
from .factories import PROJECT, rich_result

RUNS_EACH = 10


@pytest.mark.slow
def test_two_processes_save_runs_concurrently(store_url: str) -> None:
    ctx = multiprocessing.get_context("fork")  # each child opens its own Store after the fork
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=save_runs, args=(store_url, p, RUNS_EACH, barrier)) for p in ("aaaa", "bbbb")]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    assert [proc.exitcode for proc in procs] == [0, 0]
    with Store.open(store_url) as store:
        ids = {r.id for r in store.runs(PROJECT, limit=1000)}
        hist = store.history(PROJECT)
        cache = store.cache_get_many([f"{p}:{i}" for p in ("aaaa", "bbbb") for i in range(RUNS_EACH)])
    assert ids == {f"{p}-{i:03d}" for p in ("aaaa", "bbbb") for i in range(RUNS_EACH)}
    assert len(hist) == 1 + 2 * RUNS_EACH  # the shared finding once, and each process's own
    assert len(cache) == 2 * RUNS_EACH


def _hold_write_lock(path: Path, seconds: float, held: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_a_short_lock_is_waited_for(tmp_path: Path) -> None:
    url = default_url(tmp_path)
    Store.open(url).close()
    held = threading.Event()
    holder = threading.Thread(
        target=_hold_write_lock, args=(tmp_path / ".stackaudit" / "stackaudit.db", 0.4, held)
    )
    holder.start()
    held.wait(5)
    started = time.monotonic()
    with Store.open(url, busy_timeout_s=10) as store:
        store.save_run(rich_result())
    holder.join()
    assert time.monotonic() - started >= 0.3
    with Store.open(url) as store:
        assert store.resolve_run(PROJECT, "latest") == rich_result().run.id


def test_a_lock_held_past_the_busy_timeout_is_a_store_error(tmp_path: Path) -> None:
    url = default_url(tmp_path)
    Store.open(url).close()
    held = threading.Event()
    path = tmp_path / ".stackaudit" / "stackaudit.db"
    holder = threading.Thread(target=_hold_write_lock, args=(path, 1.5, held))
    holder.start()
    held.wait(5)
    try:
        with (
            Store.open(url, busy_timeout_s=0.3) as store,
            pytest.raises(StoreError, match="locked") as caught,
        ):
            store.save_run(rich_result())
        assert str(path) in str(caught.value)
    finally:
        holder.join()
    with Store.open(url) as store:  # nothing half-written
        assert store.runs(PROJECT) == []


def _backend_pid(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _save_in_child(store: Store, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from dataclasses import replace

    store.save_run(replace(rich_result(), run=replace(rich_result().run, id="from-child")))
    out.put(_backend_pid(store) if store.engine.dialect.name == "postgresql" else 0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_reuse_the_parents_connections(store_url: str) -> None:
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    with Store.open(store_url) as store:
        store.save_run(rich_result())  # the parent's pool now holds a connection
        parent_pid = _backend_pid(store) if store.engine.dialect.name == "postgresql" else -1
        child = ctx.Process(target=_save_in_child, args=(store, out))
        child.start()
        child_pid = out.get(timeout=60)
        child.join(60)
        assert child.exitcode == 0
        assert child_pid != parent_pid  # on PostgreSQL: another server session
        assert {r.id for r in store.runs(PROJECT)} == {rich_result().run.id, "from-child"}


@pytest.mark.postgres
def test_postgresql_lock_waits_end_after_the_busy_timeout(pg_store_url: str) -> None:
    import sqlalchemy as sa

    store_url = pg_store_url
    with Store.open(store_url, busy_timeout_s=0.3) as store:
        blocker = sa.create_engine(store_url, poolclass=sa.NullPool)
        try:
            with blocker.begin() as conn:  # hold the per-project save lock
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(PROJECT))))
                started = time.monotonic()
                with pytest.raises(StoreError, match="locked"):
                    store.save_run(rich_result())
                assert 0.25 <= time.monotonic() - started < 10
        finally:
            blocker.dispose()
        store.save_run(rich_result())  # the lock is gone: it saves
        assert store.resolve_run(PROJECT, "latest") == rich_result().run.id
