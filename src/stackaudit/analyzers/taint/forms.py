"""A form object built from the request (WTForms: ``Form(formdata=request.form)``).

The object is not the request's text: its fields render themselves through escaping widgets
(``{{ form.name }}``, ``form.name()``), and its methods validate (``validate_on_submit()``) or
return what the form's own code defines (``form.extra_form_content()``, a template the class
holds). What the user typed is read through ``.data`` (of a field or of the whole form),
``.raw_data`` and ``.errors``; ``populate_obj(obj)`` writes it into ``obj``.

Only for constructions the analysis cannot resolve to a repository class (a form class chosen
at run time, a library form): a repository form class is followed through its own code.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint.modules import dotted
from stackaudit.analyzers.taint.values import CLEAN, Taint, Val, cap, flatten

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.calls import CallArgs
    from stackaudit.analyzers.taint.interp import Interp

FORM = "wtform"
_DATA = frozenset({"data", "raw_data", "object_data", "errors", "form_errors"})


def builds_form(node: ast.Call) -> bool:
    """WTForms' keyword for the submitted data: ``formdata=request.form``."""
    return any(kw.arg == "formdata" for kw in node.keywords)


def form(taints: frozenset[Taint]) -> Val:
    return Val(taints=taints, tag=FORM)


def form_attribute(base: Val, attr: str) -> Val:
    """``form.name.data`` is the user's text; ``form.name`` is a field, a form object still."""
    return Val(taints=flatten(base)) if attr in _DATA else Val(taints=flatten(base), tag=FORM)


def form_method(it: Interp, method: str, receiver: Val, args: CallArgs) -> Val:
    """Methods validate or render (escaped) or return the class's own text; ``populate_obj``
    copies the submitted data into the object it is given."""
    if method == "populate_obj" and args.node.args:
        path = dotted(args.node.args[0])
        if path is not None:
            it.env[path] = Val(taints=cap(flatten(it.env.get(path, CLEAN)) | flatten(receiver)))
    return CLEAN


RENDERS = frozenset({"render", "render_async", "generate", "stream"})


def rendered_taints(args: CallArgs) -> frozenset[Taint]:
    """What a template rendered without autoescape prints of its context, as far as the
    analysis knows: every value but form objects, whose fields render through their escaping
    widgets (``template.render(form=form, **ctx)``)."""
    out: frozenset[Taint] = frozenset()
    for value in (*args.args, *args.kwargs.values()):
        if value.tag == FORM:
            continue
        if value.keys is not None:  # render(**{"form": form, "watch": watch})
            out = out | value.taints
            for _, item in value.keys:
                out = out if item.tag == FORM else out | flatten(item)
            continue
        out = out | flatten(value)
    return out
