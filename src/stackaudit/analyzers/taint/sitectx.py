"""The syntax around a sink call: what the surrounding function does before and after it.

Some sinks are decided by code next to them rather than by the value's taint: a
response whose mimetype is set to ``text/plain`` on the next line, a SAX parser whose
``setFeature(feature_external_ges, True)`` was called earlier, a handler that sends
``Content-Type: application/json``. These helpers read the enclosing function's tree
(the module's top level for module code); they never evaluate anything.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from stackaudit.analyzers.pyparse import statement_nodes

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.interp import Interp

_EXTERNAL_FEATURES = frozenset({"feature_external_ges", "feature_external_pes"})
_EXTERNAL_URIS = ("external-general-entities", "external-parameter-entities")
_QUERY_ATTRS = frozenset(
    {
        "query",
        "objects",
        "filter",
        "filter_by",
        "get_or_404",
        "first_or_404",
        "fetchone",
        "fetchall",
        "scalars",
    }
)
_CONTENT_TYPE_ATTRS = frozenset({"mimetype", "content_type", "media_type"})


def scope(it: Interp) -> ast.AST:
    return it.func.node if it.func is not None else it.mod.tree


def assignment(it: Interp, name: str, before: int) -> ast.expr | None:
    """The value last assigned to ``name`` in the scope at or before line ``before``."""
    found: ast.expr | None = None
    line = -1
    for node in statement_nodes(scope(it)):  # assignments are statements (ast.walk's order)
        if not (isinstance(node, ast.Assign) and line < node.lineno <= before):
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            found, line = node.value, node.lineno
    return found


def resolve(it: Interp, node: ast.expr, line: int) -> ast.expr:
    """A name's assigned expression (one step), else the node itself."""
    if isinstance(node, ast.Name):
        value = assignment(it, node.id, line)
        if value is not None:
            return value
    return node


def following(it: Interp, call: ast.Call) -> tuple[str | None, list[ast.stmt]]:
    """``resp = make_response(...)``: the name bound and the statements after it in the same block."""
    for node in ast.walk(scope(it)):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for index, stmt in enumerate(block):
                if isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1:
                    target = stmt.targets[0]
                    return (target.id if isinstance(target, ast.Name) else None), block[index + 1 :]
    return None, []


def non_html_set_after(it: Interp, call: ast.Call) -> bool:
    """The response built by ``call`` gets a non-HTML content type in the statements that follow."""
    name, after = following(it, call)
    if name is None:
        return False
    for stmt in after:
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            continue
        target, value = stmt.targets[0], stmt.value
        text = value.value if isinstance(value, ast.Constant) else None
        if not isinstance(text, str):
            continue
        if isinstance(target, ast.Attribute) and target.attr in _CONTENT_TYPE_ATTRS:
            owner = target.value
        elif isinstance(target, ast.Subscript) and _const(target.slice).lower() == "content-type":
            owner = target.value.value if isinstance(target.value, ast.Attribute) else target.value
        else:
            continue
        if isinstance(owner, ast.Name) and owner.id == name:
            return "html" not in text.lower()
    return False


def external_entities(it: Interp, parser: ast.expr | None) -> bool:
    """Did the scope call ``parser.setFeature(feature_external_ges, True)`` (or ``_pes``)?"""
    if not isinstance(parser, ast.Name):
        return False
    for node in ast.walk(scope(it)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        if node.func.attr != "setFeature" or not isinstance(owner, ast.Name) or owner.id != parser.id:
            continue
        if len(node.args) < 2 or not _truthy(node.args[1]):
            continue
        feature = node.args[0]
        leaf = feature.attr if isinstance(feature, ast.Attribute) else getattr(feature, "id", "")
        if leaf in _EXTERNAL_FEATURES or any(uri in _const(feature) for uri in _EXTERNAL_URIS):
            return True
    return False


def sends_non_html(it: Interp) -> bool:
    """An ``http.server`` handler that declares a non-HTML body (``send_header("Content-Type", ...)``)."""
    for node in ast.walk(scope(it)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and len(node.args) >= 2):
            continue
        if node.func.attr == "send_header" and _const(node.args[0]).lower() == "content-type":
            return "html" not in _const(node.args[1]).lower()
    return False


def from_query(it: Interp, node: ast.expr, line: int) -> bool:
    """Does the expression come from a database read (``Post.query.get(...)``, ``objects.get``)?"""
    roots = [node]
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            roots.append(resolve(it, sub, line))
    for root in roots:
        for sub in ast.walk(root):
            if isinstance(sub, ast.Attribute) and sub.attr in _QUERY_ATTRS:
                return True
    return False


def returns_call(func: ast.FunctionDef | ast.AsyncFunctionDef, names: frozenset[str]) -> bool:
    """Does a repository helper return an object built by one of ``names`` (``return BytesIO(...)``)?"""
    built: set[str] = set()
    for node in ast.walk(func):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and _leaf(node.value.func) in names
        ):
            built.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for node in ast.walk(func):
        if isinstance(node, ast.Return) and node.value is not None:
            value = node.value
            if isinstance(value, ast.Call) and _leaf(value.func) in names:
                return True
            if isinstance(value, ast.Name) and value.id in built:
                return True
    return False


def returns_json(it: Interp, value: ast.expr, line: int) -> bool:
    """``return results`` of a dict (``results = {}`` here, or a helper whose every return is one):
    Flask serialises a returned dict to JSON, never HTML."""
    value = resolve(it, value, line)
    if _mapping(value):
        return True
    if not isinstance(value, ast.Call):
        return False
    helper = _helper(it, value.func)
    return helper is not None and _returns_mapping(helper)


def _helper(it: Interp, func: ast.expr) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The repository function a call runs: a nested ``def`` of the scope, or a resolved function."""
    if isinstance(func, ast.Name):
        local = it.env.get(func.id)
        closure = it.prog.closures.get(local.tag) if local is not None else None
        if closure is not None and not isinstance(closure.node, ast.Lambda):
            return closure.node
        nested = [f.node for f in it.mod.nested if f.node.name == func.id]
        if len(nested) == 1:
            return nested[0]
    qn = it.qualname(func)
    found = it.prog.resolve_function(it, func, qn) if qn else None
    return found.node if found is not None else None


def _returns_mapping(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    mappings: set[str] = set()
    others: set[str] = set()
    returns: list[ast.expr] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Assign):
            names = {t.id for t in node.targets if isinstance(t, ast.Name)}
            (mappings if _mapping(node.value) else others).update(names)
        elif isinstance(node, ast.Return) and node.value is not None:
            returns.append(node.value)
    return bool(returns) and all(
        _mapping(v) or (isinstance(v, ast.Name) and v.id in mappings - others) for v in returns
    )


def _mapping(node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id == "dict"
    return isinstance(node, ast.Dict | ast.DictComp)


def _leaf(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def _const(node: ast.expr) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _truthy(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value)
