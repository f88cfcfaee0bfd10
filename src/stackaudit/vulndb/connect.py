"""Where the vulnerability data lives, and opening it.

Vulnerability data (OSV, KEV, EPSS) describes packages, not projects: one store per user
serves every project and every command (``db import/update/status``, ``audit``, ``sbom``).
Its location, first found wins: ``--db`` of a ``db`` command, the ``STACKAUDIT_VULNDB``
environment variable, ``[supply_chain] vulndb`` in the config, else
``$XDG_DATA_HOME/stackaudit/vulndb.db`` (``~/.local/share/stackaudit/vulndb.db``). A value
is a SQLAlchemy URL or a plain path to a SQLite file. Every message about the data names it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from stackaudit.storage.base import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from stackaudit.config.schema import Config

__all__ = ["ENV", "StoreError", "VulnStore", "default_url", "locate", "open_engine"]

ENV = "STACKAUDIT_VULNDB"


@dataclass(frozen=True, slots=True)
class VulnStore:
    """The store's URL, how it was chosen (for messages) and its file when it is SQLite."""

    url: str
    origin: str  # "--db", "STACKAUDIT_VULNDB", "config supply_chain.vulndb", "default"
    file: Path | None

    @property
    def where(self) -> str:
        """The file (or password-less URL) for messages."""
        from stackaudit.storage.connect import describe, parse_url

        return str(self.file) if self.file is not None else describe(parse_url(self.url))

    def exists(self) -> bool:
        """False only for a SQLite file that is not there yet (nothing was ever imported)."""
        return self.file is None or self.file.is_file()


def user_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "stackaudit"


def default_url() -> str:
    """The user-level store: ``$XDG_DATA_HOME/stackaudit/vulndb.db``."""
    return str(user_data_dir() / "vulndb.db")


def locate(explicit: str | None = None, config: Config | None = None) -> VulnStore:
    """The vulnerability store to use, from the flag, the environment, the config or the default."""
    from stackaudit.storage.connect import parse_url, sqlite_file

    chosen = (
        (explicit, "--db"),
        (os.environ.get(ENV), ENV),
        (config.supply_chain.vulndb if config is not None else None, "config supply_chain.vulndb"),
        (default_url(), "default"),
    )
    url, origin = next((value, name) for value, name in chosen if value)
    return VulnStore(url, origin, sqlite_file(parse_url(url)))


def open_engine(url: str) -> Engine:
    """An engine on the store, migrated to head (revision 0002_vulndb holds our tables).

    ``ensure_schema`` is a no-op after the migration; it only matters for a store whose
    Alembic chain predates 0002. Raises ``StoreError`` with a clear message.
    """
    from stackaudit.storage.store import Store
    from stackaudit.vulndb.schema import ensure_schema

    engine = Store.open(url).engine
    ensure_schema(engine)
    return engine
