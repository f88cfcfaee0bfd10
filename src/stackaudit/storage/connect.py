"""Engines for the store: URL checks, SQLite pre-flight, pragmas and transactions.

SQLite files are checked read-only before SQLAlchemy touches them, so a corrupt
or foreign file is reported and left byte-for-byte as it was. SQLite runs in WAL
mode with ``synchronous=NORMAL`` and a busy timeout; write transactions start
with ``BEGIN IMMEDIATE`` (execution option ``stackaudit_write``) so two
processes never deadlock upgrading a read lock, they wait up to the timeout.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine

from stackaudit.storage.base import StoreError
from stackaudit.storage.tables import RETIRED_TABLES, metadata

SQLITE_MAGIC = b"SQLite format 3\x00"
WRITE_OPTION = "stackaudit_write"
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


_PASSWORD = re.compile(r"(://[^:/@]*:)[^@/]*@")


# stackaudit creates only its own folder for a store: ``.stackaudit`` in a project, ``stackaudit``
# in the user data directory. Any other missing folder is most likely a typo in ``--db``, and
# creating it would litter the audited tree, so it is an error naming the folder instead.
OWN_DIRS = (".stackaudit", "stackaudit")


def parse_url(url: str) -> URL:
    """A SQLAlchemy URL; a plain path to a SQLite file (``x.db``, ``x.sqlite``) means that file."""
    if "://" not in url and _looks_like_sqlite_file(url):
        return sa.URL.create("sqlite", database=str(Path(url).expanduser().resolve()))
    try:
        return sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        shown = _PASSWORD.sub(r"\1***@", url)
        reason = _PASSWORD.sub(r"\1***@", str(exc))
        hint = "" if "://" in url else " (for a SQLite file give a path ending in .db, or sqlite:///PATH)"
        raise StoreError(f"{shown!r} is not a database URL: {reason}{hint}") from None


def _looks_like_sqlite_file(text: str) -> bool:
    """A plain path is taken as SQLite only when it names one, so a typo never becomes a new file."""
    path = Path(text.strip()).expanduser()
    return bool(text.strip()) and (path.suffix.lower() in SQLITE_SUFFIXES or path.is_file())


def describe(url: URL) -> str:
    """The URL for messages: the file path for SQLite, no password otherwise."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None for an in-memory database."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def preflight_sqlite(path: Path, settle_s: tuple[float, ...] = (0.05, 0.25)) -> None:
    """Refuse a path that is not (and cannot become) a sound SQLite database. Never writes.

    A file checked while another process checkpoints it can look torn for a
    moment, so a failed check is repeated after short pauses before it counts.
    """
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    if not path.exists():
        _make_parent(path)
        return
    for pause in (*settle_s, None):
        try:
            _check_file(path)
            return
        except StoreError:
            if pause is None:
                raise
            time.sleep(pause)


def _make_parent(path: Path) -> None:
    parent = path.parent
    if parent.is_dir():
        return
    if parent.name not in OWN_DIRS:
        raise StoreError(
            f"{path}: the folder {parent} does not exist (nothing was created). Check the --db path; "
            "a sqlite:/// URL with three slashes is relative to the current directory, four make it absolute"
        )
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create its directory: {exc.strerror}") from None


def missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file a URL names when that file does not exist yet, else None.

    Read-only commands use it to say where they looked instead of creating an empty store.
    """
    path = sqlite_file(parse_url(url))
    return path if path is not None and not path.exists() else None


def _check_file(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
        size = path.stat().st_size
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the database file: {exc.strerror}") from None
    if size == 0:
        return  # SQLite treats an empty file as an empty database
    _check_header(path, header, size)
    _check_readable(path)


def _check_header(path: Path, header: bytes, size: int) -> None:
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise StoreError(
            f"{path}: not a SQLite database (bad header); the file was left untouched. "
            "Move it away or pass another --db"
        )
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise StoreError(
            f"{path}: corrupt SQLite header (page size {page_size}); the file was left untouched"
        )
    pages = int.from_bytes(header[28:32], "big")
    header_valid = header[24:28] == header[92:96]
    if size % page_size or (header_valid and pages * page_size > size):
        raise StoreError(
            f"{path}: truncated SQLite database ({size} bytes, header says "
            f"{pages} pages of {page_size}); the file was left untouched"
        )


def _check_readable(path: Path) -> None:
    # Without a -wal file beside it, read it as immutable: no locks and no -wal/-shm files
    # created next to a file that may not be ours. With one, read through the WAL.
    wal = path.with_name(path.name + "-wal")
    mode = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open the database: {exc}") from None
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: corrupt SQLite database ({exc}); the file was left untouched") from None
    finally:
        conn.close()
    foreign = sorted(t for t in tables if not _ours(t))
    if foreign:
        names = ", ".join(foreign[:5])
        raise StoreError(
            f"{path}: a SQLite database that stackaudit did not create (tables: {names}); "
            "it was left untouched. Pass an empty or stackaudit database"
        )


def _ours(table: str) -> bool:
    """A table stackaudit may find in its own file: the store's, the vulndb's (vuln_*), SQLite's."""
    known = table in metadata.tables or table in RETIRED_TABLES or table == "alembic_version"
    return known or table.startswith(("vuln_", "sqlite_"))


def create(url: URL, busy_timeout_s: float) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url, busy_timeout_s)
    else:
        try:
            engine = sa.create_engine(url, pool_pre_ping=True)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
            hint = ""
            if url.get_backend_name() == "postgresql" and isinstance(exc, ImportError):
                hint = " (use postgresql+psycopg://, installed by: pip install 'stackaudit[postgres]')"
            raise StoreError(f"{describe(url)}: cannot use this database: {exc}{hint}") from None
        if engine.dialect.name == "postgresql":
            _pg_lock_timeout(engine, busy_timeout_s)
    _guard_fork(engine)
    return engine


def _pg_lock_timeout(engine: Engine, busy_timeout_s: float) -> None:
    """Waits for a lock (another saver, a migration) end after the busy timeout, as on SQLite."""
    busy_ms = int(busy_timeout_s * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            dbapi_connection.execute(f"SET lock_timeout = {busy_ms}")
        finally:
            dbapi_connection.autocommit = autocommit


def _guard_fork(engine: Engine) -> None:
    """A forked child (a process pool) never reuses the parent's pooled connections."""

    @event.listens_for(engine, "connect")
    def _remember_pid(_dbapi_connection: Any, record: Any) -> None:
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def _check_pid(_dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info.get("pid") != os.getpid():
            record.dbapi_connection = proxy.dbapi_connection = None
            raise sa.exc.DisconnectionError("connection made in another process; reconnecting")


def _sqlite_engine(url: URL, busy_timeout_s: float) -> Engine:
    engine = sa.create_engine(url, connect_args={"timeout": busy_timeout_s})
    busy_ms = int(busy_timeout_s * 1000)
    in_memory = sqlite_file(url) is None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
