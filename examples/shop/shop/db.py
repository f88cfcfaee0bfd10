"""Engine and per-request session."""

from __future__ import annotations

import os
from typing import Any

from flask import current_app, g
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import DeclarativeBase, Session

DATABASE_URL = os.environ.get("SHOP_DATABASE_URL", "sqlite:///shop.db")


class Base(DeclarativeBase):
    pass


def engine_options(url: str) -> dict[str, Any]:
    """Timeouts for every backend: SQLite waits on locks, PostgreSQL on the network and the pool."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 5}}
    return {"pool_timeout": 10, "pool_pre_ping": True, "connect_args": {"connect_timeout": 5}}


def make_engine(url: str) -> Engine:
    return create_engine(url, **engine_options(url))


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["shop.sessionmaker"]()
    return g.db_session
