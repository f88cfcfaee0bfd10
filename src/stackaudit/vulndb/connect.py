"""Opening the shared store for the vulnerability tables."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import ConnectionPoolEntry

from stackaudit.vulndb.schema import ensure_schema


def _sqlite_pragmas(dbapi_connection: object, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def default_url(root: Path) -> str:
    """The store's default URL; the storage package's when present, else the same SQLite path."""
    try:
        from stackaudit.storage.store import default_url as storage_default
    except ImportError:
        return f"sqlite:///{(root / '.stackaudit' / 'stackaudit.db').resolve()}"
    return storage_default(root)


def open_engine(url: str) -> Engine:
    """An engine on the store with the vulnerability tables present (created when missing)."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    ensure_schema(engine)
    return engine
