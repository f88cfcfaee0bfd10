"""SQL in strings: ``SELECT *`` and SQL built by string formatting."""

from __future__ import annotations

import ast
import re

from stackaudit.analyzers.python.family import RuleFamily
from stackaudit.analyzers.python.names import keyword
from stackaudit.model import Category, Confidence, RuleMeta, Severity

SELECT_STAR = RuleMeta(
    id="perf.select-star",
    title="SELECT * in SQL",
    category=Category.PERFORMANCE,
    severity=Severity.LOW,
    impact=3,
    likelihood=5,
    effort=0.25,
    confidence=Confidence.HIGH,
    fix="Name the columns the code uses.",
    doc="""
    Finds SQL strings (they start with SELECT, WITH, INSERT or CREATE) containing
    ``SELECT *`` or ``SELECT t.*``.

    Why it matters: the query reads and ships every column, including large ones added later
    (a JSON blob, a document), defeats covering indexes, and silently changes shape when the
    table does, breaking positional unpacking of rows.

    Example::

        cur.execute("SELECT * FROM orders WHERE id = %s", (order_id,))

    Fix: ``SELECT id, status, total FROM orders WHERE id = %s``. ``COUNT(*)`` is fine and not
    reported.
    """,
)

SQL_STRING_BUILT = RuleMeta(
    id="sec.sql-string-built",
    title="SQL built with string formatting",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    cwe=(89,),
    impact=8,
    likelihood=5,
    effort=0.5,
    confidence=Confidence.MEDIUM,
    fix='Use bound parameters: execute("... WHERE id = %s", (value,)) or text("... :id").',
    doc="""
    Finds SQL statements (starting with SELECT, INSERT, UPDATE, DELETE or WITH) built with an
    f-string, ``%`` formatting, ``+`` concatenation or ``str.format`` and passed to
    ``execute``/``executemany``/``executescript``, SQLAlchemy ``text``/``exec_driver_sql``,
    Django ``raw`` or pandas ``read_sql``, directly or through a variable.

    Why it matters: if any interpolated value comes from a user, it is SQL injection
    (CWE-89): data theft, authentication bypass, data loss. Even when it does not today,
    the next change may route user input into it. This is the pattern-level rule; the taint
    engine reports the confirmed flows from request data (``sec.sql-injection``).

    Example::

        db.session.execute(text(f"SELECT id FROM orders WHERE status = '{status}'"))

    Fix: bind parameters: ``text("SELECT id FROM orders WHERE status = :s")`` with
    ``{"s": status}``; ``cur.execute("... = %s", (status,))``. Identifiers (table or column
    names) cannot be bound: choose them from an allow-list. Interpolating only ALL_CAPS
    module constants is not reported.
    """,
)

STAR = re.compile(r"\bselect\s+(?:distinct\s+)?(?:[\w\"`]+\.)?\*\s*(?:,[^;]*?)?\bfrom\b", re.I | re.S)
SQL_START = ("select", "with", "insert", "create")
BUILT_START = ("select", "insert", "update", "delete", "with")
SQL_SINKS = frozenset(
    {
        "execute",
        "executemany",
        "executescript",
        "exec_driver_sql",
        "raw",
        "read_sql",
        "read_sql_query",
        "mogrify",
    }
)
SQL_TEXT = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"})


def _literal_text(node: ast.Constant | ast.JoinedStr) -> str:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else ""
    return "".join(
        p.value if isinstance(p, ast.Constant) and isinstance(p.value, str) else "?" for p in node.values
    )


def _constant_like(node: ast.expr) -> bool:
    """A literal or an ALL_CAPS name (a module constant such as a table name)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id.isupper()
    if isinstance(node, ast.Attribute):
        return node.attr.isupper()
    return False


def built_sql(node: ast.expr) -> str | None:
    """The leading literal text of a string built by formatting, or None if not built."""
    if isinstance(node, ast.JoinedStr):
        dynamic = [
            p.value for p in node.values if isinstance(p, ast.FormattedValue) and not _constant_like(p.value)
        ]
        return _literal_text(node) if dynamic else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        left = node.left
        if isinstance(left, ast.Constant) and isinstance(left.value, str):
            values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            return left.value if not all(_constant_like(v) for v in values) else None
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts = _concat_parts(node)
        if any(not _constant_like(p) for p in parts):
            first = parts[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value
            if isinstance(first, ast.JoinedStr):
                return _literal_text(first)
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        base = node.func.value
        if isinstance(base, ast.Constant) and isinstance(base.value, str):
            args = [*node.args, *(k.value for k in node.keywords)]
            return base.value if not all(_constant_like(a) for a in args) else None
    return None


def _concat_parts(node: ast.expr) -> list[ast.expr]:
    """Operands of ``a + b + c`` in order (iterative: generated code nests hundreds deep)."""
    parts: list[ast.expr] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
            stack.extend((current.right, current.left))
        else:
            parts.append(current)
    return parts


class SqlRules(RuleFamily):
    rules = (SELECT_STAR, SQL_STRING_BUILT)

    def on_string(self, node: ast.Constant | ast.JoinedStr) -> None:
        text = _literal_text(node)
        if len(text) < 14 or not text.lstrip(" \t\r\n(").lower().startswith(SQL_START):
            return
        if STAR.search(text):
            self.walk.emit(SELECT_STAR, node, "SELECT * reads every column; name the columns")

    def on_call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr not in SQL_SINKS:
                return
        elif (self.walk.qualname(func) or "") not in SQL_TEXT:
            return
        arg = node.args[0] if node.args else None
        if arg is None:
            found = keyword(node, "sql") or keyword(node, "statement") or keyword(node, "text")
            arg = found.value if found else None
        if arg is None:
            return
        if isinstance(arg, ast.Call) and (self.walk.qualname(arg.func) or "") in SQL_TEXT:
            return  # execute(text(...)): reported on the text() call itself
        value = self.walk.resolve(arg)
        text = built_sql(value)
        if text is not None and text.lstrip(" \t\r\n(").lower().startswith(BUILT_START):
            self.walk.emit(
                SQL_STRING_BUILT,
                node,
                "SQL statement built by string formatting; use bound parameters",
                related=(value,) if value is not arg else (),
            )
