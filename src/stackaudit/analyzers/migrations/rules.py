"""Migration-safety rules: what breaks the old code still running during a rollout, or locks a
big table. Each ``doc`` is the playbook, with the expand-and-contract sequence for the operation."""

from __future__ import annotations

from stackaudit.model import Category, Confidence, RuleMeta, Severity


def _rule(
    rule_id: str, title: str, severity: Severity, doc: str, fix: str, impact: float = 7.0, effort: float = 1.0
) -> RuleMeta:
    return RuleMeta(
        id=rule_id,
        title=title,
        category=Category.SCALABILITY,
        severity=severity,
        cwe=(1188,) if "irreversible" in rule_id else (),
        impact=impact,
        likelihood=6.0,
        effort=effort,
        confidence=Confidence.HIGH,
        doc=doc,
        fix=fix,
        tags=("migration", "expand-contract"),
    )


NOT_NULL = _rule(
    "migration.not-null-without-default",
    "NOT NULL column added without a database default",
    Severity.HIGH,
    """
    Adds a NOT NULL column with no default that the database itself applies.

    Why it matters: during a rollout the old code is still running; its INSERTs do not name the
    new column and fail with a NOT NULL violation until every old instance is gone. Django's
    ``default=`` is applied by Django only (it is dropped from the table right after the column
    is added), so it does not help the old code.

    Example: ``migrations.AddField("order", "channel", models.CharField(max_length=20))``

    Fix (expand and contract): 1. add the column nullable (or with ``db_default=`` /
    ``server_default=``); 2. deploy code that writes it; 3. backfill in batches; 4. add the NOT
    NULL constraint (``ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID``, then ``VALIDATE``).
    """,
    "Add the column nullable or with a database default (db_default / server_default); "
    "make it NOT NULL after the backfill.",
)
DROP_COLUMN = _rule(
    "migration.drop-column",
    "Column or table dropped while old code may still use it",
    Severity.HIGH,
    """
    Drops a column or a table (``RemoveField``, ``DeleteModel``, ``op.drop_column``,
    ``DROP TABLE``).

    Why it matters: instances of the previous release still select and insert that column; every
    such query fails from the moment the migration runs until the rollout finishes. Django's ORM
    names every column in its SELECTs, so even code that never uses the field breaks.

    Fix (expand and contract): 1. release code that no longer reads or writes the column (Django:
    remove the field from the model with ``SeparateDatabaseAndState`` so the column stays);
    2. once every instance runs it, drop the column in a later migration.
    """,
    "Stop using the column in one release; drop it in a later one (SeparateDatabaseAndState).",
)
RENAME = _rule(
    "migration.rename",
    "Column or table renamed in place",
    Severity.HIGH,
    """
    Renames a column or a table (``RenameField``, ``RenameModel``, ``op.alter_column(…,
    new_column_name=…)``, ``ALTER TABLE … RENAME``).

    Why it matters: the old code still uses the old name and fails until the rollout ends.

    Fix (expand and contract): add the new column, write both, backfill, switch reads, stop
    writing the old one, drop it; or rename in the model only (``db_column=`` keeps the name).
    """,
    "Add the new column and migrate in steps, or keep the database name with db_column/db_table.",
)
TYPE_CHANGE = _rule(
    "migration.type-change",
    "Column type changed in place",
    Severity.MEDIUM,
    """
    Changes a column's type (``AlterField`` to another field class, ``op.alter_column(…,
    type_=…)``, ``ALTER COLUMN … TYPE``).

    Why it matters: most type changes rewrite the whole table under an ACCESS EXCLUSIVE lock,
    and the old code may write values the new type refuses.

    Fix (expand and contract): add a column of the new type, write both, backfill in batches,
    switch reads, drop the old column later.
    """,
    "Add a new column of the new type and migrate in steps.",
)
UNIQUE = _rule(
    "migration.unique-constraint",
    "Unique constraint added in one step",
    Severity.MEDIUM,
    """
    Adds a unique constraint directly (``unique=True`` in ``AddField``/``AlterField``,
    ``UniqueConstraint``, ``op.create_unique_constraint``, ``ADD CONSTRAINT … UNIQUE``).

    Why it matters: building the unique index takes a lock that blocks writes for the whole
    build on a big table.

    Fix: ``CREATE UNIQUE INDEX CONCURRENTLY`` first (Django ``AddIndexConcurrently``), then
    ``ADD CONSTRAINT … UNIQUE USING INDEX``.
    """,
    "Build the unique index concurrently, then attach it as the constraint.",
    impact=6.0,
)
FOREIGN_KEY = _rule(
    "migration.foreign-key-validates",
    "Foreign key added and validated in one step",
    Severity.MEDIUM,
    """
    Adds a foreign key constraint that the database validates at once (``op.create_foreign_key``,
    ``ADD CONSTRAINT … FOREIGN KEY`` without ``NOT VALID``).

    Why it matters: validation scans the whole table while holding a lock on both tables.

    Fix: ``ADD CONSTRAINT … FOREIGN KEY … NOT VALID``, then ``VALIDATE CONSTRAINT`` in a
    separate migration (it takes a weaker lock).
    """,
    "Add the constraint NOT VALID, validate it in a later migration.",
    impact=6.0,
)
INDEX = _rule(
    "migration.index-not-concurrent",
    "Index created or dropped without CONCURRENTLY",
    Severity.MEDIUM,
    """
    Creates or drops an index without ``CONCURRENTLY`` (Django ``AddIndex``/``RemoveIndex``,
    ``db_index=True`` on a new field, ``op.create_index`` without ``postgresql_concurrently=True``,
    ``CREATE INDEX``).

    Why it matters: a plain ``CREATE INDEX`` blocks every write to the table until it is built.

    Fix: ``AddIndexConcurrently`` / ``RemoveIndexConcurrently`` in a migration with
    ``atomic = False``; Alembic ``postgresql_concurrently=True`` inside
    ``op.get_context().autocommit_block()``.
    """,
    "Create the index concurrently, outside a transaction.",
    impact=6.0,
    effort=0.5,
)
CONCURRENT_IN_TX = _rule(
    "migration.concurrent-in-transaction",
    "CONCURRENTLY inside a transaction",
    Severity.HIGH,
    """
    Runs ``CREATE/DROP INDEX CONCURRENTLY`` inside the migration's transaction (a Django
    migration without ``atomic = False``, Alembic outside ``autocommit_block()``).

    Why it matters: PostgreSQL refuses it ("cannot run inside a transaction block"): the deploy
    fails half way.

    Fix: ``atomic = False`` on the Django migration; ``with op.get_context().autocommit_block():``
    in Alembic.
    """,
    "Run the concurrent operation outside a transaction (atomic = False / autocommit_block).",
    effort=0.5,
)
IRREVERSIBLE = _rule(
    "migration.irreversible",
    "Migration cannot be reversed",
    Severity.MEDIUM,
    """
    A data or SQL step with no way back: ``RunPython`` without ``reverse_code``, ``RunSQL``
    without ``reverse_sql``, an Alembic ``downgrade()`` that does nothing.

    Why it matters: a bad release cannot be rolled back past this migration; the rollback plan
    becomes a restore from backup.

    Fix: give the step a reverse (``migrations.RunPython.noop`` when undoing is safely nothing),
    or write the downgrade.
    """,
    "Give the step its reverse (reverse_code / reverse_sql / downgrade).",
    impact=5.0,
    effort=0.5,
)
MODEL_IMPORT = _rule(
    "migration.model-import",
    "Data migration imports application models",
    Severity.MEDIUM,
    """
    A migration imports the application's models (``from shop.models import Order``) instead of
    using the historical model (``apps.get_model("shop", "Order")``).

    Why it matters: the migration runs against today's model class, not the schema at that point
    of history: it breaks as soon as the model changes, for anyone migrating a fresh database.

    Fix: ``Order = apps.get_model("shop", "Order")`` inside the ``RunPython`` function.
    """,
    "Use apps.get_model() inside the RunPython function.",
    impact=4.0,
    effort=0.5,
)

RULES: tuple[RuleMeta, ...] = (
    NOT_NULL,
    DROP_COLUMN,
    RENAME,
    TYPE_CHANGE,
    UNIQUE,
    FOREIGN_KEY,
    INDEX,
    CONCURRENT_IN_TX,
    IRREVERSIBLE,
    MODEL_IMPORT,
)

# squawk's rules -> ours (the ones that are about rollouts and locks; style rules are left out)
SQUAWK_RULES: dict[str, RuleMeta] = {
    "adding-required-field": NOT_NULL,
    "adding-not-nullable-field": NOT_NULL,
    "ban-drop-column": DROP_COLUMN,
    "ban-drop-table": DROP_COLUMN,
    "renaming-column": RENAME,
    "renaming-table": RENAME,
    "changing-column-type": TYPE_CHANGE,
    "disallowed-unique-constraint": UNIQUE,
    "adding-foreign-key-constraint": FOREIGN_KEY,
    "require-concurrent-index-creation": INDEX,
    "require-concurrent-index-deletion": INDEX,
    "ban-concurrent-index-creation-in-transaction": CONCURRENT_IN_TX,
}
