"""Alembic revisions (``versions/*.py`` with ``upgrade()``/``downgrade()``), read with ``ast``."""

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


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    return next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name), None)


def is_alembic_revision(tree: ast.Module) -> bool:
    names = {
        t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
    }
    return _function(tree, "upgrade") is not None and "revision" in names


def revision_ids(tree: ast.Module) -> tuple[str | None, tuple[str, ...]]:
    """(revision, down revisions) of a revision file."""
    values: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            pairs = [(node.target, node.value)]
        else:
            continue
        for target, value in pairs:
            if isinstance(target, ast.Name):
                values[target.id] = value
    revision = text(values.get("revision"))
    down = values.get("down_revision")
    downs = (
        tuple(x for e in down.elts if (x := text(e)))
        if isinstance(down, ast.Tuple | ast.List)
        else ((d,) if (d := text(down)) else ())
    )
    return revision, downs


def _add_column(call: ast.Call, source: str) -> list[Issue]:
    column = arg(call, 1, "column")
    if not isinstance(column, ast.Call):
        return []
    nullable = keyword(column, "nullable")
    not_null = is_false(nullable) or (nullable is None and is_true(keyword(column, "primary_key")))
    if not_null and keyword(column, "server_default") is None:
        name = text(column.args[0]) if column.args else "?"
        return [issue(r.NOT_NULL, call, f"add_column {name} nullable=False without server_default", source)]
    return []


def _concurrent(call: ast.Call) -> bool:
    return is_true(keyword(call, "postgresql_concurrently"))


def _op(call: ast.Call, source: str, autocommit: bool, batch: bool) -> tuple[list[Issue], list[EmbeddedSql]]:
    name = call_name(call.func)
    out: list[Issue] = []
    sql: list[EmbeddedSql] = []
    if name == "add_column" and not batch:
        out += _add_column(call, source)
    elif name in ("drop_column", "drop_table"):
        out.append(issue(r.DROP_COLUMN, call, f"{name} drops what the running release still uses", source))
    elif name == "rename_table" or (name == "alter_column" and keyword(call, "new_column_name") is not None):
        out.append(
            issue(r.RENAME, call, f"{name} renames in place: the running release uses the old name", source)
        )
    elif name == "alter_column" and keyword(call, "type_") is not None and not batch:
        out.append(issue(r.TYPE_CHANGE, call, "alter_column type_= rewrites the table under lock", source))
    elif name in ("create_index", "drop_index") and not batch:
        if not _concurrent(call):
            out.append(
                issue(r.INDEX, call, f"{name} without postgresql_concurrently=True locks writes", source)
            )
        elif not autocommit:
            out.append(
                issue(
                    r.CONCURRENT_IN_TX, call, f"{name} CONCURRENTLY outside autocommit_block() fails", source
                )
            )
    elif name == "create_unique_constraint" and not batch:
        out.append(issue(r.UNIQUE, call, "create_unique_constraint builds a unique index under lock", source))
    elif (
        name == "create_foreign_key"
        and not batch
        and not any("not_valid" in (k.arg or "") for k in call.keywords)
    ):
        out.append(issue(r.FOREIGN_KEY, call, "create_foreign_key validates every row under lock", source))
    elif name == "execute":
        literal = text(arg(call, 0, "sqltext"))
        if literal:
            sql.append(EmbeddedSql(literal, call.lineno, call.end_lineno or call.lineno, not autocommit))
    return out, sql


def _walk(body: list[ast.stmt], source: str, autocommit: bool, batch: bool, into: Reading) -> Reading:
    issues, sql = list(into.issues), list(into.sql)
    for stmt in body:
        if isinstance(stmt, ast.With):
            ctx = [call_name(i.context_expr.func) for i in stmt.items if isinstance(i.context_expr, ast.Call)]
            inner = _walk(
                stmt.body,
                source,
                autocommit or "autocommit_block" in ctx,
                batch or "batch_alter_table" in ctx,
                Reading(),
            )
            issues += inner.issues
            sql += inner.sql
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                more, more_sql = _op(node, source, autocommit, batch)
                issues += more
                sql += more_sql
    return Reading(tuple(issues), tuple(sql))


def _does_nothing(fn: ast.FunctionDef) -> bool:
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if not body:
        return True
    if all(isinstance(s, ast.Pass) for s in body):
        return True
    return len(body) == 1 and isinstance(body[0], ast.Raise)


def read(tree: ast.Module, source: str) -> Reading:
    upgrade = _function(tree, "upgrade")
    if upgrade is None:
        return Reading()
    reading = _walk(upgrade.body, source, autocommit=False, batch=False, into=Reading())
    downgrade = _function(tree, "downgrade")
    changes = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) for n in ast.walk(upgrade))
    if downgrade is not None and _does_nothing(downgrade) and changes:
        irreversible = issue(
            r.IRREVERSIBLE, downgrade, "downgrade() does nothing: this revision cannot be rolled back", source
        )
        return Reading((*reading.issues, irreversible), reading.sql)
    return reading
