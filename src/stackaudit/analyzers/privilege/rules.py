"""Least-privilege rules for the data layer; each ``doc`` is the playbook."""

from __future__ import annotations

from stackaudit.model import Category, Confidence, RuleMeta, Severity

SUPERUSER_CONNECTION = RuleMeta(
    id="priv.superuser-connection",
    title="Application connects to the database as a superuser",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    cwe=(250, 272),
    impact=8.0,
    likelihood=5.0,
    effort=2.0,
    confidence=Confidence.MEDIUM,
    doc="""
    Application connects to the database as a superuser or administrator.

    What it finds: connection URLs (``postgresql://postgres:…@db/app``), connection strings
    (``User Id=sa``), environment files (``POSTGRES_USER=postgres``, ``DB_USER=root``) and settings
    (Django ``"USER": "postgres"``) whose account is postgres, root, sa, admin, administrator,
    superuser, rdsadmin, dba or master (also as ``*_admin`` / ``admin_*``).

    Why it matters: a superuser bypasses every grant, row-level policy and ownership check. One SQL
    injection or leaked credential becomes full control of the server (``COPY … TO PROGRAM`` runs
    shell commands as the database user), every schema and every other tenant's data.

    Example: ``DATABASE_URL=postgresql://postgres:secret@db:5432/shop``

    Fix: create one role per service with only the privileges it needs (``GRANT SELECT, INSERT,
    UPDATE ON orders TO shop_app``), keep the superuser for migrations run by operators, and
    connect the application with the least-privileged role.
    """,
    fix="Connect with a dedicated least-privileged role; keep superusers for operators only.",
    tags=("least-privilege",),
)

EXCESSIVE_GRANT = RuleMeta(
    id="priv.excessive-grant",
    title="Excessive database privilege granted",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    cwe=(269,),
    impact=7.0,
    likelihood=4.0,
    effort=1.0,
    confidence=Confidence.HIGH,
    doc="""
    Excessive database privilege granted in SQL or a migration.

    What it finds: ``GRANT ALL [PRIVILEGES]``, ``GRANT SUPER``, and roles created or altered with
    ``SUPERUSER``, ``CREATEROLE`` or ``BYPASSRLS`` in .sql files and in SQL strings of Python
    migrations (``op.execute("GRANT ALL …")``). ``NOSUPERUSER``/``NOCREATEROLE`` and ``REVOKE`` are fine.

    Why it matters: an application role that can do everything turns any bug into a breach; a role
    with CREATEROLE can mint itself new privileges; BYPASSRLS silently disables tenant isolation.

    Example: ``GRANT ALL PRIVILEGES ON DATABASE shop TO shop_app;``

    Fix: grant the specific privileges on the specific objects
    (``GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA shop TO shop_app``) and create roles
    with ``NOSUPERUSER NOCREATEROLE NOCREATEDB``.
    """,
    fix="Grant specific privileges on specific objects; create roles NOSUPERUSER NOCREATEROLE.",
    tags=("least-privilege",),
)

WRITE_IN_READ_ONLY = RuleMeta(
    id="priv.write-credentials-in-read-only-path",
    title="Read-only code path uses write-capable credentials",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    cwe=(272,),
    impact=6.0,
    likelihood=4.0,
    effort=1.0,
    confidence=Confidence.LOW,
    doc="""
    Read-only code path uses write-capable database credentials.

    What it finds: in files under ``privilege.read_only_paths`` (reporting, analytics, exports —
    declared in config), database credentials that are not recognisably read-only. The heuristic:
    a connection URL or user setting whose account name has no read-only marker (``ro``,
    ``readonly``, ``read_only``, ``reader``, ``replica``, ``read``), or an environment variable /
    setting that is the writer's (``DATABASE_URL``, ``DB_USER``, ``*_DSN`` without a marker).
    Names are split on ``_ - . :`` so ``analytics_ro`` and ``REPLICA_DATABASE_URL`` count as
    read-only while ``orders_rw`` and ``DATABASE_URL`` do not.

    Why it matters: read paths are where ad-hoc queries, report builders and notebooks live; with
    the writer's credentials one mistake (or injection) there can modify or delete production data.

    Example: ``engine = create_engine(os.environ["DATABASE_URL"])`` in ``analytics/report.py``.

    Fix: create a read-only role (``GRANT SELECT``) or use the replica, and give it its own
    variable (``ANALYTICS_RO_DATABASE_URL``).
    """,
    fix="Use a read-only role or the replica, with its own clearly named credentials.",
    tags=("least-privilege",),
)

RULES: tuple[RuleMeta, ...] = (SUPERUSER_CONNECTION, EXCESSIVE_GRANT, WRITE_IN_READ_ONLY)
