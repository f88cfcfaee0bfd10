"""Alembic environment for stackaudit's store, configured from code (no alembic.ini).

``Store.open`` passes an open SQLAlchemy connection in ``config.attributes["connection"]``
(already inside the transaction that holds the migration lock). Offline mode
(``--sql``) uses the ``sqlalchemy.url`` main option. Every revision file in
``versions/`` is picked up, including later ones such as ``0002_vulndb``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from stackaudit.storage.tables import metadata


def _online(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _offline(url: str) -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    if context.is_offline_mode():
        _offline(context.config.get_main_option("sqlalchemy.url") or "sqlite://")
        return
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("stackaudit migrations run through Store.open(url), which passes a connection")
    _online(connection)


main()
