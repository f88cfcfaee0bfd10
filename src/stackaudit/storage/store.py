"""The history store's public API (see docs/storage.md).

``Store.open(url)`` creates and migrates the database, then every method runs in
its own transaction. SQLite (the default, ``default_url(root)``) runs in WAL mode;
PostgreSQL (``postgresql+psycopg://``) is the shared team store.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

import sqlalchemy as sa

from stackaudit.governance.dora.model import DoraResult
from stackaudit.model import AuditResult, Evidence, Status
from stackaudit.storage import blobs, connect, dora, history, migrate, runs
from stackaudit.storage.base import HistoryEntry, RunSummary, StoreError
from stackaudit.storage.project import project_key

__all__ = [
    "HistoryEntry",
    "RunSummary",
    "Store",
    "StoreError",
    "default_url",
    "project_key",
]

DEFAULT_BUSY_TIMEOUT_S = 30.0


def default_url(root: Path) -> str:
    """SQLite at ``<root>/.stackaudit/stackaudit.db`` (the directory is made by ``Store.open``)."""
    path = (root / ".stackaudit" / "stackaudit.db").resolve()
    return sa.URL.create("sqlite", database=str(path)).render_as_string()


class Store:
    """One open store. Use ``Store.open``; close it (or use ``with``) when done."""

    def __init__(self, engine: sa.Engine, where: str) -> None:
        self.engine = engine
        self.where = where  # the file or password-less URL, for messages

    @classmethod
    def open(cls, url: str, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Self:
        """Open (creating and migrating to head) the store at ``url``.

        Raises ``StoreError`` for a corrupt or foreign file (left untouched), a
        schema from a newer stackaudit, a server that cannot be reached, or a
        database still locked after ``busy_timeout_s``.
        """
        parsed = connect.parse_url(url)
        where = connect.describe(parsed)
        path = connect.sqlite_file(parsed)
        if path is not None:
            connect.preflight_sqlite(path)
        engine = connect.create(parsed, busy_timeout_s)
        store = cls(engine, where)
        try:
            with store._errors("migrating the schema"):
                _upgrade(engine, where, busy_timeout_s)
        except BaseException:
            engine.dispose()
            raise
        return store

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except sa.exc.OperationalError as exc:
            reason = str(exc.orig) if exc.orig is not None else str(exc)
            if any(word in reason for word in ("locked", "busy", "lock timeout")):
                raise StoreError(f"{self.where}: {action}: the database stayed locked ({reason})") from None
            raise StoreError(f"{self.where}: {action}: {reason}") from None
        except sa.exc.SQLAlchemyError as exc:
            reason = str(exc.orig) if isinstance(exc, sa.exc.DBAPIError) else str(exc)
            raise StoreError(f"{self.where}: {action}: {reason.splitlines()[0] if reason else exc}") from None

    @contextmanager
    def _read(self, action: str) -> Iterator[sa.Connection]:
        with self._errors(action), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self, action: str) -> Iterator[sa.Connection]:
        with (
            self._errors(action),
            self.engine.connect().execution_options(**{connect.WRITE_OPTION: True}) as conn,
            conn.begin(),
        ):
            yield conn

    # -- cache ---------------------------------------------------------------------------------
    def cache_get_many(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored bytes for the keys that have an entry. Callers decode; see ``blobs``."""
        with self._read("reading the cache") as conn:
            return blobs.cache_get(conn, keys)

    def cache_put_many(self, items: Mapping[str, bytes]) -> None:
        with self._write("writing the cache") as conn:
            blobs.cache_put(conn, items)

    def cache_delete(self, keys: Sequence[str]) -> int:
        with self._write("deleting cache entries") as conn:
            return blobs.cache_delete(conn, keys)

    def cache_prune(self, before: datetime) -> int:
        with self._write("pruning the cache") as conn:
            return blobs.cache_prune(conn, before)

    # -- history and runs ----------------------------------------------------------------------
    def history(self, project: str) -> dict[str, HistoryEntry]:
        with self._read("reading the history") as conn:
            return history.read(conn, project)

    def save_run(self, result: AuditResult) -> None:
        """Store a finished run and its history changes in one transaction (all or nothing)."""
        with self._write(f"saving run {result.run.id}") as conn:
            if conn.dialect.name == "postgresql":  # one saver per project at a time
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(result.run.project))))
            runs.save(conn, result)

    def load_result(self, run_id: str) -> AuditResult:
        with self._read(f"loading run {run_id}") as conn:
            return runs.load(conn, run_id)

    def runs(self, project: str, limit: int = 50) -> list[RunSummary]:
        with self._read("listing runs") as conn:
            return runs.summaries(conn, project, limit)

    def resolve_run(self, project: str, ref: str) -> str | None:
        with self._read("resolving a run") as conn:
            return runs.resolve(conn, project, ref)

    def run_fingerprints(self, run_id: str) -> set[str]:
        with self._read(f"reading run {run_id}") as conn:
            return runs.fingerprints(conn, run_id)

    def latest_run_for_commit(self, project: str, commit: str) -> str | None:
        with self._read("finding a run by commit") as conn:
            return runs.latest_for_commit(conn, project, commit)

    def projects(self) -> list[tuple[str, int, datetime]]:
        """Every project in the store: (name, number of runs, newest run start), by name."""
        with self._read("listing projects") as conn:
            return runs.projects(conn)

    def prune_runs(self, project: str, keep: int | None = None, before: datetime | None = None) -> int:
        """Delete runs of ``project`` beyond the newest ``keep`` and/or started before ``before``.

        The history is kept; findings no remaining run uses go. Returns how many runs went.
        """
        with self._write(f"pruning runs of {project}") as conn:
            return runs.prune(conn, project, keep, before)

    def apply_retention(self, project: str, runs: int | None, days: int | None, now: datetime) -> int:
        """Prune by a retention setting (``[retention] runs / days``); nothing when both are None."""
        if runs is None and days is None:
            return 0
        before = None if days is None else now - timedelta(days=days)
        return self.prune_runs(project, keep=runs, before=before)

    def size_bytes(self) -> int | None:
        """The database's size on disk (SQLite: pages in use; PostgreSQL: the database), if known."""
        with self._read("measuring the store") as conn:
            if conn.dialect.name == "sqlite":
                pages = conn.exec_driver_sql("PRAGMA page_count").scalar() or 0
                free = conn.exec_driver_sql("PRAGMA freelist_count").scalar() or 0
                size = conn.exec_driver_sql("PRAGMA page_size").scalar() or 0
                return int((pages - free) * size)
            if conn.dialect.name == "postgresql":
                found = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
                return None if found is None else int(found)
        return None

    def set_triage(
        self,
        project: str,
        fingerprint: str,
        *,
        status: Status | None = None,
        owner: str | None = None,
        until: date | None = None,
        by: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Record a triage decision (accept until a date, re-open, assign an owner)."""
        decision = history.Triage(status=status, owner=owner, until=until, by=by, reason=reason)
        with self._write(f"triaging {fingerprint}") as conn:
            history.triage(conn, project, fingerprint, decision, datetime.now(UTC))

    # -- DORA ------------------------------------------------------------------------------------
    def save_dora(
        self,
        project: str,
        result: DoraResult,
        *,
        definitions: dict[str, str],
        definitions_version: str,
        run_id: str | None = None,
        computed_at: datetime | None = None,
    ) -> int:
        """Store one DORA computation (its months, window, band year, definitions); returns its id."""
        with self._write("saving DORA metrics") as conn:
            return dora.save(
                conn,
                project,
                result,
                computed_at=computed_at or datetime.now(UTC),
                definitions=definitions,
                definitions_version=definitions_version,
                run_id=run_id,
            )

    def latest_dora(self, project: str, run_id: str | None = None) -> dora.StoredDora | None:
        """The newest stored DORA result of ``project`` (computed by run ``run_id`` when given)."""
        with self._read("reading DORA metrics") as conn:
            return dora.latest(conn, project, run_id)

    # -- runtime evidence ------------------------------------------------------------------------
    def add_evidence(self, items: Sequence[Evidence]) -> None:
        with self._write("saving evidence") as conn:
            blobs.evidence_put(conn, items)

    def evidence(self, project: str, since: datetime | None = None) -> list[Evidence]:
        with self._read("reading evidence") as conn:
            return blobs.evidence_get(conn, project, since)


def _locked(exc: sa.exc.OperationalError) -> bool:
    reason = str(exc.orig) if exc.orig is not None else str(exc)
    return any(word in reason for word in ("locked", "busy"))


def _upgrade(engine: sa.Engine, where: str, busy_timeout_s: float) -> None:
    """Migrate to head, retrying while another process migrates the same new SQLite file.

    Two processes opening a fresh store at once both start a migration; SQLite answers the one
    that must upgrade its read lock to a write lock with "database is locked" at once, without
    waiting for the busy timeout (waiting could deadlock). Once the other has finished, the
    retry finds the schema at head and does nothing.
    """
    deadline = time.monotonic() + busy_timeout_s
    pause = 0.05
    while True:
        try:
            migrate.upgrade(engine, where)
            return
        except sa.exc.OperationalError as exc:
            if not _locked(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 1.0)
