"""Template rendering calls as sinks, and findings whose origin is unconfirmed.

``render_template("post.html", post=item)`` passes context values into a template; the
template (``templates.py``) says which of them it writes unescaped. A request value
there is a confirmed XSS. A value read from the database (``Post.query.get(...)``)
and written with ``|safe`` is stored XSS whose origin we cannot see: it is reported
as *unconfirmed* (lower likelihood), following the project's convention for origins.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint import sitectx
from stackaudit.analyzers.taint import tables as tb
from stackaudit.analyzers.taint.rules import TAINT_RULES
from stackaudit.analyzers.taint.templates import UnsafeUse, index_for
from stackaudit.analyzers.taint.values import Val, flatten
from stackaudit.model import Confidence

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.calls import CallArgs
    from stackaudit.analyzers.taint.interp import Interp

# renderer -> (position of the template name, position of the context; -1: keyword arguments)
_LAYOUT: dict[str, tuple[int, int]] = {
    "flask.render_template": (0, -1),
    "quart.render_template": (0, -1),
    "aiohttp_jinja2.render_template": (0, 2),
    "django.shortcuts.render": (1, 2),
    "django.shortcuts.render_to_response": (0, 1),
    "django.template.loader.render_to_string": (0, 1),
    "django.template.response.TemplateResponse": (1, 2),
    "django.template.response.SimpleTemplateResponse": (0, 1),
}
_NAME_KW = ("template_name_or_list", "template_name")


def render_values(it: Interp, args: CallArgs, label: str) -> list[tuple[Val, str]]:
    """Context values a rendered template writes unescaped, with a note naming the template line."""
    root = getattr(it.prog, "root", None)
    layout = _LAYOUT.get(label)
    if root is None or layout is None:
        return []
    name_pos, ctx_pos = layout
    name = args.get(name_pos, _NAME_KW[0]) or args.kwargs.get(_NAME_KW[1])
    template = name.const if name is not None else None
    if isinstance(template, tuple | list) and template:
        template = template[0]
    if not isinstance(template, str):
        return []
    uses = index_for(str(root)).unsafe_uses(template)
    if not uses:
        return []
    values, exprs = _context(it, args, ctx_pos)
    out: list[tuple[Val, str]] = []
    for var, use in uses.items():
        value = values.get(var)
        if value is None:
            continue
        note = f"{{{{ {var} }}}} in {use.template}:{use.line} ({use.how})"
        if flatten(value):
            out.append((value, note))
        elif not value.is_const and var in exprs and sitectx.from_query(it, exprs[var], args.node.lineno):
            unconfirmed(it, tb.XSS, args.node, f"a stored value {note}", _message(use))
    return out


def _message(use: UnsafeUse) -> str:
    where = f"{use.how} in {use.template}"
    return f"Cross-site scripting (stored): {use.name} from the database is written by {where}"


def _context(it: Interp, args: CallArgs, ctx_pos: int) -> tuple[dict[str, Val], dict[str, ast.expr]]:
    """Context variables passed to the template: their values, and their expressions where visible."""
    values: dict[str, Val] = {}
    exprs: dict[str, ast.expr] = {}
    if ctx_pos < 0:
        for kw in args.node.keywords:
            if kw.arg is not None and kw.arg not in _NAME_KW:
                values[kw.arg], exprs[kw.arg] = args.kwargs[kw.arg], kw.value
        spread = args.kwargs.get("**")
        for key, value in spread.keys or () if spread is not None else ():
            if isinstance(key, str):
                values[key] = value
        return values, exprs
    context = args.get(ctx_pos, "context")
    for key, value in context.keys or () if context is not None else ():
        if isinstance(key, str):
            values[key] = value
    node = args.node.args[ctx_pos] if ctx_pos < len(args.node.args) else None
    node = sitectx.resolve(it, node, args.node.lineno) if node is not None else None
    if isinstance(node, ast.Dict):
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if isinstance(key_node, ast.Constant) and isinstance(key_node.value, str):
                exprs[key_node.value] = value_node
    return values, exprs


def unconfirmed(it: Interp, cwe: int, node: ast.AST, reason: str, message: str = "") -> None:
    """Record a finding whose data origin is unknown (stored data, a parser flag): kept, ranked lower."""
    rule = TAINT_RULES[cwe]
    location = it.loc(node)
    key = (cwe, location.path, location.line, -location.column)  # beside, never instead of, a confirmed one
    if key in it.prog.findings:
        return
    it.prog.findings[key] = rule.finding(
        location,
        message or f"{rule.title}: {reason}",
        it.mod.snippet(node),
        confidence=Confidence.LOW,
        properties=(("origin", "unconfirmed"), ("origin_reason", reason), ("source_kind", "stored")),
    )
