"""Django migrations (``migrations/NNNN_*.py``), read with ``ast``: never imported."""

from __future__ import annotations

import ast

from stackaudit.analyzers.migrations import rules as r
from stackaudit.analyzers.migrations.common import (
    EmbeddedSql,
    Issue,
    Reading,
    arg,
    call_name,
    is_false,
    is_true,
    issue,
    keyword,
    text,
)

_NO_COLUMN = frozenset({"ManyToManyField", "GenericRelation", "GenericForeignKey"})
_FK = frozenset({"ForeignKey", "OneToOneField"})
_FRAMEWORK = ("django", "__future__", "typing", "decimal", "datetime", "uuid")


def _field(call: ast.Call) -> ast.Call | None:
    field = arg(call, 2, "field")
    return field if isinstance(field, ast.Call) else None


def _add_field(call: ast.Call, source: str) -> list[Issue]:
    field = _field(call)
    if field is None:
        return []
    kind = call_name(field.func)
    name = text(arg(call, 1, "name")) or "?"
    model = text(arg(call, 0, "model_name")) or "?"
    out = []
    if kind in _NO_COLUMN:
        return []
    nullable = is_true(keyword(field, "null")) or keyword(field, "db_default") is not None
    if not nullable and not is_true(keyword(field, "primary_key")):
        out.append(
            issue(
                r.NOT_NULL,
                call,
                f"AddField {model}.{name} is NOT NULL with no database default: old code's INSERTs "
                "fail until the rollout ends (Django drops default= from the table)",
                source,
            )
        )
    if is_true(keyword(field, "unique")):
        out.append(
            issue(
                r.UNIQUE,
                call,
                f"AddField {model}.{name} unique=True builds a unique index under lock",
                source,
            )
        )
    indexed = is_true(keyword(field, "db_index")) or (
        kind in _FK and not is_false(keyword(field, "db_index"))
    )
    if indexed and not is_true(keyword(field, "unique")):
        out.append(
            issue(r.INDEX, call, f"AddField {model}.{name} creates its index without CONCURRENTLY", source)
        )
    return out


def _operation(call: ast.Call, source: str, atomic: bool) -> tuple[list[Issue], list[EmbeddedSql]]:
    op = call_name(call.func)
    issues: list[Issue] = []
    sql: list[EmbeddedSql] = []
    if op == "AddField":
        issues += _add_field(call, source)
    elif op in ("RemoveField", "DeleteModel"):
        issues.append(
            issue(r.DROP_COLUMN, call, f"{op} drops what the running release still selects", source)
        )
    elif op in ("RenameField", "RenameModel"):
        issues.append(
            issue(r.RENAME, call, f"{op} renames in place: the running release uses the old name", source)
        )
    elif op == "AlterField":
        field = _field(call)
        if field is not None and is_true(keyword(field, "unique")):
            issues.append(
                issue(r.UNIQUE, call, "AlterField unique=True builds a unique index under lock", source)
            )
    elif op in ("AddIndex", "RemoveIndex"):
        issues.append(issue(r.INDEX, call, f"{op} locks writes while it builds or drops the index", source))
    elif op in ("AddIndexConcurrently", "RemoveIndexConcurrently") and atomic:
        issues.append(
            issue(r.CONCURRENT_IN_TX, call, f"{op} in a migration without atomic = False fails", source)
        )
    elif op == "AddConstraint":
        constraint = arg(call, 1, "constraint")
        if isinstance(constraint, ast.Call) and call_name(constraint.func) == "UniqueConstraint":
            issues.append(
                issue(r.UNIQUE, call, "AddConstraint(UniqueConstraint) builds the index under lock", source)
            )
    elif op == "RunPython":
        if arg(call, 1, "reverse_code") is None:
            issues.append(
                issue(r.IRREVERSIBLE, call, "RunPython without reverse_code cannot be rolled back", source)
            )
    elif op == "RunSQL":
        if arg(call, 1, "reverse_sql") is None:
            issues.append(
                issue(r.IRREVERSIBLE, call, "RunSQL without reverse_sql cannot be rolled back", source)
            )
        forward = arg(call, 0, "sql")
        statements = forward.elts if isinstance(forward, ast.List | ast.Tuple) else [forward]
        for node in statements:
            literal = text(node) if isinstance(node, ast.expr) else None
            if literal:
                sql.append(EmbeddedSql(literal, call.lineno, call.end_lineno or call.lineno, atomic))
    elif op == "SeparateDatabaseAndState":
        database = arg(call, 0, "database_operations")  # state-only changes touch no table
        for inner in database.elts if isinstance(database, ast.List | ast.Tuple) else []:
            if isinstance(inner, ast.Call):
                more, more_sql = _operation(inner, source, atomic)
                issues += more
                sql += more_sql
    return issues, sql


def _migration_class(tree: ast.Module) -> ast.ClassDef | None:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(call_name(b) == "Migration" for b in node.bases):
            return node
    return None


def _class_value(cls: ast.ClassDef, name: str) -> ast.expr | None:
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in stmt.targets
        ):
            return stmt.value
    return None


def _model_imports(tree: ast.Module, source: str) -> list[Issue]:
    out = []
    for node in tree.body:
        app_models = (
            isinstance(node, ast.ImportFrom) and node.module and not node.module.startswith(_FRAMEWORK)
        )
        if (
            app_models
            and isinstance(node, ast.ImportFrom)
            and node.module
            and (node.module.split(".")[-1] == "models" or ".models." in f".{node.module}.")
        ):
            out.append(
                issue(
                    r.MODEL_IMPORT,
                    node,
                    f"imports {node.module}: use apps.get_model() in the migration",
                    source,
                )
            )
    return out


def is_django_migration(tree: ast.Module) -> bool:
    return _migration_class(tree) is not None


def read(tree: ast.Module, source: str) -> Reading:
    cls = _migration_class(tree)
    if cls is None:
        return Reading()
    atomic = not is_false(_class_value(cls, "atomic"))
    operations = _class_value(cls, "operations")
    issues = _model_imports(tree, source)
    sql: list[EmbeddedSql] = []
    for call in operations.elts if isinstance(operations, ast.List | ast.Tuple) else []:
        if isinstance(call, ast.Call):
            more, more_sql = _operation(call, source, atomic)
            issues += more
            sql += more_sql
    return Reading(tuple(issues), tuple(sql))
