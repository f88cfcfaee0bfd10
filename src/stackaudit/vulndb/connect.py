"""Opening the shared store (the history database) for the vulnerability tables."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from stackaudit.storage.store import Store, StoreError
from stackaudit.storage.store import default_url as store_default_url
from stackaudit.vulndb.schema import ensure_schema

__all__ = ["StoreError", "default_url", "open_engine"]


def default_url(root: Path) -> str:
    """The store's default URL: SQLite at ``<root>/.stackaudit/stackaudit.db``."""
    return store_default_url(root)


def open_engine(url: str) -> Engine:
    """An engine on the store, migrated to head (revision 0002_vulndb holds our tables).

    ``ensure_schema`` is a no-op after the migration; it only matters for a store whose
    Alembic chain predates 0002. Raises ``StoreError`` with a clear message.
    """
    engine = Store.open(url).engine
    ensure_schema(engine)
    return engine
